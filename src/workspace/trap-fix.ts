// The propagation trap's quick fix: every value a base computed from a name the
// child re-binds is written again in the child, as the base's own expression
// evaluated here. Names the child binds are used as they are, names only the
// bases have become `_base_.name`, and `_base_.x` of a deeper base is kept when
// it still means the same value (else its value is written). Where the child
// already has the dict, the key goes inside it; keys inside lists, and dicts
// written before the names they need, are set on `_base_` instead (MMYOLO's own
// idiom: `_base_.custom_hooks[1].switch_epoch = ...`). The edit is checked by
// loading the edited text before it is offered.

import type { Expr, Stmt } from '../config/ast';
import { makeBuiltins } from '../config/builtins';
import { entryAt, unitsOf, type FileUnit, type LoadResult } from '../config/index';
import { parse } from '../config/parser';
import type { Provenance } from '../config/provenance';
import { PyDict, PyList, PyTuple, pyEquals, repr, type PyValue } from '../config/values';
import { staleKeysOf } from '../lint/inheritance';
import type { FixEdit } from './quick-fixes';
import { subExpressions } from '../config/sub-expressions';

type KeyPath = (string | number)[];
type DictExpr = Extract<Expr, { kind: 'Call' } | { kind: 'Dict' }>;

export interface TrapFix {
  title: string;
  /** The key paths written, dotted. */
  keys: string[];
  edits: FixEdit[];
}

export type TrapFixResult = { fix: TrapFix } | { error: string };

const BUILTIN_NAMES = new Set(makeBuiltins(() => null).keys());
const BASE_TEMPLATE = /\{\{\s*_base_\.([\w.]+)\s*\}\}/g;
/** Keys that `_base_.key` would read as a ConfigDict method rather than the item. */
const DICT_ATTRS = new Set([
  'keys',
  'values',
  'items',
  'get',
  'pop',
  'popitem',
  'update',
  'copy',
  'setdefault',
  'clear',
  'fromkeys',
  'to_dict',
  'merge',
]);

export function showKeyPath(p: KeyPath): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
}

/**
 * The fix for the trap of `name` in `unit` (a loaded child). `reload` loads the
 * child from edited text (the bases as they are), to check the fix before it is
 * offered: it must load, leave no stale key of `name`, and change nothing else.
 */
export function propagationFix(unit: FileUnit, name: string, reload?: (text: string) => LoadResult): TrapFixResult {
  if (!unit.result || !unit.own || !unit.mergedBase) return { error: 'the config does not load' };
  const stale = staleKeysOf(unit, name);
  if (!stale.length) return { error: `nothing the bases computed from ${name} is stale` };
  const points = writePoints(stale);
  const units = new Map(unitsOf(unit).map((u) => [u.path, u]));
  const added = new Set(points.filter((p) => p.path.length === 1).map((p) => p.path[0] as string));
  const bound = new Set([...unit.own.keys().map(String), ...added]);
  const rewritten: { point: WritePoint; text: string; needs: Set<string>; indent: number }[] = [];
  const imports = new Set<string>();
  for (const point of points) {
    const from = units.get(point.prov.file);
    if (!from || !point.prov.valueRange)
      return { error: `${showKeyPath(point.path)}: its expression in ${point.prov.file} cannot be read` };
    const r = rewriteExpression(from, point.prov, unit, bound);
    if ('error' in r) return { error: `${showKeyPath(point.path)}: ${r.error}` };
    const start = from.lines.offset(point.prov.valueRange.start);
    rewritten.push({ point, text: r.text, needs: r.needs, indent: indentAt(from.text, start) });
    r.imports.forEach((stmt) => imports.add(stmt));
  }
  const placed = placeEdits(unit, rewritten, added);
  if (!('error' in placed) && imports.size) placed.edits.unshift(importEdit(unit, [...imports]));
  if ('error' in placed) return placed;
  const keys = points.map((p) => showKeyPath(p.path));
  const fix: TrapFix = { title: titleFor(keys), keys, edits: placed.edits };
  if (reload) {
    const problem = checkFix(
      unit,
      name,
      fix.edits,
      stale.map((s) => s.path),
      reload,
    );
    if (problem) return { error: problem };
  }
  return { fix };
}

