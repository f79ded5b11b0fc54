// `yololab print-config FILE [--format python|json] [--scope NAME=DIR]... [--cfg-options K=V ...]`
// Prints the fully merged config; on failure one `file:line:col: error: message` line, exit 1.
// The output is streamed in chunks (a large config is never held as one string).

import { once } from 'node:events';
import * as path from 'node:path';
import { escapeControl, formatDiagnostic, loadConfig } from '../config';
import { taggedJsonPieces } from '../config/json-format';
import { pythonLines } from '../config/python-format';
import { parseArgs, parseScopes, UsageError } from './args';

export const summary = 'print the fully merged config (python or json)';

const CHUNK = 64 * 1024;

/** Writes the pieces to stdout in chunks, waiting when the reader is slower than we are. */
async function writeChunked(pieces: Iterable<string>): Promise<void> {
  let buf = '';
  for (const p of pieces) {
    buf += p;
    if (buf.length >= CHUNK) {
      const ok = process.stdout.write(buf);
      buf = '';
      if (!ok) await once(process.stdout, 'drain');
    }
  }
  if (buf) process.stdout.write(buf);
}

function* jsonWithNewline(pieces: Iterable<string>): Generator<string> {
  yield* pieces;
  yield '\n';
}

function* linesOf(lines: Iterable<{ text: string }>): Generator<string> {
  for (const l of lines) yield l.text + '\n';
}

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
      process.stderr.write(`yololab print-config: ${escapeControl(e.message)}\n`);
      return 2;
    }
    throw e;
  }
  // The syntax tree is not kept: each statement is evaluated as it is parsed (flat memory on large configs).
  const r = loadConfig(file, { scopes, cfgOptions, keepSyntaxTree: false });
  if (!r.ok || !r.config) {
    const first = r.diagnostics.find((d) => d.severity === 'error');
    process.stderr.write((first ? formatDiagnostic(first) : `${escapeControl(file)}:1:1: error: config could not be loaded`) + '\n');
    return 1;
  }
  await writeChunked(format === 'json' ? jsonWithNewline(taggedJsonPieces(r.config)) : linesOf(pythonLines(r.config)));
  return 0;
}
