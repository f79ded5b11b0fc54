// MMEngine's `_merge_a_into_b`: a child dict merges key by key into its base;
// `_delete_` (read for truthiness, and only popped where the key exists in the
// base) replaces instead; a child dict over a base non-dict is an error.

import { hookValue } from './evaluator';
import { overriding, type Provenance } from './provenance';
import { PyDict, PyError, PyList, type PyValue, repr, truthy, typeName } from './values';

export class MergeError extends PyError {
  constructor(
    message: string,
    readonly prov: Provenance | undefined,
  ) {
    super('TypeError', message);
  }
}

function pythonClass(v: PyValue): string {
  if (v instanceof PyDict && v.configDict) return "<class 'mmengine.config.config.ConfigDict'>";
  return `<class '${typeName(v)}'>`;
}

/** Returns a new dict: `base` with `child` merged in. Neither input is modified, except `_delete_` popped from child dicts as MMEngine does. */
export function mergeInto(child: PyDict, base: PyDict | PyList, allowListKeys = false): PyDict | PyList {
  if (base instanceof PyList) {
    const out = new PyList([...base.items]);
    for (const e of child) {
      const k = e.key;
      if (typeof k === 'string' && /^\d+$/.test(k)) {
        const i = Number(k);
        if (out.items.length <= i) throw new PyError('KeyError', repr(`Index ${i} exceeds the length of list ${repr(out)}`));
        out.items[i] = e.value instanceof PyDict && (out.items[i] instanceof PyDict || out.items[i] instanceof PyList) ? mergeInto(e.value, out.items[i] as PyDict, allowListKeys) : hookValue(e.value);
      } else throw new PyError('TypeError', `list indices must be integers, not '${String(k)}'`);
    }
    return out;
  }
  const b = new PyDict(true);
  for (const e of base) b.set(e.key, e.value, e.prov);
  for (const e of child) {
    const k = e.key;
    const v = e.value;
    const old = b.entry(k);
    if (v instanceof PyDict) {
      let replace = true;
      if (old) {
        const del = v.entry('_delete_');
        if (del) v.delete('_delete_');
        replace = del !== undefined && truthy(del.value);
      }
      if (old && !replace) {
        const ok = old.value instanceof PyDict || (allowListKeys && old.value instanceof PyList);
        if (!ok) {
          throw new MergeError(
            `${typeof k === 'string' ? k : repr(k)}=${repr(v)} in child config cannot inherit from base because ${typeof k === 'string' ? k : repr(k)} is a dict in the child config but is of type ${pythonClass(old.value)} in base config. You may set \`_delete_=True\` to ignore the base config.`,
            e.prov,
          );
        }
        b.set(k, mergeInto(v, old.value as PyDict, allowListKeys), overriding(e.prov, old.prov));
      } else b.set(k, hookValue(asConfigDict(v)), overriding(e.prov, old?.prov));
    } else b.set(k, hookValue(v), overriding(e.prov, old?.prov));
  }
  return b;
}

function asConfigDict(v: PyDict): PyDict {
  if (v.configDict) {
    // ConfigDict(v) builds a new dict even from a ConfigDict.
    const d = new PyDict(true);
    for (const e of v) d.set(e.key, e.value, e.prov);
    return d;
  }
  return v;
}