function titleFor(keys: string[]): string {
  const shown = keys.length <= 3 ? keys.join(', ') : `${keys.slice(0, 3).join(', ')} and ${keys.length - 3} more`;
  return `Recompute ${shown} here, as the base does`;
}

interface WritePoint {
  path: KeyPath;
  prov: Provenance;
}

/** One point per stale key, leaving out keys whose parent is itself rewritten whole. */
function writePoints(stale: { path: KeyPath; prov: Provenance }[]): WritePoint[] {
  const key = (p: KeyPath) => JSON.stringify(p);
  const all = new Map(stale.map((s) => [key(s.path), s]));
  return [...all.values()]
    .filter((s) => !s.path.some((_, i) => i > 0 && all.has(key(s.path.slice(0, i)))))
    .map((s) => ({ path: s.path, prov: s.prov }));
}

// ---- the base's expression, as text that means the same in the child ----

interface Rewritten {
  text: string;
  /** Names of the child (or added by this fix) that the text reads. */
  needs: Set<string>;
  /** Import statements of the base the child lacks, by the name they bind. */
  imports: Map<string, string>;
}

/** `_base_.a.b` as ['a', 'b']. */
function basePath(e: Expr): string[] | undefined {
  if (e.kind === 'Name') return e.id === '_base_' ? [] : undefined;
  if (e.kind === 'Attribute') {
    const p = basePath(e.value);
    return p && [...p, e.attr];
  }
  return undefined;
}

function rewriteExpression(
  from: FileUnit,
  prov: Provenance,
  child: FileUnit,
  bound: Set<string>,
): Rewritten | { error: string } {
  const raw = from.text.slice(from.lines.offset(prov.valueRange!.start), from.lines.offset(prov.valueRange!.end));
  const text = raw.replace(BASE_TEMPLATE, '_base_.$1');
  if (text.includes('{{')) return { error: 'its expression uses a {{ }} template that would mean something else here' };
  // Wrapped in parentheses so a multi-line expression parses as one.
  const src = `(${text}\n)`;
  const { module, issues } = parse(src);
  const stmt = module.body[0];
  if (issues.length || module.body.length !== 1 || stmt.kind !== 'Expr')
    return { error: 'its expression cannot be parsed on its own' };
  const imports = moduleNames(from);
  const childImports = moduleNames(child);
  const importsNeeded = new Map<string, string>();
  const replace: { start: number; end: number; text: string }[] = [];
  const needs = new Set<string>();
  let error: string | undefined;

  const visit = (e: Expr | undefined, local: Set<string>): void => {
    if (!e || error) return;
    const bp = basePath(e);
    if (bp) {
      if (!bp.length) {
        error = 'its expression uses _base_ as a whole';
        return;
      }
      // What the base read there, and whether `_base_.x` still reads the same from the child.
      const was = from.mergedBase && entryAt(from.mergedBase, bp);
      if (!was) {
        error = `_base_.${bp.join('.')} is not defined for ${from.path}`;
        return;
      }
      const now = child.mergedBase && entryAt(child.mergedBase, bp);
      if (!now || !pyEquals(now.value, was.value))
        replace.push({ start: e.span.start, end: e.span.end, text: repr(was.value) });
      return;
    }
    switch (e.kind) {
      case 'Name': {
        const n = e.id;
        if (local.has(n)) return;
        if (bound.has(n)) needs.add(n);
        else if (imports.has(n)) {
          if (!childImports.has(n)) importsNeeded.set(n, imports.get(n)!);
        } else if (BUILTIN_NAMES.has(n)) return;
        else if (child.mergedBase?.has(n)) replace.push({ start: e.span.start, end: e.span.end, text: `_base_.${n}` });
        else error = `it uses ${n}, which neither this config nor its bases define`;
        return;
      }
      case 'Attribute':
        return visit(e.value, local);
      case 'Lambda': {
        const inner = new Set([...local, ...e.params.map((p) => p.name)]);
        e.params.forEach((p) => visit(p.default, local));
        return visit(e.body, inner);
      }
      case 'Comp': {
        const inner = new Set(local);
        e.generators.forEach((g, i) => {
          // The first iterable is evaluated outside the comprehension.
          visit(g.iter, i === 0 ? local : inner);
          targetNames(g.target).forEach((n) => inner.add(n));
          g.ifs.forEach((x) => visit(x, inner));
        });
        visit(e.elt, inner);
        return visit(e.value, inner);
      }
      default:
        subExpressions(e).forEach((x) => visit(x, local));
    }
  };
  visit(stmt.value, new Set());
  if (error) return { error };
  let out = src;
  for (const r of replace.sort((a, b) => b.start - a.start)) out = out.slice(0, r.start) + r.text + out.slice(r.end);
  return { text: out.slice(1, -2), needs, imports: importsNeeded };
}

