// What the cursor is on in a config, found in the engine's syntax tree: a
// `_base_` path string, a `_base_.x` access or `{{_base_.x}}` template, a key
// of a config dict (with its key path from the top-level name), or a name.

import * as fs from 'node:fs';
import type { Expr, Stmt } from '../config/ast';
import type { FileUnit } from '../config/loader';
import type { Position, Range, Span } from '../config/source';
import type { BaseSpec } from './base-refs';
import { subExpressions } from '../config/sub-expressions';

export type KeyPath = (string | number)[];

export type Target =
  | { kind: 'base-spec'; spec: string; resolved?: string; missing?: boolean; scope?: string; range: Range }
  | { kind: 'base-path'; path: string[]; range: Range }
  | { kind: 'key'; keyPath: KeyPath; range: Range }
  | { kind: 'name'; name: string; range: Range };

/**
 * `fallbackBases`: the `_base_` strings as read by the index, for text the
 * engine could not parse (it resolves bases only for text that parses).
 */
export function targetAt(unit: FileUnit, pos: Position, fallbackBases: BaseSpec[] = []): Target | undefined {
  const offset = unit.lines.offset(pos);
  const bases =
    unit.bases.length || !unit.failed
      ? unit.bases
      : fallbackBases.map((b) => ({ ...b, missing: b.resolved ? !fs.existsSync(b.resolved) : undefined }));
  for (const b of bases) {
    const r = b.range;
    if (contains(unit.lines.offset(r.start), unit.lines.offset(r.end), offset))
      return { kind: 'base-spec', spec: b.spec, resolved: b.resolved, missing: b.missing, scope: b.scope, range: r };
  }
  const orig = (s: Span) => ({ start: unit.textMap.toOriginal(s.start), end: unit.textMap.toOriginal(s.end) });
  const hit = (s: Span) => {
    const o = orig(s);
    return contains(o.start, o.end, offset);
  };
  const range = (s: Span): Range => unit.lines.range(orig(s));

  const inExpr = (e: Expr, keyPath: KeyPath | undefined): Target | undefined => {
    if (!hit(e.span)) return undefined;
    switch (e.kind) {
      case 'Call':
        if (e.func.kind === 'Name' && e.func.id === 'dict') {
          for (const a of e.args) {
            if (a.name && a.nameSpan && hit(a.nameSpan) && keyPath)
              return { kind: 'key', keyPath: [...keyPath, a.name], range: range(a.nameSpan) };
            const t = inExpr(a.value, a.name && keyPath ? [...keyPath, a.name] : undefined);
            if (t) return t;
            // On a plain value (`lr=0.02`): the key it is the value of.
            if (a.name && keyPath && hit(a.value.span) && isLiteral(a.value))
              return { kind: 'key', keyPath: [...keyPath, a.name], range: range(a.value.span) };
          }
          return undefined;
        }
        return (
          inExpr(e.func, undefined) ??
          first(
            e.args.map((a) => a.value),
            (x) => inExpr(x, undefined),
          )
        );
      case 'Dict':
        for (const it of e.items) {
          if ('unpack' in it) {
            const t = inExpr(it.unpack, undefined);
            if (t) return t;
            continue;
          }
          const k = it.key.kind === 'Str' && !unit.baseVars.has(it.key.value) ? it.key.value : undefined;
          if (k !== undefined && hit(it.key.span) && keyPath)
            return { kind: 'key', keyPath: [...keyPath, k], range: range(it.key.span) };
          const t =
            inExpr(it.key, undefined) ?? inExpr(it.value, k !== undefined && keyPath ? [...keyPath, k] : undefined);
          if (t) return t;
        }
        return undefined;
      case 'List':
      case 'Tuple': {
        let indexed = !!keyPath;
        for (let i = 0; i < e.elts.length; i++) {
          if (e.elts[i].kind === 'Starred') indexed = false;
          const t = inExpr(e.elts[i], indexed && keyPath ? [...keyPath, i] : undefined);
          if (t) return t;
        }
        return undefined;
      }
      case 'Attribute': {
        const p = basePath(e);
        if (p) {
          // The prefix up to the segment under the cursor: `_base_.model` when on `model`.
          let node: Expr = e;
          let segs = p;
          while (node.kind === 'Attribute' && !hit(node.attrSpan)) {
            node = node.value;
            segs = segs.slice(0, -1);
          }
          if (node.kind === 'Attribute') return { kind: 'base-path', path: segs, range: range(node.attrSpan) };
          return { kind: 'base-path', path: [], range: range(node.span) };
        }
        return inExpr(e.value, undefined);
      }
      case 'Name':
        if (e.id === '_base_') return { kind: 'base-path', path: [], range: range(e.span) };
        return { kind: 'name', name: e.id, range: range(e.span) };
      case 'Str': {
        const v = unit.baseVars.get(e.value);
        if (v) return { kind: 'base-path', path: v.split('.'), range: range(e.span) };
        return undefined;
      }
      default:
        return first(subExpressions(e), (x) => inExpr(x, undefined));
    }
  };

  const inStmt = (s: Stmt): Target | undefined => {
    if (!hit(s.span)) return undefined;
    switch (s.kind) {
      case 'Assign': {
        const name = s.targets.length === 1 && s.targets[0].kind === 'Name' ? s.targets[0].id : undefined;
        for (const t of s.targets) {
          if (t.kind === 'Name' && hit(t.span)) return { kind: 'key', keyPath: [t.id], range: range(t.span) };
          const r = inExpr(t, undefined);
          if (r) return r;
        }
        return inExpr(s.value, name && name !== '_base_' ? [name] : undefined);
      }
      case 'AugAssign':
        return inExpr(s.target, undefined) ?? inExpr(s.value, undefined);
      case 'AnnAssign':
        return inExpr(s.target, undefined) ?? (s.value && inExpr(s.value, undefined));
      case 'Expr':
        return inExpr(s.value, undefined);
      case 'If':
        return inExpr(s.test, undefined) ?? first(s.body, inStmt) ?? first(s.orelse, inStmt);
      case 'For':
        return inExpr(s.iter, undefined) ?? first(s.body, inStmt) ?? first(s.orelse, inStmt);
      default:
        return undefined;
    }
  };
  // Top-level statements are in source order: find the one under the cursor by bisection, so a
  // config of thousands of statements (each span mapped back through its templates) costs log n.
  const body = unit.module.body;
  let lo = 0;
  let hi = body.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (orig(body[mid].span).start <= offset) lo = mid;
    else hi = mid - 1;
  }
  // The statement starting at the cursor, or the one before it (the cursor at a statement's end).
  return first(body.slice(Math.max(0, lo - 1), lo + 2), inStmt);
}

/** `_base_.a.b` as ['a', 'b']; undefined when the chain does not start at `_base_`. */
export function basePath(e: Expr): string[] | undefined {
  if (e.kind === 'Name') return e.id === '_base_' ? [] : undefined;
  if (e.kind === 'Attribute') {
    const p = basePath(e.value);
    return p && [...p, e.attr];
  }
  return undefined;
}

function isLiteral(e: Expr): boolean {
  return (
    e.kind === 'Num' || e.kind === 'Str' || e.kind === 'Const' || (e.kind === 'UnaryOp' && e.operand.kind === 'Num')
  );
}

function contains(start: number, end: number, offset: number): boolean {
  return offset >= start && offset <= end && end > start;
}

function first<T, R>(xs: T[], f: (x: T) => R | undefined): R | undefined {
  for (const x of xs) {
    const r = f(x);
    if (r) return r;
  }
  return undefined;
}
