// The `_base_` references of a file, read with the engine's parser and scope
// resolver but without evaluating anything: enough for the workspace index and
// for rename edits, for thousands of files. A big file is not parsed whole on
// every keystroke: only its `_base_ = ...` statement is.

import type { Expr } from '../config/ast';
import { parse } from '../config/parser';
import { resolveBase } from '../config/scope';
import { LineIndex, type Range } from '../config/source';

export interface BaseSpec {
  spec: string;
  /** The string literal, quotes included. */
  range: Range;
  /** Absolute path it resolves to; undefined when it cannot resolve (unknown scope). */
  resolved?: string;
  scope?: string;
}

/** Above this, only the `_base_` statement is parsed (real configs are far smaller). */
const WHOLE_PARSE_CHARS = 256 * 1024;
/** A `_base_` statement longer than this is not read as one (a list of a few paths is under 1 KB). */
const MAX_STATEMENT_CHARS = 64 * 1024;

export function readBaseSpecs(file: string, text: string, scopes: Record<string, string>): BaseSpec[] {
  // Most Python files have no `_base_`: skip parsing them.
  if (!text.includes('_base_')) return [];
  const { source, line } = text.length > WHOLE_PARSE_CHARS ? baseStatement(text) : { source: text, line: 0 };
  if (!source) return [];
  const { module } = parse(source);
  const lines = new LineIndex(source);
  const stmt = module.body.find(
    (s) => s.kind === 'Assign' && s.targets[0].kind === 'Name' && s.targets[0].id === '_base_',
  );
  if (!stmt || stmt.kind !== 'Assign') return [];
  const strings: Expr[] = stmt.value.kind === 'List' ? stmt.value.elts : [stmt.value];
  const out: BaseSpec[] = [];
  for (const e of strings) {
    if (e.kind !== 'Str' || e.bytes) continue;
    const r = lines.range(e.span);
    const ref: BaseSpec = {
      spec: e.value,
      range: {
        start: { line: r.start.line + line, col: r.start.col },
        end: { line: r.end.line + line, col: r.end.col },
      },
    };
    try {
      const resolved = resolveBase(e.value, file, scopes);
      ref.resolved = resolved.path;
      ref.scope = resolved.scope;
    } catch {
      // Unknown scope: the loader reports it; the index just has no edge.
    }
    out.push(ref);
  }
  return out;
}

/**
 * The first `_base_ = ...` written at the start of a line, up to the end of
 * its brackets, and the line it starts on. Strings are skipped when counting
 * brackets; a statement that does not end within MAX_STATEMENT_CHARS is not one.
 */
function baseStatement(text: string): { source: string; line: number } {
  const m = /^_base_[ \t]*=/m.exec(text);
  if (!m) return { source: '', line: 0 };
  let depth = 0;
  let i = m.index;
  const limit = Math.min(text.length, m.index + MAX_STATEMENT_CHARS);
  for (; i < limit; i++) {
    const c = text[i];
    if (c === '"' || c === "'") {
      const close = text.indexOf(c, i + 1);
      if (close < 0 || close >= limit) return { source: '', line: 0 };
      i = close;
    } else if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? limit : nl) - 1; // the newline itself is looked at next
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '\n' && depth <= 0 && text[i - 1] !== '\\') break;
  }
  if (i >= limit && limit < text.length) return { source: '', line: 0 };
  let line = 0;
  for (let j = text.indexOf('\n'); j >= 0 && j < m.index; j = text.indexOf('\n', j + 1)) line++;
  return { source: text.slice(m.index, i), line };
}