function targetNames(t: Expr): string[] {
  if (t.kind === 'Name') return [t.id];
  if (t.kind === 'Tuple' || t.kind === 'List') return t.elts.flatMap(targetNames);
  if (t.kind === 'Starred') return targetNames(t.value);
  return [];
}

/** Names a file binds by import (`import math`, `from os.path import join`), with the statement's text. */
function moduleNames(unit: FileUnit): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of unit.module.body) {
    if (s.kind !== 'Import' && s.kind !== 'ImportFrom') continue;
    const text = unit.text.slice(unit.textMap.toOriginal(s.span.start), unit.textMap.toOriginal(s.span.end));
    for (const n of s.names) out.set(n.asname ?? (s.kind === 'Import' ? n.name.split('.')[0] : n.name), text);
  }
  return out;
}

// ---- where the keys go in the child ----

interface Anchor {
  node: DictExpr;
  /** The top-level statement holding it. */
  stmt: Stmt;
  /** How many keys of the path it covers. */
  depth: number;
}

function isDictExpr(e: Expr): e is DictExpr {
  return (e.kind === 'Call' && e.func.kind === 'Name' && e.func.id === 'dict') || e.kind === 'Dict';
}

/** The child's last top-level `name = ...` before `before` (all of them when undefined). */
function lastAssign(unit: FileUnit, name: string, before = Infinity): Extract<Stmt, { kind: 'Assign' }> | undefined {
  let found: Extract<Stmt, { kind: 'Assign' }> | undefined;
  for (const s of unit.module.body) {
    if (s.span.start >= before) break;
    if (s.kind === 'Assign' && s.targets.some((t) => t.kind === 'Name' && t.id === name)) found = s;
  }
  return found;
}

/** The value the child writes for `key` in a dict expression, following `key=some_name` to that name's dict. */
function childValue(unit: FileUnit, e: DictExpr, key: string, at: number): Expr | undefined {
  let v: Expr | undefined;
  if (e.kind === 'Call') v = e.args.find((a) => a.name === key)?.value;
  else for (const it of e.items) if ('key' in it && it.key.kind === 'Str' && it.key.value === key) v = it.value;
  return v?.kind === 'Name' ? (lastAssign(unit, v.id, at)?.value ?? v) : v;
}

/**
 * The deepest dict the child writes along `path` (not the last key), or
 * `blocked` when the child writes something other than a dict literal there.
 */
