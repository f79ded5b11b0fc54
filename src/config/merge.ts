// MMEngine's `_merge_a_into_b`: a child dict merges key by key into its base;
// `_delete_` (read for truthiness, and only popped where the key exists in the
// base) replaces instead; a child dict over a base non-dict is an error.
//
// Neither input is modified: where MMEngine pops `_delete_` from the child, the
// result simply leaves it out, so the child's own tree (which the lint rules
// read, `_delete_` included) stays as written. Values and entries that are not
// merged are shared with the inputs rather than copied (a large config would
// otherwise be held twice); shared entries are replaced, never mutated, and
// nothing mutates a loaded config.

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

const DELETE_KEY = '_delete_';

function pythonClass(v: PyValue): string {
  if (v instanceof PyDict && v.configDict) return "<class 'mmengine.config.config.ConfigDict'>";
  return `<class '${typeName(v)}'>`;
}

/** `d` without its top-level `_delete_` (what is left after MMEngine's `v.pop('_delete_')`). */
function withoutDelete(d: PyDict): PyDict {
  const out = new PyDict(true);
  for (const e of d) if (e.key !== DELETE_KEY) out.set(e.key, e.value, e.prov);
  return out;
}

/**
 * Returns a new dict (or list): `base` with `child` merged in. `dropDelete`: the
 * child's top-level `_delete_` was consumed by the caller and is left out.
 */
export function mergeInto(
  child: PyDict,
  base: PyDict | PyList,
  allowListKeys = false,
  dropDelete = false,
): PyDict | PyList {
  if (base instanceof PyList) {
    const out = new PyList([...base.items]);
    for (const e of child) {
      const k = e.key;
      if (dropDelete && k === DELETE_KEY) continue;
      if (typeof k === 'string' && /^\d+$/.test(k)) {
        const i = Number(k);
        if (out.items.length <= i)
          throw new PyError('KeyError', repr(`Index ${i} exceeds the length of list ${repr(out)}`));
        out.items[i] =
          e.value instanceof PyDict && (out.items[i] instanceof PyDict || out.items[i] instanceof PyList)
            ? mergeInto(e.value, out.items[i] as PyDict, allowListKeys)
            : e.value;
      } else throw new PyError('TypeError', `list indices must be integers, not '${String(k)}'`);
    }
    return out;
  }
  // Entries taken unchanged are shared (adopt), changed ones are new objects (put): the inputs stay as they were.
  const b = new PyDict(true);
  for (const e of base) b.adopt(e);
  for (const e of child) {
    const k = e.key;
    if (dropDelete && k === DELETE_KEY) continue;
    const v = e.value;
    // The child's keys are distinct, so an earlier entry for k can only be the base's: ask the
    // base (often a handful of keys) rather than b (which grows to the child's million).
    const old = base.entry(k);
    if (v instanceof PyDict) {
      // `k in b and not v.pop('_delete_', False)`: the pop only happens when the key is in the base.
      const del = old ? v.entry(DELETE_KEY) : undefined;
      const replace = !old || (del !== undefined && truthy(del.value));
      if (!replace) {
        const ok = old!.value instanceof PyDict || (allowListKeys && old!.value instanceof PyList);
        if (!ok) {
          const name = typeof k === 'string' ? k : repr(k);
          const shown = del ? withoutDelete(v) : v;
          throw new MergeError(
            `${name}=${repr(shown)} in child config cannot inherit from base because ${name} is a dict in the child config but is of type ${pythonClass(old!.value)} in base config. You may set \`_delete_=True\` to ignore the base config.`,
            e.prov,
          );
        }
        b.put(k, mergeInto(v, old!.value as PyDict, allowListKeys, del !== undefined), overriding(e.prov, old!.prov));
      } else if (!old && !del) b.adopt(e);
      else b.put(k, del ? withoutDelete(v) : v, overriding(e.prov, old?.prov));
    } else if (!old) b.adopt(e);
    else b.put(k, v, overriding(e.prov, old.prov));
  }
  return b;
}
