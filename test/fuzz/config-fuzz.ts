// A seeded fuzzer for the config engine. It copies the repository's configs and the
// golden config trees into a scratch folder (so `_base_` chains resolve), mutates one
// file per case — bytes, lines, Python tokens, hostile expressions, odd characters,
// special `_base_` targets — and checks what must hold for any input:
//
// - nothing throws out of loadConfig, the lint rules, or the printers (both loader modes);
// - every diagnostic formats to one line with a valid position;
// - the loader's two modes (syntax tree kept, or streamed, one in ten with the raw syntax pass in
//   a worker thread) agree on the result and errors;
// - a config that loads prints as Python that loads back to the same values.
//
// `runFuzz` is called by test/config/fuzz.test.ts (120 cases, in a child process
// with a timeout, so a hang fails the test) and by `npm run fuzz` (scripts/fuzz.mjs: longer,
// a fresh seed each run, the failing case kept on disk to reproduce it). FUZZ_SLOW=MS prints
// the text of every case slower than MS milliseconds to stderr.

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  ConfigLoader,
  formatDiagnostic,
  loadConfig,
  toPythonText,
  toTaggedJson,
  type Diagnostic,
  type LoadResult,
} from '../../src/config';
import { lintConfig } from '../../src/lint';

export interface FuzzFailure {
  seed: number;
  index: number;
  file: string;
  problem: string;
}

export interface FuzzReport {
  cases: number;
  loaded: number;
  failed: FuzzFailure[];
  /** Slowest case, to spot a super-linear path. */
  slowest: { ms: number; file: string };
}

