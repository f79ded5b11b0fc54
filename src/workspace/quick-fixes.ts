// Edits for the lint rules' quick fixes, from the `data` they attach:
// `add-delete` puts `_delete_=True` first in the dict; `rebind` writes the
// stale base keys again in the child (inside the dict(...) the child already
// has for that path, so nothing it set is lost); `rename` is a file move done
// with the rename edits of rename-edits.ts.

import type { Expr } from '../config/ast';
import type { FileUnit } from '../config/loader';
import type { Range } from '../config/source';

export interface FixEdit {
  range: Range;
  newText: string;
}

type KeyPath = (string | number)[];

export function addDeleteEdit(unit: FileUnit, valueRange: Range): FixEdit | undefined {
  const start = unit.lines.offset(valueRange.start);
  const end = unit.lines.offset(valueRange.end);
  const text = unit.text.slice(start, end);
  const m = /^(dict\s*\(|\{)(\s*)/.exec(text);
  if (!m) return undefined;
  const at = start + m[1].length;
  const empty = /^\s*[)}]$/.test(text.slice(m[1].length));
  const item = m[1] === '{' ? "'_delete_': True" : '_delete_=True';
  const pos = unit.lines.position(at);
  return { range: { start: pos, end: pos }, newText: item + (empty ? '' : ', ') };
}

interface DictNode {
  node: Extract<Expr, { kind: 'Call' } | { kind: 'Dict' }>;
}

/** The dict(...) or {...} this file writes for a key path, if it writes one. */
function dictNode(unit: FileUnit, keyPath: KeyPath): DictNode | undefined {
  const [head, ...rest] = keyPath;
  let cur: Expr | undefined;
  for (const s of unit.module.body) {
    if (s.kind === 'Assign' && s.targets.length === 1 && s.targets[0].kind === 'Name' && s.targets[0].id === head) cur = s.value;
  }
  for (const k of rest) {
    if (!cur) return undefined;
    cur = childValue(cur, k);
  }
  return cur && isDictExpr(cur) ? { node: cur } : undefined;
}

function isDictExpr(e: Expr): e is DictNode['node'] {
  return (e.kind === 'Call' && e.func.kind === 'Name' && e.func.id === 'dict') || e.kind === 'Dict';
}

function childValue(e: Expr, key: string | number): Expr | undefined {
  if (typeof key !== 'string' || !isDictExpr(e)) return undefined;
  if (e.kind === 'Call') return e.args.find((a) => a.name === key)?.value;
  for (const it of e.items) if ('key' in it && it.key.kind === 'Str' && it.key.value === key) return it.value;
  return undefined;
}

type Tree = Map<string, Tree | string>;

function render(tree: Tree, literal: boolean): string {
  return [...tree].map(([k, v]) => {
    const value = typeof v === 'string' ? v : `dict(${render(v, false)})`;
    return literal ? `'${k}': ${value}` : `${k}=${value}`;
  }).join(', ');
}

/** Writes each `path = expr` into the child config, inside the dicts it already has. */
export function rebindEdits(unit: FileUnit, keys: { path: KeyPath; expr: string }[]): FixEdit[] {
  const anchors = new Map<DictNode['node'] | null, Tree>();
  for (const { path, expr } of keys) {
    if (path.some((k) => typeof k !== 'string')) continue; // keys inside lists cannot be merged into
    let depth = path.length - 1;
    let found: DictNode | undefined;
    for (; depth >= 1; depth--) {
      found = dictNode(unit, path.slice(0, depth));
      if (found) break;
    }
    const anchor = found?.node ?? null;
    let tree: Tree = anchors.get(anchor) ?? new Map();
    anchors.set(anchor, tree);
    const rest = path.slice(found ? depth : 0) as string[];
    for (let i = 0; i < rest.length - 1; i++) {
      let sub: Tree | string | undefined = tree.get(rest[i]);
      if (typeof sub !== 'object') tree.set(rest[i], (sub = new Map()));
      tree = sub;
    }
    tree.set(rest[rest.length - 1], expr);
  }
  const edits: FixEdit[] = [];
  for (const [anchor, tree] of anchors) {
    if (!anchor) {
      // New top-level assignments at the end of the file.
      const endPos = unit.lines.position(unit.text.length);
      const lines = [...tree].map(([k, v]) => `${k} = ${typeof v === 'string' ? v : `dict(${render(v, false)})`}`);
      edits.push({ range: { start: endPos, end: endPos }, newText: (unit.text.endsWith('\n') || !unit.text ? '' : '\n') + lines.join('\n') + '\n' });
      continue;
    }
    const open = unit.textMap.toOriginal(anchor.kind === 'Call' ? anchor.func.span.end : anchor.span.start);
    const paren = unit.text.indexOf(anchor.kind === 'Call' ? '(' : '{', open);
    const pos = unit.lines.position(paren + 1);
    const empty = anchor.kind === 'Call' ? anchor.args.length === 0 : anchor.items.length === 0;
    edits.push({ range: { start: pos, end: pos }, newText: render(tree, anchor.kind === 'Dict') + (empty ? '' : ', ') });
  }
  return edits;
}