function anchorFor(unit: FileUnit, path: string[]): Anchor | 'blocked' | undefined {
  const stmt = lastAssign(unit, path[0]);
  if (!stmt) return undefined;
  let cur: Expr | undefined = stmt.value;
  if (cur.kind === 'Name') cur = lastAssign(unit, cur.id, stmt.span.start)?.value;
  if (!cur || !isDictExpr(cur)) return 'blocked';
  let depth = 1;
  for (; depth < path.length - 1; depth++) {
    const next = childValue(unit, cur, path[depth], stmt.span.start);
    if (!next) break;
    if (!isDictExpr(next)) return 'blocked';
    cur = next;
  }
  return { node: cur, stmt, depth };
}

function isIdentifier(k: string): boolean {
  return /^[A-Za-z_]\w*$/.test(k);
}

/** `_base_.a.b[1]['x-y']` for a key path. */
function baseTarget(path: KeyPath): string {
  return (
    '_base_' +
    path
      .map((k) => (typeof k === 'number' ? `[${k}]` : isIdentifier(k) && !DICT_ATTRS.has(k) ? `.${k}` : `[${repr(k)}]`))
      .join('')
  );
}

/**
 * An expression taken from another file: on one line when it fits (only its
 * layout changes), else with its continuation lines re-indented.
 */