/** A small, fast, seeded generator (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const ROOT = path.resolve(__dirname, '../..');

/** Python fragments that exercise the parser and the evaluator. */
const TOKENS = [
  'dict(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '(',
  ',',
  '=',
  ':',
  '.',
  '*',
  '**',
  '+',
  '-',
  '/',
  '//',
  '%',
  '\n',
  '    ',
  '\t',
  '\\\n',
  "'a'",
  '"b"',
  "f'{x}'",
  "r'\\d'",
  "b'x'",
  "'''t'''",
  '1',
  '2.5',
  '1e308',
  '0x1F',
  '10**9',
  '_base_',
  '_base_.model',
  '{{_base_.model}}',
  '{{ fileDirname }}',
  "'{{$HOME:/}}'",
  '_delete_=True',
  'type=',
  'lambda x: x',
  'if',
  'else',
  'for',
  'in',
  'not',
  'and',
  'or',
  'None',
  'True',
  'import os',
  'from math import pi',
  'assert ',
  'del ',
  'def f():',
  'x',
  'model',
  'range(10)',
  'len(',
  'zip(',
  '#',
  ';',
  '@',
  '~',
  '!',
  '`',
  '$',
  '?',
];

/** Characters Python treats specially in names and whitespace. */
const ODD_CHARS = [
  '\u200b',
  '\u200d',
  '\ufeff',
  '\u00a0',
  '\x0b',
  '\x0c',
  '\r',
  '\u2028',
  'ｄ',
  'ﬁ',
  '²',
  '·',
  'é',
  '😀',
  '\ud800',
  '\x00',
  '\x7f',
];

/** Expressions that would cost unbounded time or memory if nothing bounded them. */
const HOSTILE = [
  '[{} for _ in range(10**7)]',
  "'a' * 10**9",
  '[0] * 10**8',
  'list(range(10**9))',
  '[[1]*1000]*1000*1000',
  '2 ** 10**8',
  '{i: i for i in range(10**7)}',
  "'{:>999999999}'.format(1)",
  '[x for x in range(10**6) for y in range(10**6)]',
  '('.repeat(300) + '1' + ')'.repeat(300),
  '-'.repeat(5000) + '1',
  '['.repeat(150) + ']'.repeat(150),
  'x = []\nfor i in range(100000):\n    x = [x]\n',
  'dict(' + Array.from({ length: 3000 }, (_, i) => `k${i}=${i}`).join(', ') + ')',
];

/** `_base_` targets that must be refused quickly (by name or by file type), never read without end. */
const SPECIAL_BASES = [
  '/dev/zero',
  '/dev/stdin',
  '/dev/random',
  '/proc/self/mem',
  '../../../../etc/shadow',
  './',
  '',
  '.',
  'mmdet::x/y.py',
  'nonsense::/a.py',
  '/dev/null',
];

function corpus(): string[] {
  const roots = [path.join(ROOT, 'configs'), path.join(ROOT, 'test/fixtures/config-cases')];
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.py')) out.push(p);
    }
  };
  roots.filter((r) => fs.existsSync(r)).forEach(walk);
  return out.sort();
}

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** One mutation of `text`; several may be stacked. */
function mutate(text: string, r: () => number): string {
  const at = () => Math.floor(r() * (text.length + 1));
  switch (Math.floor(r() * 11)) {
    case 0: {
      const i = at();
      return text.slice(0, i) + pick(r, TOKENS) + text.slice(i);
    }
    case 1: {
      const i = at();
      const j = Math.min(text.length, i + Math.floor(r() * 40));
      return text.slice(0, i) + text.slice(j);
    }
    case 2: {
      const i = at();
      const j = Math.min(text.length, i + Math.floor(r() * 200));
      return text.slice(0, j) + text.slice(i, j) + text.slice(j);
    }
    case 3: {
      const lines = text.split('\n');
      const i = Math.floor(r() * lines.length);
      const j = Math.floor(r() * lines.length);
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return lines.join('\n');
    }
    case 4: {
      const i = at();
      return text.slice(0, i) + pick(r, ODD_CHARS) + text.slice(i);
    }
    case 5: {
      // Replace a value after `=` with a hostile expression.
      const m = [...text.matchAll(/=\s*/g)];
      if (!m.length) return text + `\nx = ${pick(r, HOSTILE)}\n`;
      const hit = pick(r, m);
      const start = hit.index! + hit[0].length;
      const end = text.indexOf('\n', start);
      return text.slice(0, start) + pick(r, HOSTILE) + (end < 0 ? '' : text.slice(end));
    }
    case 6:
      return `_base_ = '${pick(r, SPECIAL_BASES)}'\n` + text.replace(/^_base_\s*=.*$/m, '');
    case 7: {
      const i = at();
      const c = String.fromCharCode(Math.floor(r() * 256));
      return text.slice(0, i) + c + text.slice(i);
    }
    case 8: {
      // Truncate: half-written files are what the editor sees most.
      return text.slice(0, at());
    }
    case 9: {
      const i = at();
      const rep = pick(r, ['(', '[', '{', 'dict(a=']).repeat(1 + Math.floor(r() * 300));
      return text.slice(0, i) + rep + text.slice(i);
    }
    default: {
      const lines = text.split('\n');
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[Math.floor(r() * lines.length)]);
      return lines.join('\n');
    }
  }
}

/** Statements that are valid Python and plausible in a config, to append or insert. */
const STATEMENTS = [
  'x = [i * 2 for i in range(5)]',
  'y = dict(a=1, b=dict(c=[1, 2, (3, 4)]), _delete_=True)',
  'z = _base_.model',
  'w = {{_base_.model}}',
  "name = f'{1 + 1:>4}'",
  'lst = [*range(3), *[4, 5]]',
  'kw = dict(**dict(a=1), b=2)',
  "model = dict(type='Other')",
  'model = dict(_delete_=True)',
  "s = 'caf\u00e9 \\N{DEGREE SIGN}'",
  'n = 10 ** 20 + 0.5',
  't = (1,)',
  'e = {}',
  'nested = [[[[1]]]]',
  "path = '{{ fileDirname }}/x'",
  "env = '{{$YOLOLAB_FUZZ_UNSET:default}}'",
  'v = sum([1, 2]) / 3',
  'b = True and None or 0',
  'c = max(1, 2) if 1 else min(3, 4)',
  'k = dict(type=1)\nk.type = 2',
  'import math\nr = math.sqrt(2)',
  'ｄata_root = 1',
  '_base_.model.depth = 5',
  'del x',
];

