// `yololab lint PATH... [--format text|json] [--scope NAME=DIR]...`
// One `file:line:col: severity: message [rule-id]` line per finding; exit 1 if any error.

import * as fs from 'node:fs';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import {
  ConfigLoader,
  escapeControl,
  formatDiagnostic,
  loadConfig,
  unitsOf,
  type Diagnostic,
  type FileUnit,
} from '../config';
import { lintConfig } from '../lint';
import { parseArgs, parseScopes, UsageError } from './args';

export const summary = 'check configs: inheritance mistakes, the filename convention, name vs content';

const SKIP_DIRS = new Set(['node_modules', '.git', 'work_dirs', 'dist', '__pycache__']);

/**
 * The .py files under the given paths (a file counts even if it is not under configs/).
 * Symlinked folders are followed once (a link back to a parent does not loop); a .py
 * name that is not a regular file (a FIFO, a dangling link) is kept so the loader can
 * say what is wrong with it, without ever opening it.
 */
export function collectConfigFiles(paths: string[]): { files: string[]; missing: string[]; unreadable: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const unreadable: string[] = [];
  const visited = new Set<string>();
  const walk = (dir: string) => {
    let real: string;
    let names: string[];
    try {
      real = fs.realpathSync(dir);
      if (visited.has(real)) return;
      visited.add(real);
      names = fs.readdirSync(dir).sort();
    } catch {
      unreadable.push(dir);
      return;
    }
    for (const name of names) {
      const p = path.join(dir, name);
      let isDir = false;
      try {
        isDir = fs.statSync(p).isDirectory();
      } catch {
        // A dangling or looping link: only a .py name is worth a finding.
      }
      if (isDir) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (name.endsWith('.py') && name !== '__init__.py') files.push(p);
    }
  };
  for (const p of paths) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(p);
    } catch {
      st = undefined;
    }
    if (!st) missing.push(p);
    else if (st.isDirectory()) walk(p);
    else files.push(p);
  }
  return { files: [...new Set(files.map((f) => path.resolve(f)))], missing, unreadable };
}

/** Past this much config text in the loader's cache, it is emptied: linting a thousand large configs must not hold them all. */
const CACHE_TEXT_LIMIT = 4 * 1024 * 1024;

let gc: (() => void) | undefined;
/** A full garbage collection (V8's gc(), exposed for this process only when first needed). */
function collectGarbage(): void {
  if (!gc) {
    v8.setFlagsFromString('--expose-gc');
    gc = vm.runInNewContext('gc') as () => void;
  }
  gc();
}

export function lintFiles(files: string[], scopes: Record<string, string>): Diagnostic[] {
  const loader = new ConfigLoader();
  const all: Diagnostic[] = [];
  const seen = new Set<string>();
  const wanted = new Set(files);
  const cached = new Set<FileUnit>();
  let cachedText = 0;
  for (const f of files) {
    // The syntax tree is not kept: each statement is evaluated as it is parsed (flat memory on large configs).
    const r = loadConfig(f, { loader, scopes, keepSyntaxTree: false });
    for (const u of unitsOf(r.unit)) {
      if (cached.has(u)) continue;
      cached.add(u);
      cachedText += u.text.length;
    }
    // A base's own problems are reported once, under the base's name.
    for (const d of [...r.diagnostics, ...lintConfig(r)]) {
      const key = `${d.file}:${d.range.start.line}:${d.range.start.col}:${d.code}:${d.message}`;
      if (seen.has(key) || !wanted.has(d.file)) continue;
      seen.add(key);
      all.push(d);
    }
    // Shared bases stay cached between files, until the cache holds too much.
    if (cachedText > CACHE_TEXT_LIMIT) {
      loader.invalidate();
      cached.clear();
      cachedText = 0;
      // Collect now: otherwise the next large config is built on top of this one's garbage, and the
      // process's peak memory is the sum of the two.
      collectGarbage();
    }
  }
  return all.sort(
    (a, b) =>
      a.file.localeCompare(b.file) || a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col,
  );
}

export async function run(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs(argv, { values: ['format'], repeat: ['scope'] });
    if (!a.positional.length)
      throw new UsageError('usage: yololab lint PATH... [--format text|json] [--scope NAME=DIR]...');
    const fmt = a.values.get('format') ?? 'text';
    if (fmt !== 'text' && fmt !== 'json') throw new UsageError(`--format must be text or json, not '${fmt}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`yololab lint: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const scopes = Object.fromEntries(
    Object.entries(parseScopes(a.repeated.get('scope') ?? [])).map(([k, v]) => [k, path.resolve(v)]),
  );
  const { files, missing, unreadable } = collectConfigFiles(a.positional);
  for (const m of missing)
    process.stderr.write(`${escapeControl(m)}:1:1: error: no such file or directory [read-error]\n`);
  for (const m of unreadable)
    process.stderr.write(`${escapeControl(m)}:1:1: error: cannot list this folder [read-error]\n`);
  const found = lintFiles(files, scopes);
  if (a.values.get('format') === 'json') {
    const rows = found.map((d) => ({
      file: d.file,
      line: d.range.start.line + 1,
      column: d.range.start.col + 1,
      endLine: d.range.end.line + 1,
      endColumn: d.range.end.col + 1,
      severity: d.severity,
      message: d.message,
      rule: d.code,
      ...(d.data ? { data: d.data } : {}),
    }));
    process.stdout.write(JSON.stringify({ files: files.length, findings: rows }, null, 2) + '\n');
  } else {
    for (const d of found) process.stdout.write(formatDiagnostic(d) + '\n');
    const errors = found.filter((d) => d.severity === 'error').length;
    process.stderr.write(
      `${files.length} config${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${found.length - errors} other finding${found.length - errors === 1 ? '' : 's'}\n`,
    );
  }
  return found.some((d) => d.severity === 'error') || missing.length || unreadable.length ? 1 : 0;
}
