// Inlay hints: the value a name or `_base_.x` stands for, shown where it is
// used (`deepen_factor=deepen_factor` shows 0.67). Only short values (scalars,
// small tuples and lists); never on assignment targets. A name assigned more
// than once in the file, or a `_base_` path the file assigns into, gets no hint:
// its value depends on where it is read, and a hint must not guess.

import type { Expr, Stmt } from '../config/ast';
import { makeBuiltins } from '../config/builtins';
import { entryAt, type LoadResult, type PyValue } from '../config/index';
import type { ConfigWorkspace } from './config-workspace';
import type { Position, Range, Span } from '../config/source';
import { PyBytes, PyList, PyTuple, repr } from '../config/values';
import { subExpressions } from '../config/sub-expressions';

export interface ValueHint {
  /** Just after the name or `_base_.x` (0-based). */
  position: Position;
  label: string;
  /** What the hint stands for, with where the value was set. */
  tooltip: string;
}

const MAX_LABEL = 40;
const BUILTIN_NAMES = new Set(makeBuiltins(() => null).keys());

/** A short Python rendering, or undefined when the value is too big to be a hint. */
export function hintLabel(v: PyValue): string | undefined {
  if (typeof v === 'string') return repr(v.length > MAX_LABEL ? v.slice(0, MAX_LABEL - 1) + '…' : v);
  if (v === null || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof PyBytes)
    return repr(v);
  if (v instanceof PyList || v instanceof PyTuple) {
    const s = repr(v);
    return s.length <= MAX_LABEL ? s : undefined;
  }
  return undefined;
}

function basePath(e: Expr): string[] | undefined {
  if (e.kind === 'Name') return e.id === '_base_' ? [] : undefined;
  if (e.kind === 'Attribute') {
    const p = basePath(e.value);
    return p && [...p, e.attr];
  }
  return undefined;
}

function targetNames(t: Expr, into: Set<string>): void {
  if (t.kind === 'Name') into.add(t.id);
  else if (t.kind === 'Tuple' || t.kind === 'List') t.elts.forEach((x) => targetNames(x, into));
  else if (t.kind === 'Starred') targetNames(t.value, into);
}

export function valueHints(result: LoadResult, range?: Range): ValueHint[] {
  const unit = result.unit;
  if (!unit.own || !unit.mergedBase) return [];
  const at = (offset: number) => unit.lines.position(unit.textMap.toOriginal(offset));
  const endOf = (s: Span) => at(s.end);
  const inRange = (p: Position) =>
    !range ||
    ((p.line > range.start.line || (p.line === range.start.line && p.col >= range.start.col)) &&
      (p.line < range.end.line || (p.line === range.end.line && p.col <= range.end.col)));

  // Names bound more than once, and `_base_` paths the file writes into: no hint for those.
  const counts = new Map<string, number>();
  const written: string[][] = [];
  const countTargets = (body: Stmt[]) => {
    for (const s of body) {
      const targets =
        s.kind === 'Assign' ? s.targets : s.kind === 'AugAssign' || s.kind === 'AnnAssign' ? [s.target] : [];
      for (const t of targets) {
        const names = new Set<string>();
        targetNames(t, names);
        names.forEach((n) => counts.set(n, (counts.get(n) ?? 0) + (s.kind === 'Assign' ? 1 : 2)));
        let root: Expr = t;
        while (root.kind === 'Attribute' || root.kind === 'Subscript') root = root.value;
        // `_base_ = [...]` names the bases; only assignments into `_base_` change what it holds.
        if (root.kind === 'Name' && root.id === '_base_' && root !== t) {
          let p: Expr = t;
          while (p.kind === 'Subscript') p = p.value;
          written.push(basePath(p) ?? []);
        }
      }
      if (s.kind === 'If' || s.kind === 'For') {
        countTargets(s.body);
        countTargets(s.orelse);
      }
    }
  };
  countTargets(unit.module.body);
  const overlapsWritten = (p: string[]) => written.some((w) => w.every((k, i) => i >= p.length || p[i] === k));

  const hints: ValueHint[] = [];
  const add = (span: Span, value: PyValue | undefined, what: string, where?: { file: string; range: Range }) => {
    if (value === undefined) return;
    const label = hintLabel(value);
    const position = endOf(span);
    if (label === undefined || !inRange(position)) return;
    const from =
      where && !where.file.startsWith('<')
        ? ` (set in ${where.file.split(/[\\/]/).pop()}:${where.range.start.line + 1})`
        : '';
    hints.push({ position, label, tooltip: `${what} = ${repr(value)}${from}` });
  };

  const visit = (e: Expr | undefined, local: Set<string>): void => {
    if (!e) return;
    const bp = basePath(e);
    if (bp) {
      if (bp.length && !overlapsWritten(bp)) {
        const entry = entryAt(unit.mergedBase!, bp);
        add(e.span, entry?.value, `_base_.${bp.join('.')}`, entry?.prov);
      }
      return;
    }
    if (e.kind === 'Name') {
      if (local.has(e.id) || BUILTIN_NAMES.has(e.id) || (counts.get(e.id) ?? 0) !== 1) return;
      const entry = unit.own!.entry(e.id);
      add(e.span, entry?.value, e.id, entry?.prov);
      return;
    }
    if (e.kind === 'Str') {
      // A `{{_base_.x}}` template (the engine replaced it with a placeholder string).
      const p = unit.baseVars.get(e.value);
      if (p && !overlapsWritten(p.split('.'))) {
        const entry = entryAt(unit.mergedBase!, p.split('.'));
        add(e.span, entry?.value, `_base_.${p}`, entry?.prov);
      }
      return;
    }
    if (e.kind === 'Lambda') return visit(e.body, new Set([...local, ...e.params.map((p) => p.name)]));
    // Comprehension variables change per item: only the first iterable (read once, outside) gets hints.
    if (e.kind === 'Comp') return visit(e.generators[0]?.iter, local);
    // The function itself (`dict`, `len`) is not a value worth a hint.
    for (const x of e.kind === 'Call' ? e.args.map((a) => a.value) : subExpressions(e)) visit(x, local);
  };

  const walk = (body: Stmt[]) => {
    for (const s of body) {
      switch (s.kind) {
        case 'Assign':
          s.targets.forEach((t) => {
            // Only the parts of a target that are read (`a[i] = ...` reads i).
            if (t.kind === 'Subscript') visit(t.index, new Set());
          });
          visit(s.value, new Set());
          break;
        case 'AugAssign':
        case 'AnnAssign':
          visit(s.value, new Set());
          break;
        case 'Expr':
          visit(s.value, new Set());
          break;
        case 'If':
          visit(s.test, new Set());
          walk(s.body);
          walk(s.orelse);
          break;
        default:
          break;
      }
    }
  };
  walk(unit.module.body);
  return hints;
}

/** The hints of a config in a range; while the text has errors, none (values would be stale). */
export function inlayHints(ws: ConfigWorkspace, file: string, range?: Range): ValueHint[] {
  if (!ws.isConfig(file)) return [];
  const a = ws.analyze(file);
  return a.result.unit.own ? valueHints(a.result, range) : [];
}