/** A mutation that keeps the text valid Python most of the time, so the evaluator and merge get exercised. */
function mutateGently(text: string, r: () => number): string {
  const lines = text.split('\n');
  switch (Math.floor(r() * 5)) {
    case 0: {
      lines.splice(Math.floor(r() * (lines.length + 1)), 0, pick(r, STATEMENTS));
      return lines.join('\n');
    }
    case 1:
      return text.replace(/\b\d+(\.\d+)?\b/g, (m) =>
        r() < 0.2 ? pick(r, ['0', '-1', '1.0', '1e300', '10**30', '(1, 2)', 'None', "'7'"]) : m,
      );
    case 2:
      return text.replace(/'[^'\n]*'/g, (m) =>
        r() < 0.2 ? pick(r, ["''", "'{{_base_.model}}'", "'\\x00'", "'ｄ'", "'a' 'b'", "'\u200b'"]) : m,
      );
    case 3:
      return text.replace(/dict\(/g, (m) => (r() < 0.2 ? 'dict(_delete_=True, ' : m));
    default: {
      const i = Math.floor(r() * lines.length);
      lines.splice(i, 0, lines[i]);
      return lines.join('\n');
    }
  }
}

function checkDiagnostics(ds: Diagnostic[], what: string): string | undefined {
  for (const d of ds) {
    const line = formatDiagnostic(d);
    if (/[\n\r\u2028\u2029\x0b\x0c]/.test(line)) return `${what}: a diagnostic spans lines: ${JSON.stringify(line)}`;
    if (!(d.range.start.line >= 0 && d.range.start.col >= 0 && d.range.end.line >= d.range.start.line))
      return `${what}: bad range in ${line}`;
    if (!d.message) return `${what}: empty message (${d.code})`;
    if (/\n\s+at /.test(d.message)) return `${what}: a stack trace in ${line}`;
  }
  return undefined;
}

function summary(r: LoadResult): string {
  const errors = r.diagnostics
    .filter((d) => d.severity === 'error')
    .map((d) => `${d.code}:${d.range.start.line}:${d.range.start.col}:${d.message}`);
  return JSON.stringify({
    ok: r.ok,
    errors: [...new Set(errors)].sort(),
    config: r.ok ? toTaggedJson(r.config!) : undefined,
  });
}

/** Loads, lints and prints one file both ways; returns what went wrong, if anything. */
function check(file: string, dir: string, inWorker: boolean): { problem?: string; loaded: boolean } {
  const results: LoadResult[] = [];
  for (const keepSyntaxTree of [true, false]) {
    // A modest budget keeps the hostile cases quick; the budget itself is tested elsewhere. Some
    // streamed loads run MMEngine's raw syntax pass in a worker thread, as large configs do.
    const r = loadConfig(file, {
      loader: new ConfigLoader(),
      keepSyntaxTree,
      maxValueBytes: 32 * 1024 * 1024,
      env: { HOME: '/home/fuzz' },
      parallelSyntaxCheckBytes: inWorker ? 0 : Infinity,
    });
    const lint = lintConfig(r);
    const problem = checkDiagnostics([...r.diagnostics, ...lint], keepSyntaxTree ? 'kept' : 'streamed');
    if (problem) return { problem, loaded: r.ok };
    results.push(r);
  }
  const [kept, streamed] = results.map(summary);
  if (kept !== streamed)
    return {
      problem: `the loader's two modes disagree:\n  kept:     ${kept.slice(0, 400)}\n  streamed: ${streamed.slice(0, 400)}`,
      loaded: results[0].ok,
    };
  const r = results[1];
  if (!r.ok) return { loaded: false };
  // What print-config writes must load back to the same values.
  const printed = path.join(dir, `printed_${path.basename(file)}`);
  fs.writeFileSync(printed, toPythonText(r.config!).text);
  const back = loadConfig(printed, { loader: new ConfigLoader(), keepSyntaxTree: false });
  fs.rmSync(printed);
  if (!back.ok)
    return {
      problem: `print-config output does not load: ${back.diagnostics.map((d) => formatDiagnostic(d)).join(' | ')}`,
      loaded: true,
    };
  // Objects that are not data (a builtin function, a class) print as None, by design.
  const asData = (json: string) =>
    json.replace(/\{"__pyobj__": \{"type": "(?:[^"\\]|\\.)*", "repr": "(?:[^"\\]|\\.)*"\}\}/g, 'null');
  if (toTaggedJson(back.config!) !== asData(toTaggedJson(r.config!)))
    return { problem: 'print-config output loads to different values', loaded: true };
  return { loaded: true };
}

