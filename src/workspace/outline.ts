// Document symbols (a config's own top-level keys and their dict keys) and
// code lens facts ("overrides N keys of <base>", "inherited by N configs").

import * as path from 'node:path';
import { PyDict, type LoadResult, type Range } from '../config/index';
import type { ConfigWorkspace } from './config-workspace';
import type { WorkspaceIndex } from './workspace-index';

/** The outline of a config: its own keys (from the last version that loaded while the text is broken). */
export function documentSymbols(ws: ConfigWorkspace, file: string): ConfigSymbol[] {
  if (!ws.isConfig(file)) return [];
  const a = ws.analyze(file);
  const r = a.result.unit.own ? a.result : a.lastGood;
  return r ? configSymbols(r, file) : [];
}

/** Code lenses of a config: what it overrides of each base, and who inherits from it. */
export function codeLenses(ws: ConfigWorkspace, file: string): LensFact[] {
  if (!ws.isConfig(file)) return [];
  return lensFacts(ws.analyze(file).result, file, ws.index);
}

export interface ConfigSymbol {
  name: string;
  kind: 'dict' | 'value';
  /** The key as written. */
  selectionRange: Range;
  /** Key through value. */
  range: Range;
  children: ConfigSymbol[];
}

export function configSymbols(result: LoadResult, file: string): ConfigSymbol[] {
  const own = result.unit.own;
  return own ? symbolsOf(own, file, 0) : [];
}

function symbolsOf(d: PyDict, file: string, depth: number): ConfigSymbol[] {
  const out: ConfigSymbol[] = [];
  for (const e of d) {
    const p = e.prov;
    if (!p || p.file !== file || typeof e.key !== 'string') continue;
    const range =
      p.valueRange && after(p.valueRange.end, p.range.end) ? { start: p.range.start, end: p.valueRange.end } : p.range;
    out.push({
      name: e.key,
      kind: e.value instanceof PyDict ? 'dict' : 'value',
      selectionRange: p.range,
      range,
      children: e.value instanceof PyDict && depth < 4 ? symbolsOf(e.value, file, depth + 1) : [],
    });
  }
  return out;
}

function after(a: { line: number; col: number }, b: { line: number; col: number }): boolean {
  return a.line > b.line || (a.line === b.line && a.col >= b.col);
}

export interface LensFact {
  range: Range;
  title: string;
  /** For "inherited by": the inheriting configs; for "overrides": the base file. */
  files: string[];
}

/** Leaf keys of `own` that replace something `base` has (a dict with `_delete_` counts as one), and keys it adds. */
export function countOverrides(own: PyDict, base: PyDict): { overridden: number; added: number } {
  const n = { overridden: 0, added: 0 };
  for (const e of own) {
    if (e.key === '_delete_') continue;
    if (!base.has(e.key)) {
      n.added++;
      continue;
    }
    const b = base.get(e.key);
    if (e.value instanceof PyDict && b instanceof PyDict && !e.value.has('_delete_')) {
      const inner = countOverrides(e.value, b);
      n.overridden += inner.overridden;
      n.added += inner.added;
    } else n.overridden++;
  }
  return n;
}

export function lensFacts(result: LoadResult, file: string, index: WorkspaceIndex): LensFact[] {
  const unit = result.unit;
  const out: LensFact[] = [];
  const top: Range = { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };
  if (unit.own) {
    for (const bu of unit.baseUnits) {
      if (!bu.result) continue;
      const ref = unit.bases.find((b) => b.resolved === bu.path);
      const n = countOverrides(unit.own, bu.result).overridden;
      // Keys that no base has, counted against all bases together, shown once.
      const added = bu === unit.baseUnits[0] && unit.mergedBase ? countOverrides(unit.own, unit.mergedBase).added : 0;
      const extra = added ? `, adds ${added}` : '';
      out.push({
        range: ref?.range ?? unit.baseStmt ?? top,
        title: `overrides ${n} key${n === 1 ? '' : 's'} of ${path.basename(bu.path)}${extra}`,
        files: [bu.path],
      });
    }
  }
  const deps = index.dependents(file);
  if (deps.length)
    out.push({ range: top, title: `inherited by ${deps.length} config${deps.length === 1 ? '' : 's'}`, files: deps });
  return out;
}
