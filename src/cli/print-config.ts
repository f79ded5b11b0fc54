// `yololab print-config FILE [--format python|json] [--scope NAME=DIR]... [--cfg-options K=V ...]`
// Prints the fully merged config; on failure one `file:line:col: error: message` line, exit 1.

import * as path from 'node:path';
import { formatDiagnostic, loadConfig, toPythonText, toTaggedJson } from '../config';
import { parseArgs, parseScopes, UsageError } from './args';

export const summary = 'print the fully merged config (python or json)';

export async function run(argv: string[]): Promise<number> {
  let file: string;
  let format: string;
  let scopes: Record<string, string>;
  let cfgOptions: string[];
  try {
    const a = parseArgs(argv, { values: ['format'], repeat: ['scope'], lists: ['cfg-options'] });
    if (a.positional.length !== 1) throw new UsageError('usage: yololab print-config FILE [--format python|json] [--scope NAME=DIR]... [--cfg-options KEY=VALUE ...]');
    file = a.positional[0];
    format = a.values.get('format') ?? 'python';
    if (format !== 'python' && format !== 'json') throw new UsageError(`--format must be python or json, not '${format}'`);
    scopes = Object.fromEntries(Object.entries(parseScopes(a.repeated.get('scope') ?? [])).map(([k, v]) => [k, path.resolve(v)]));
    cfgOptions = a.lists.get('cfg-options') ?? [];
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`yololab print-config: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const r = loadConfig(file, { scopes, cfgOptions });
  if (!r.ok || !r.config) {
    const first = r.diagnostics.find((d) => d.severity === 'error');
    process.stderr.write((first ? formatDiagnostic(first) : `${file}:1:1: error: config could not be loaded`) + '\n');
    return 1;
  }
  process.stdout.write(format === 'json' ? toTaggedJson(r.config) + '\n' : toPythonText(r.config).text);
  return 0;
}
