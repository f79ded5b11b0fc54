// What one config changes over its bases: every key it sets (at the deepest
// level it sets it: a dict it merges into the base's is not one change but
// one per key), with the value it replaced and where that came from; and the
// keys its bases still compute from values it changed (the propagation trap).
// The focused part of the merged preview is written from this.

import { entryAt, type FileUnit } from '../config/index';
import type { Provenance } from '../config/provenance';
import { PyDict, PyList, PyTuple, pyEquals, truthy, type PyValue } from '../config/values';
import { staleKeysOf } from '../lint/inheritance';

type KeyPath = (string | number)[];

export interface Change {
  path: KeyPath;
  value: PyValue;
  /** Where this file sets it. */
  prov: Provenance;
  kind: 'new' | 'changed' | 'same' | 'replaced';
  /** The value the bases had there, and where it was set. */
  was?: { value: PyValue; prov?: Provenance };
}

export interface StaleValue {
  path: KeyPath;
  value: PyValue;
  prov: Provenance;
  /** The names of this file it should have followed. */
  names: string[];
}

/** The value the bases had at `path` before this file ran (its `_base_.x = ...` lines included). */
function baseValue(unit: FileUnit, path: KeyPath): { value: PyValue; prov?: Provenance } | undefined {
  for (const bu of unit.baseUnits) {
    if (bu.result?.has(path[0] as string)) return entryAt(bu.result, path);
  }
  return undefined;
}

/** Whether this file writes the dict at `path` with `_delete_=True` (it replaces, not merges). */
function deletes(unit: FileUnit, path: KeyPath): boolean {
  const own = unit.own && entryAt(unit.own, path)?.value;
  return own instanceof PyDict && own.has('_delete_') && truthy(own.get('_delete_')!);
}

export function configChanges(unit: FileUnit): Change[] {
  const out: Change[] = [];
  if (!unit.result) return out;
  const visit = (v: PyValue, at: KeyPath) => {
    if (v instanceof PyDict) {
      for (const e of v) {
        const path = [...at, typeof e.key === 'string' ? e.key : String(e.key)];
        const mine = e.prov?.file === unit.path;
        const was = mine ? baseValue(unit, path) : undefined;
        // A dict merged into the base's dict: its own keys are the changes.
        if (!mine || (e.value instanceof PyDict && was?.value instanceof PyDict && !deletes(unit, path))) {
          visit(e.value, path);
          continue;
        }
        const kind = !was
          ? 'new'
          : e.value instanceof PyDict && deletes(unit, path)
            ? 'replaced'
            : pyEquals(was.value, e.value)
              ? 'same'
              : 'changed';
        out.push({ path, value: e.value, prov: e.prov!, kind, was });
      }
    } else if (v instanceof PyList || v instanceof PyTuple) {
      // Keys inside list elements set from here (`_base_.custom_hooks[1].switch_epoch = 35`).
      v.items.forEach((x, i) => visit(x, [...at, i]));
    }
  };
  visit(unit.result, []);
  // In the order this file writes them.
  return out.sort(
    (a, b) => a.prov.range.start.line - b.prov.range.start.line || a.prov.range.start.col - b.prov.range.start.col,
  );
}

/** Keys the bases computed from names this file re-binds, still with the old values. */
export function staleValues(unit: FileUnit): StaleValue[] {
  const { own, mergedBase } = unit;
  if (!own || !mergedBase) return [];
  const byPath = new Map<string, StaleValue>();
  for (const e of own) {
    const name = e.key as string;
    if (!mergedBase.has(name) || pyEquals(mergedBase.get(name)!, e.value)) continue;
    for (const s of staleKeysOf(unit, name)) {
      const k = JSON.stringify(s.path);
      const found = byPath.get(k);
      if (found) found.names.push(name);
      else byPath.set(k, { path: s.path, value: s.value, prov: s.prov, names: [name] });
    }
  }
  return [...byPath.values()];
}