/** Runs `cases` mutated configs from `seed`. Failing inputs are copied to `keepDir` when given. */
export function runFuzz(seed: number, cases: number, keepDir?: string): FuzzReport {
  const r = rng(seed);
  const files = corpus();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-fuzz-'));
  const report: FuzzReport = { cases: 0, loaded: 0, failed: [], slowest: { ms: 0, file: '' } };
  try {
    for (let i = 0; i < cases; i++) {
      const src = pick(r, files);
      // The case lives where its original lives (relative to ROOT), with the tree its `_base_`
      // chain needs: configs/ for the repository's configs, the case folder for a golden case.
      const rel = path.relative(ROOT, src);
      const caseRoot = path.join(work, `case${i}`);
      const tree = rel.startsWith('configs') ? 'configs' : rel.split(path.sep).slice(0, 4).join(path.sep);
      fs.cpSync(path.join(ROOT, tree), path.join(caseRoot, tree), { recursive: true });
      const file = path.join(caseRoot, rel);
      let text = fs.readFileSync(src, 'utf8');
      const rounds = 1 + Math.floor(r() * 4);
      const gentle = r() < 0.5;
      for (let k = 0; k < rounds; k++) text = gentle ? mutateGently(text, r) : mutate(text, r);
      fs.writeFileSync(file, text);
      const t0 = performance.now();
      let outcome: { problem?: string; loaded: boolean };
      try {
        outcome = check(file, caseRoot, r() < 0.1);
      } catch (e) {
        outcome = { problem: `threw: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`, loaded: false };
      }
      const ms = performance.now() - t0;
      if (ms > report.slowest.ms) report.slowest = { ms, file: rel };
      if (process.env.FUZZ_SLOW && ms > Number(process.env.FUZZ_SLOW))
        process.stderr.write(`slow case ${i} (${ms.toFixed(0)} ms): ${JSON.stringify(text)}\n`);
      report.cases++;
      if (outcome.loaded) report.loaded++;
      if (outcome.problem) {
        let kept = file;
        if (keepDir) {
          kept = path.join(keepDir, `seed${seed}-case${i}`);
          fs.cpSync(caseRoot, kept, { recursive: true });
          kept = path.join(kept, rel);
        }
        report.failed.push({ seed, index: i, file: kept, problem: outcome.problem });
      }
      fs.rmSync(caseRoot, { recursive: true, force: true });
    }
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return report;
}

// `node --import tsx test/fuzz/config-fuzz.ts SEED CASES [KEEP_DIR]`: prints the report as JSON.
if (require.main === module) {
  const [seed, cases, keep] = process.argv.slice(2);
  const report = runFuzz(Number(seed ?? 1), Number(cases ?? 100), keep);
  process.stdout.write(JSON.stringify(report) + '\n');
  process.exitCode = report.failed.length ? 1 : 0;
}
