// In-process feature tests in the style of rust-analyzer's `check(fixture, expect)`:
// a fixture is config text with `#- path` headers between files and a `$0`
// cursor marker; the expected answer sits beside it in the test as
// expect`...`. Run with UPDATE_EXPECT=1 to rewrite every expect`...` that
// does not match with what the code answers now (then read the diff).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Position } from '../../src/config/source';
import { ConfigWorkspace } from '../../src/workspace/config-workspace';

const UPDATE = !!process.env.UPDATE_EXPECT;
const REPO = path.resolve(__dirname, '../..');

export interface FixtureOptions {
  settings?: { scopes?: Record<string, string>; configGlobs?: string[] };
  /** False: an untrusted workspace (Restricted Mode). */
  trusted?: boolean;
  /** Folders of this repository copied into the workspace first (the fixture's files then add to them or replace them). */
  copy?: string[];
  /** The analysis budget (see src/workspace/analysis-budget.ts), small to test what happens over it. */
  maxChainBytes?: number;
  /** The time limit of one load (WorkspaceOptions.maxLoadMs). */
  maxLoadMs?: number;
  /** What one load may build (WorkspaceOptions.maxValueBytes). */
  maxValueBytes?: number;
}

export interface FixtureWorkspace {
  root: string;
  ws: ConfigWorkspace;
  /** The file with the `$0` marker (absolute), and where the marker was. */
  file: string;
  pos: Position;
  abs(rel: string): string;
  rel(abs: string): string;
  text(rel: string): string;
  /** `configs/a.py:3:5: lr=0.01, ...` — a place, with the source line from there. */
  where(loc: { file: string; range: { start: Position } }): string;
  /** Paths and links under the temp folder, written relative to it. */
  relative(s: string): string;
}

/**
 * Writes the fixture's files into a fresh temp folder (the marker removed),
 * indexes it and opens the marked file as an editor buffer (`#- path$0` marks
 * a whole file). Without `#-` headers the whole text is `configs/main.py`.
 */
export async function workspaceFrom(fixture: string, opts: FixtureOptions = {}): Promise<FixtureWorkspace> {
  const root = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-check-')));
  for (const dir of opts.copy ?? []) fs.cpSync(path.join(REPO, dir), path.join(root, dir), { recursive: true });
  const files = parseFixture(fixture);
  let file: string | undefined;
  let pos: Position | undefined;
  for (const [rel, raw] of files) {
    const at = raw.indexOf('$0');
    const text = at >= 0 ? raw.slice(0, at) + raw.slice(at + 2) : raw;
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, text);
    if (at >= 0) {
      const before = raw.slice(0, at).split('\n');
      file = abs;
      pos = { line: before.length - 1, col: before[before.length - 1].length };
    }
  }
  const ws = new ConfigWorkspace([root], {
    trusted: opts.trusted,
    maxChainBytes: opts.maxChainBytes,
    maxLoadMs: opts.maxLoadMs,
    maxValueBytes: opts.maxValueBytes,
  });
  ws.configure(opts.settings ?? {});
  await ws.scan();
  const main = file ?? path.join(root, files.keys().next().value ?? 'configs/main.py');
  ws.setBuffer(main, fs.readFileSync(main, 'utf8'));
  cleanup.push(root);
  return {
    root,
    ws,
    file: main,
    pos: pos ?? { line: 0, col: 0 },
    abs: (rel) => path.join(root, rel),
    rel: (abs) => path.relative(root, abs).split(path.sep).join('/'),
    text: (rel) => fs.readFileSync(path.join(root, rel), 'utf8'),
    where: (loc) => {
      const line = (ws.textOf(loc.file) ?? readOr(loc.file)).split('\n')[loc.range.start.line] ?? '';
      return `${path.relative(root, loc.file).split(path.sep).join('/')}:${loc.range.start.line + 1}:${loc.range.start.col + 1}: ${line.slice(loc.range.start.col).trim()}`;
    },
    relative: (s) => s.split(`file://${root}/`).join('').split(`${root}/`).join(''),
  };
}

