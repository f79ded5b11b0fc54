// `yololab print-config FILE [--format python|json] [--scope NAME=DIR]... [--cfg-options K=V ...]`
// Prints the fully merged config; on failure one `file:line:col: error: message` line, exit 1.
// The output is written in chunks as it is made (a large config is never held as one string).

import * as fs from 'node:fs';
import * as path from 'node:path';
import { escapeControl, formatDiagnostic, loadConfig } from '../config';
import { writeTaggedJson } from '../config/json-format';
import { writePythonLines } from '../config/python-format';
import { parseArgs, parseScopes, UsageError } from './args';

export const summary = 'print the fully merged config (python or json)';

const CHUNK = 64 * 1024;

/**
 * stdout in 64 KB chunks, written synchronously (a slow reader makes us wait, never
 * makes us buffer the whole output); a reader that went away (EPIPE) ends the output
 * quietly, as the rest of the CLI does.
 */
class ChunkedStdout {
  private buf = '';
  private gone = false;
  private readonly pause = new Int32Array(new SharedArrayBuffer(4));

  write(piece: string): void {
    if (this.gone) return;
    this.buf += piece;
    if (this.buf.length >= CHUNK) this.flush();
  }

  flush(): void {
    if (this.gone || !this.buf) return;
    const bytes = Buffer.from(this.buf, 'utf8');
    this.buf = '';
    for (let off = 0; off < bytes.length;) {
      try {
        off += fs.writeSync(1, bytes, off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // A non-blocking pipe that is full: wait a moment for the reader.
        if (code === 'EAGAIN') Atomics.wait(this.pause, 0, 0, 5);
        else if (code === 'EPIPE') {
          this.gone = true;
          return;
        } else throw e;
      }
    }
  }
}

export async function run(argv: string[]): Promise<number> {
  let file: string;
  let format: string;
  let scopes: Record<string, string>;
  let cfgOptions: string[];
  try {
    const a = parseArgs(argv, { values: ['format'], repeat: ['scope'], lists: ['cfg-options'] });
    if (a.positional.length !== 1)
      throw new UsageError(
        'usage: yololab print-config FILE [--format python|json] [--scope NAME=DIR]... [--cfg-options KEY=VALUE ...]',
      );
    file = a.positional[0];
    format = a.values.get('format') ?? 'python';
    if (format !== 'python' && format !== 'json')
      throw new UsageError(`--format must be python or json, not '${format}'`);
    scopes = Object.fromEntries(
      Object.entries(parseScopes(a.repeated.get('scope') ?? [])).map(([k, v]) => [k, path.resolve(v)]),
    );
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
    process.stderr.write(
      (first ? formatDiagnostic(first) : `${escapeControl(file)}:1:1: error: config could not be loaded`) + '\n',
    );
    return 1;
  }
  const out = new ChunkedStdout();
  if (format === 'json') {
    writeTaggedJson(r.config, (piece) => out.write(piece));
    out.write('\n');
  } else writePythonLines(r.config, (text) => out.write(text + '\n'));
  out.flush();
  return 0;
}
