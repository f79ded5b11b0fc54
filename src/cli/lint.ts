// `yololab lint PATH... [--format text|json] [--scope NAME=DIR]...`
// One `file:line:col: severity: message [rule-id]` line per finding; exit 1 if any error.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigLoader, formatDiagnostic, loadConfig, type Diagnostic } from '../config';
import { lintConfig } from '../lint';
import { parseArgs, parseScopes, UsageError } from './args';

export const summary = 'check configs: inheritance mistakes, the filename convention, name vs content';

const SKIP_DIRS = new Set(['node_modules', '.git', 'work_dirs', 'dist', '__pycache__']);

/** The .py files under the given paths (a file counts even if it is not under configs/). */
export function collectConfigFiles(paths: string[]): { files: string[]; missing: string[] } {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = (dir: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const p = path.join(dir, name);
      const st = fs.statSync(p);
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name)) walk(p);
      } else if (name.endsWith('.py') && name !== '__init__.py') files.push(p);
    }
  };
  for (const p of paths) {
    if (!fs.existsSync(p)) missing.push(p);
    else if (fs.statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
  return { files: [...new Set(files.map((f) => path.resolve(f)))], missing };
}

export function lintFiles(files: string[], scopes: Record<string, string>): Diagnostic[] {
  const loader = new ConfigLoader();
  const all: Diagnostic[] = [];
  const seen = new Set<string>();
  const wanted = new Set(files);
  for (const f of files) {
    const r = loadConfig(f, { loader, scopes });
    // A base's own problems are reported once, under the base's name.
    for (const d of [...r.diagnostics, ...lintConfig(r)]) {
      const key = `${d.file}:${d.range.start.line}:${d.range.start.col}:${d.code}:${d.message}`;
      if (seen.has(key) || !wanted.has(d.file)) continue;
      seen.add(key);
      all.push(d);
    }
  }
  return all.sort((a, b) => a.file.localeCompare(b.file) || a.range.start.line - b.range.start.line || a.range.start.col - b.range.start.col);
}

export async function run(argv: string[]): Promise<number> {
  let a;
  try {
    a = parseArgs(argv, { values: ['format'], repeat: ['scope'] });
    if (!a.positional.length) throw new UsageError('usage: yololab lint PATH... [--format text|json] [--scope NAME=DIR]...');
    const fmt = a.values.get('format') ?? 'text';
    if (fmt !== 'text' && fmt !== 'json') throw new UsageError(`--format must be text or json, not '${fmt}'`);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`yololab lint: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const scopes = Object.fromEntries(Object.entries(parseScopes(a.repeated.get('scope') ?? [])).map(([k, v]) => [k, path.resolve(v)]));
  const { files, missing } = collectConfigFiles(a.positional);
  for (const m of missing) process.stderr.write(`${m}:1:1: error: no such file or directory [read-error]\n`);
  const found = lintFiles(files, scopes);
  if (a.values.get('format') === 'json') {
    const rows = found.map((d) => ({ file: d.file, line: d.range.start.line + 1, column: d.range.start.col + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.col + 1, severity: d.severity, message: d.message, rule: d.code, ...(d.data ? { data: d.data } : {}) }));
    process.stdout.write(JSON.stringify({ files: files.length, findings: rows }, null, 2) + '\n');
  } else {
    for (const d of found) process.stdout.write(formatDiagnostic(d) + '\n');
    const errors = found.filter((d) => d.severity === 'error').length;
    process.stderr.write(`${files.length} config${files.length === 1 ? '' : 's'} checked: ${errors} error${errors === 1 ? '' : 's'}, ${found.length - errors} other finding${found.length - errors === 1 ? '' : 's'}\n`);
  }
  return found.some((d) => d.severity === 'error') || missing.length ? 1 : 0;
}
