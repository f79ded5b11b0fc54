// Inheritance mistakes MMEngine accepts silently, read from provenance:
// the propagation trap (docs/config-semantics.md §5), a `type` changed without `_delete_` (stale base
// keys ride along), `_delete_` that deletes nothing, and chains deeper than 3.

import * as path from 'node:path';
import type { Diagnostic, FileUnit, PyDict } from '../config';
import type { Provenance } from '../config/provenance';
import { PyDict as Dict, PyList, PyTuple, type PyValue, pyEquals, repr, truthy } from '../config/values';

type KeyPath = (string | number)[];

function showPath(p: KeyPath): string {
  return p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i ? `.${k}` : k)).join('');
}

function short(v: PyValue): string {
  const s = repr(v);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/** Every dict entry of a value tree with its key path. */
function* walk(
  v: PyValue,
  at: KeyPath = [],
): Generator<{ path: KeyPath; key: PyValue; value: PyValue; prov?: Provenance; parent: PyDict }> {
  if (v instanceof Dict) {
    for (const e of v) {
      const p = [...at, typeof e.key === 'string' ? e.key : String(e.key)];
      yield { path: p, key: e.key, value: e.value, prov: e.prov, parent: v };
      yield* walk(e.value, p);
    }
  } else if (v instanceof PyList || v instanceof PyTuple) {
    for (let i = 0; i < v.items.length; i++) yield* walk(v.items[i], [...at, i]);
  }
}

/** A base value the child's re-bound names do not reach. */
export interface StaleKey {
  path: KeyPath;
  value: PyValue;
  prov: Provenance;
}

/**
 * The values the bases computed from `name` (which this child re-binds), directly
 * or through other top-level names the bases computed from it (`close = max_epochs - 10`
 * makes everything computed from `close` stale too). Empty when the child writes them.
 */
export function staleKeysOf(unit: FileUnit, name: string): StaleKey[] {
  const { result } = unit;
  if (!result) return [];
  const fromBase = (p: Provenance | undefined): p is Provenance => !!p && p.file !== unit.path;
  const reads = (p: Provenance, names: Set<string>) => !!p.deps?.some((d) => names.has(d));
  // Top-level names of the bases that carry the old value on, to a fixed point.
  const names = new Set([name]);
  for (let grew = true; grew;) {
    grew = false;
    for (const e of result) {
      const k = e.key as string;
      if (!names.has(k) && fromBase(e.prov) && reads(e.prov, names)) {
        names.add(k);
        grew = true;
      }
    }
  }
  const stale: StaleKey[] = [];
  for (const x of walk(result)) {
    if ((x.path.length === 1 && x.path[0] === name) || !fromBase(x.prov)) continue;
    if (reads(x.prov, names)) stale.push({ path: x.path, value: x.value, prov: x.prov });
  }
  return stale;
}

/**
 * A child that reassigns a top-level name the base computed other values from:
 * those values keep the old one (MMEngine evaluated the base on its own).
 */
export function propagationTrap(unit: FileUnit): Diagnostic[] {
  const { own, mergedBase, result } = unit;
  if (!own || !mergedBase || !result) return [];
  const out: Diagnostic[] = [];
  for (const e of own) {
    const name = e.key as string;
    if (!mergedBase.has(name) || pyEquals(mergedBase.get(name)!, e.value)) continue;
    const stale = staleKeysOf(unit, name);
    if (!stale.length) continue;
    const list = stale
      .slice(0, 6)
      .map(
        (s) =>
          `${showPath(s.path)} (still ${short(s.value)}, ${path.basename(s.prov.file)}:${s.prov.range.start.line + 1})`,
      )
      .join(', ');
    out.push({
      file: unit.path,
      range: e.prov!.range,
      severity: 'warning',
      code: 'propagation-trap',
      message: `${name} = ${short(e.value)} does not reach what the base computed from ${name}: ${list}${stale.length > 6 ? `, and ${stale.length - 6} more` : ''}. Bases are evaluated on their own; write those keys again here.`,
      // The fix is computed from the loaded config when asked for (src/workspace/trap-fix.ts); the keys are for display.
      data: {
        fix: 'rebind',
        name,
        keys: stale.map((s) => ({ path: s.path, file: s.prov.file, line: s.prov.range.start.line })),
      },
    });
  }
  return out;
}

/** Keys every dataset (and the common builders) takes whatever its type: they carry over on purpose. */
const TYPE_AGNOSTIC_KEYS = new Set([
  '_scope_',
  'type',
  'pipeline',
  'test_mode',
  'data_root',
  'ann_file',
  'data_prefix',
  'metainfo',
  'filter_cfg',
  'batch_shapes_cfg',
  'backend_args',
  'lazy_init',
  'serialize_data',
  'indices',
  'max_refetch',
  'init_cfg',
]);

/** A child dict that changes `type` and merges (no `_delete_`): the old type's keys stay. */
export function staleTypeKeys(unit: FileUnit): Diagnostic[] {
  const { own, mergedBase } = unit;
  if (!own || !mergedBase) return [];
  const out: Diagnostic[] = [];
  const visit = (child: PyDict, base: PyDict, at: KeyPath) => {
    for (const e of child) {
      const k = e.key;
      const bv = base.get(k);
      const cv = e.value;
      if (!(cv instanceof Dict) || !(bv instanceof Dict)) continue;
      const p = [...at, String(k)];
      const del = cv.entry('_delete_');
      if (del && truthy(del.value)) continue;
      const ct = cv.entry('type');
      const bt = bv.get('type');
      if (ct && bt !== undefined && !pyEquals(ct.value, bt)) {
        const staleKeys = bv.keys().filter((x) => !TYPE_AGNOSTIC_KEYS.has(x as string) && !cv.has(x as string));
        if (staleKeys.length) {
          out.push({
            file: unit.path,
            range: ct.prov?.range ?? e.prov!.range,
            severity: 'warning',
            code: 'stale-type-keys',
            message: `${showPath(p)}.type changes ${repr(bt)} to ${repr(ct.value)} but merges into the base dict, so the old type's keys ride along: ${staleKeys.map(String).join(', ')}. Add _delete_=True to replace the dict.`,
            data: { fix: 'add-delete', keyPath: p, valueRange: e.prov?.valueRange },
          });
        }
      }
      visit(cv, bv, p);
    }
  };
  visit(own, mergedBase, []);
  return out;
}

/** `_delete_` where there is nothing to delete (MMEngine then keeps it in the result) or inside a list. */
export function deleteWithoutEffect(unit: FileUnit): Diagnostic[] {
  const { own, mergedBase } = unit;
  if (!own || !mergedBase) return [];
  const out: Diagnostic[] = [];
  const report = (prov: Provenance | undefined, message: string) => {
    if (prov && prov.file === unit.path)
      out.push({ file: unit.path, range: prov.range, severity: 'warning', code: 'delete-no-effect', message });
  };
  // `exists`: the base has this key at all (MMEngine pops `_delete_` only then).
  const visit = (child: PyValue, base: PyValue | undefined, exists: boolean, at: KeyPath, inList: boolean) => {
    if (child instanceof Dict) {
      for (const e of child) {
        if (e.key === '_delete_') {
          if (inList)
            report(
              e.prov,
              `_delete_ inside a list element has no effect: lists replace the base list whole, and _delete_ stays in the result`,
            );
          else if (!exists)
            report(
              e.prov,
              `_delete_ has no effect: the base has no ${showPath(at)} to delete, and MMEngine keeps _delete_ in the result`,
            );
          continue;
        }
        const has = !inList && base instanceof Dict && base.has(e.key);
        visit(e.value, has ? (base as PyDict).get(e.key) : undefined, has, [...at, String(e.key)], inList);
      }
    } else if (child instanceof PyList || child instanceof PyTuple) {
      child.items.forEach((x, i) => visit(x, undefined, false, [...at, i], true));
    }
  };
  for (const e of own) visit(e.value, mergedBase.get(e.key), mergedBase.has(e.key), [String(e.key)], false);
  return out;
}

/** Local inheritance deeper than MMYOLO's recommended 3 hops. */
export function inheritanceDepth(unit: FileUnit): Diagnostic[] {
  const depth = (u: FileUnit, seen: Set<FileUnit>): number =>
    seen.has(u) ? 0 : 1 + Math.max(0, ...u.baseUnits.map((b) => depth(b, new Set([...seen, u]))));
  const d = depth(unit, new Set()) - 1;
  if (d <= 3 || !unit.baseStmt) return [];
  return [
    {
      file: unit.path,
      range: unit.baseStmt,
      severity: 'information',
      code: 'inheritance-depth',
      message: `inherits ${d} levels deep; MMYOLO recommends at most 3, which keeps a config readable`,
    },
  ];
}