function reindent(text: string, by: number): string {
  if (!text.includes('\n') || /'''|"""/.test(text)) return text;
  if (!text.includes('#')) {
    const flat = text
      .replace(/([[({])\s*\n\s*/g, '$1')
      .replace(/\s*\n\s*([\])}])/g, '$1')
      .replace(/\s*\n\s*/g, ' ');
    if (flat.length <= 79) return flat;
  }
  if (!by) return text;
  return text
    .split('\n')
    .map((l, i) => {
      if (!i || !l.trim()) return l;
      const lead = l.length - l.trimStart().length;
      return ' '.repeat(Math.max(0, lead + by)) + l.trimStart();
    })
    .join('\n');
}

function indentAt(text: string, offset: number): number {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0].length;
}

interface Leaf {
  expr: string;
  /** Indentation of the line the expression started on, in its own file. */
  indent: number;
}

type Tree = Map<string, Tree | Leaf>;

function renderTree(tree: Tree, literal: boolean, indent: number): string {
  return [...tree].map(([k, v]) => (literal ? `${repr(k)}: ` : `${k}=`) + renderValue(v, indent)).join(', ');
}

function renderValue(v: Tree | Leaf, indent: number): string {
  return v instanceof Map ? `dict(${renderTree(v, false, indent)})` : reindent(v.expr, indent - v.indent);
}

function placeEdits(
  unit: FileUnit,
  items: { point: WritePoint; text: string; needs: Set<string>; indent: number }[],
  added: Set<string>,
): { edits: FixEdit[] } | { error: string } {
  const orig = (o: number) => unit.textMap.toOriginal(o);
  const text = unit.text;
  // New statements go after the child's last assignment of any name they read,
  // at the end of that line so a trailing comment stays with its statement.
  const needed = new Set(items.flatMap((i) => [...i.needs]).filter((n) => !added.has(n)));
  let after = -1;
  for (const s of unit.module.body) {
    const assigns =
      s.kind === 'Assign'
        ? s.targets.flatMap(targetNames)
        : s.kind === 'AugAssign' || s.kind === 'AnnAssign'
          ? targetNames(s.target)
          : [];
    if (assigns.some((n) => needed.has(n))) after = Math.max(after, orig(s.span.end));
  }
  const nl = after < 0 ? -1 : text.indexOf('\n', after);
  const insertAt = nl < 0 ? text.length : nl;

  const topLevel = new Map<string, string>();
  const newDicts = new Map<string, Tree>();
  const onBase: string[] = [];
  const anchors = new Map<DictExpr, { anchor: Anchor; tree: Tree }>();
  for (const { point, text: expr, indent } of items) {
    const { path } = point;
    const leaf: Leaf = { expr, indent };
    if (path.length === 1) {
      topLevel.set(path[0] as string, renderValue(leaf, 0));
      continue;
    }
    const strings = path.every((k): k is string => typeof k === 'string');
    const anchor = strings ? anchorFor(unit, path as string[]) : undefined;
    // Keys inside lists, or a dict written before the names the key needs: set on `_base_`.
    if (!strings || anchor === 'blocked' || (anchor && orig(anchor.stmt.span.start) <= insertAt)) {
      onBase.push(`${baseTarget(path)} = ${renderValue(leaf, 0)}`);
      continue;
    }
    let tree: Tree;
    let rest: string[];
    if (anchor) {
      const slot = anchors.get(anchor.node) ?? { anchor, tree: new Map() };
      anchors.set(anchor.node, slot);
      tree = slot.tree;
      rest = (path as string[]).slice(anchor.depth);
    } else {
      const head = path[0] as string;
      tree = newDicts.get(head) ?? new Map();
      newDicts.set(head, tree);
      rest = (path as string[]).slice(1);
    }
    for (let i = 0; i < rest.length - 1; i++) {
      let sub = tree.get(rest[i]);
      if (!(sub instanceof Map)) tree.set(rest[i], (sub = new Map()));
      tree = sub;
    }
    tree.set(rest[rest.length - 1], leaf);
  }

  const ordered = orderByUse(topLevel);
  if (!ordered) return { error: 'the names to write again depend on each other in a cycle' };
  const statements = [
    ...ordered.map(([k, v]) => `${k} = ${v}`),
    ...[...newDicts].map(([k, t]) => `${k} = dict(${renderTree(t, false, 0)})`),
    ...onBase,
  ];
  const edits: FixEdit[] = [];
  if (statements.length) {
    const pos = unit.lines.position(insertAt);
    const atEnd = insertAt === text.length;
    const lead = atEnd ? (text && !text.endsWith('\n') ? '\n' : '') : '\n';
    edits.push({ range: { start: pos, end: pos }, newText: lead + statements.join('\n') + (atEnd ? '\n' : '') });
  }
  for (const { anchor, tree } of anchors.values()) edits.push(insertIntoDict(unit, anchor.node, tree));
  return { edits };
}

/** The base's imports the fix needs, right after the child's `_base_` line (or first in the file). */
function importEdit(unit: FileUnit, statements: string[]): FixEdit {
  if (!unit.baseStmt)
    return { range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } }, newText: statements.join('\n') + '\n' };
  const end = unit.lines.offset(unit.baseStmt.end);
  const nl = unit.text.indexOf('\n', end);
  const pos = unit.lines.position(nl < 0 ? unit.text.length : nl);
  return { range: { start: pos, end: pos }, newText: '\n' + statements.join('\n') };
}

/** Top-level statements in an order where each comes after the added names it reads. */
function orderByUse(stmts: Map<string, string>): [string, string][] | undefined {
  const names = [...stmts.keys()];
  const reads = (v: string, n: string) => new RegExp(`(?<![\\w.])${n}(?!\\w)`).test(v);
  const out: [string, string][] = [];
  const done = new Set<string>();
  while (out.length < names.length) {
    const next = names.find(
      (n) => !done.has(n) && names.every((m) => m === n || done.has(m) || !reads(stmts.get(n)!, m)),
    );
    if (!next) return undefined;
    done.add(next);
    out.push([next, stmts.get(next)!]);
  }
  return out;
}

/** The edit adding the tree's keys to a dict(...) or {...} the child writes, in its layout. */
function insertIntoDict(unit: FileUnit, node: DictExpr, tree: Tree): FixEdit {
  const text = unit.text;
  const orig = (o: number) => unit.textMap.toOriginal(o);
  const literal = node.kind === 'Dict';
  const items = node.kind === 'Call' ? node.args.map((a) => a.span) : node.items.map((i) => i.span);
  const open = text.indexOf(literal ? '{' : '(', orig(node.kind === 'Call' ? node.func.span.end : node.span.start));
  const at = (o: number) => unit.lines.position(o);
  const insert = (o: number, newText: string): FixEdit => ({ range: { start: at(o), end: at(o) }, newText });
  const entries = (indent: number) =>
    [...tree].map(([k, v]) => (literal ? `${repr(k)}: ` : `${k}=`) + renderValue(v, indent));
  if (!items.length || at(orig(items[items.length - 1].end)).line === at(open).line) {
    // All on one line: the new keys first.
    return insert(open + 1, entries(indentAt(text, open)).join(', ') + (items.length ? ', ' : ''));
  }
  // One key per line: after the last one, at its indentation (after its comma and comment, if any).
  const lastEnd = orig(items[items.length - 1].end);
  const close = orig(node.span.end) - 1;
  const comma = text.slice(lastEnd, close).indexOf(',');
  const indent = indentAt(text, orig(items[items.length - 1].start));
  const lines = entries(indent).map((l) => ' '.repeat(indent) + l);
  if (comma >= 0) {
    const nl = text.indexOf('\n', lastEnd + comma + 1);
    const p = nl >= 0 && nl < close ? nl : lastEnd + comma + 1;
    return insert(p, '\n' + lines.join(',\n') + ',');
  }
  // No trailing comma; a comment after the last key would swallow one, so it goes right after the key.
  return insert(lastEnd, ',\n' + lines.join(',\n'));
}

// ---- checking the fix before it is offered ----

function applyEdits(text: string, unit: FileUnit, edits: FixEdit[]): string {
  const sorted = [...edits].sort((a, b) => unit.lines.offset(b.range.start) - unit.lines.offset(a.range.start));
  let out = text;
  for (const e of sorted)
    out = out.slice(0, unit.lines.offset(e.range.start)) + e.newText + out.slice(unit.lines.offset(e.range.end));
  return out;
}

function checkFix(
  unit: FileUnit,
  name: string,
  edits: FixEdit[],
  stalePaths: KeyPath[],
  reload: (text: string) => LoadResult,
): string | undefined {
  const after = reload(applyEdits(unit.text, unit, edits));
  const err = after.diagnostics.find((d) => d.severity === 'error');
  if (!after.ok || !after.unit.result) return `the fixed config would not load${err ? `: ${err.message}` : ''}`;
  const left = staleKeysOf(after.unit, name);
  if (left.length) return `the fix would leave ${left.map((s) => showKeyPath(s.path)).join(', ')} stale`;
  const skip = new Set(stalePaths.map((p) => JSON.stringify(p)));
  const changed = differences(unit.result!, after.unit.result, [], skip);
  return changed ? `the fix would also change ${changed}` : undefined;
}

/** The first key path (outside `skip`) where two configs differ, dotted. */
function differences(a: PyValue, b: PyValue, at: KeyPath, skip: Set<string>): string | undefined {
  if (skip.has(JSON.stringify(at))) return undefined;
  if (a instanceof PyDict && b instanceof PyDict) {
    for (const e of a) {
      const p = [...at, typeof e.key === 'string' ? e.key : String(e.key)];
      if (!b.has(e.key)) return skip.has(JSON.stringify(p)) ? undefined : showKeyPath(p);
      const d = differences(e.value, b.get(e.key)!, p, skip);
      if (d) return d;
    }
    for (const k of b.keys())
      if (!a.has(k) && !skip.has(JSON.stringify([...at, String(k)]))) return showKeyPath([...at, String(k)]);
    return undefined;
  }
  if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    if (a.items.length !== b.items.length) return showKeyPath(at) || '(top level)';
    for (let i = 0; i < a.items.length; i++) {
      const d = differences(a.items[i], b.items[i], [...at, i], skip);
      if (d) return d;
    }
    return undefined;
  }
  return pyEquals(a, b) ? undefined : showKeyPath(at) || '(top level)';
}