function readOr(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function parseFixture(fixture: string): Map<string, string> {
  const text = dedent(fixture);
  const files = new Map<string, string>();
  if (!text.startsWith('#- ')) return files.set('configs/main.py', text.endsWith('\n') ? text : text + '\n');
  for (const chunk of text.split(/^#- /m).slice(1)) {
    const nl = chunk.indexOf('\n');
    let rel = (nl < 0 ? chunk : chunk.slice(0, nl)).trim();
    let body = nl < 0 ? '' : chunk.slice(nl + 1);
    // `#- path$0`: the file to open, with no particular cursor position.
    if (rel.endsWith('$0')) {
      rel = rel.slice(0, -2).trim();
      body = '$0' + body;
    }
    files.set(rel, body && !body.endsWith('\n') ? body + '\n' : body);
  }
  return files;
}

const cleanup: string[] = [];
process.on('exit', () => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

// ---- expect`...` ----

export interface Expect {
  text: string;
  site: { file: string; line: number; col: number };
}

/** The expected answer, as a tagged template (backslashes kept as written, so Markdown escapes read as they are). */
export function expect(strings: TemplateStringsArray): Expect {
  const frame = new Error().stack!.split('\n')[2] ?? '';
  const m = /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(frame.trim());
  const site = m
    ? { file: m[1].replace(/^file:\/\//, ''), line: Number(m[2]), col: Number(m[3]) }
    : { file: '', line: 0, col: 0 };
  return { text: dedent(unescapeRaw(strings.raw[0])), site };
}

/** Compares `actual` with the expectation; in update mode, records the new text instead of failing. */
export function check(actual: string, exp: Expect): void {
  const want = exp.text;
  const got = dedent(actual);
  if (got === want) return;
  if (UPDATE && exp.site.file) {
    (patches.get(exp.site.file) ?? patches.set(exp.site.file, []).get(exp.site.file)!).push({
      line: exp.site.line,
      col: exp.site.col,
      text: got,
    });
    return;
  }
  assert.equal(
    got,
    want,
    `answer differs from the expectation at ${exp.site.file}:${exp.site.line} (UPDATE_EXPECT=1 rewrites it)`,
  );
}

/** Strips a leading newline, the trailing blank line and the common indentation. */
export function dedent(s: string): string {
  const lines = s
    .replace(/^[ \t]*\n/, '')
    .replace(/\n[ \t]*$/, '')
    .split('\n');
  const indents = lines.filter((l) => l.trim()).map((l) => /^[ \t]*/.exec(l)![0].length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return lines.map((l) => l.slice(cut).trimEnd()).join('\n');
}

function unescapeRaw(raw: string): string {
  return raw.replace(/\\([\\`$])/g, '$1');
}

/** The inverse of unescapeRaw: only what would end the template or read as an escape is escaped. */
function escapeRaw(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const next = text[i + 1];
    if (c === '\\' && (next === undefined || next === '\\' || next === '`' || next === '$')) out += '\\\\';
    else if (c === '`') out += '\\`';
    else if (c === '$' && next === '{') out += '\\$';
    else out += c;
  }
  return out;
}

const patches = new Map<string, { line: number; col: number; text: string }[]>();
process.on('exit', () => {
  for (const [file, ps] of patches) {
    let src = fs.readFileSync(file, 'utf8');
    const lineStarts = [0];
    for (let i = 0; i < src.length; i++) if (src[i] === '\n') lineStarts.push(i + 1);
    // From the last to the first, so earlier offsets stay valid.
    for (const p of [...ps].sort((a, b) => b.line - a.line || b.col - a.col)) {
      const at = lineStarts[p.line - 1] + p.col - 1;
      const open = src.indexOf('`', at);
      let close = open + 1;
      while (close < src.length && src[close] !== '`') close += src[close] === '\\' ? 2 : 1;
      const indent = /^[ \t]*/.exec(src.slice(lineStarts[p.line - 1]))![0];
      const body = p.text
        ? '\n' +
          escapeRaw(p.text)
            .split('\n')
            .map((l) => (l ? indent + '  ' + l : l))
            .join('\n') +
          '\n' +
          indent
        : '';
      src = src.slice(0, open + 1) + body + src.slice(close);
    }
    fs.writeFileSync(file, src);
    process.stderr.write(`updated ${ps.length} expectation(s) in ${file}\n`);
  }
});
