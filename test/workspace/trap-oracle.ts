// What a stale key would be had the base itself been evaluated with the
// child's values: the base file is loaded on its own with the child's trap
// names written into it (an overlay; nothing on disk changes). This is the
// independent answer the propagation-trap fix is checked against.

import * as path from 'node:path';
import {
  ConfigLoader,
  entryAt,
  loadConfig,
  unitsOf,
  type FileUnit,
  type LoadResult,
  type PyValue,
} from '../../src/config/index';
import { PyDict, repr } from '../../src/config/values';
import { propagationTrap } from '../../src/lint/inheritance';

type KeyPath = (string | number)[];

/** Loads `file` with some files' text replaced, with a loader of its own. */
export function loadWith(
  file: string,
  overlays: Record<string, string>,
  scopes: Record<string, string> = {},
): LoadResult {
  return loadConfig(file, { loader: new ConfigLoader(), scopes, overlay: (f) => overlays[path.resolve(f)] });
}

/** The names of the child's propagation traps with their merged values. */
export function trapNames(child: FileUnit): Map<string, PyValue> {
  const out = new Map<string, PyValue>();
  for (const d of propagationTrap(child)) {
    const name = (d.data as { name: string }).name;
    // As it ends up in the merged config: a dict the child writes merges with the base dict.
    out.set(name, withoutAddedScope(child.result!.get(name)!));
  }
  return out;
}

/** A value without the `_scope_` a `scope::` base added to it (the base alone would not have it). */
function withoutAddedScope(v: PyValue): PyValue {
  if (!(v instanceof PyDict)) return v;
  const out = new PyDict(v.configDict);
  for (const e of v) if (e.prov?.via !== 'scope') out.set(e.key, e.value, e.prov);
  return out;
}

/** The value at `keyPath` of `baseFile` loaded alone, with each of `names` assigned the child's value instead. */
export function valueIfBaseHadChildValues(
  child: FileUnit,
  baseFile: string,
  keyPath: KeyPath,
  names: Map<string, PyValue>,
  scopes: Record<string, string> = {},
): { value?: PyValue; error?: string } {
  const base = unitsOf(child).find((u) => u.path === baseFile);
  if (!base) return { error: `${baseFile} is not a base of ${child.path}` };
  let text = base.text;
  const stmts = base.module.body
    .filter(
      (s): s is Extract<typeof s, { kind: 'Assign' }> =>
        s.kind === 'Assign' && s.targets.length === 1 && s.targets[0].kind === 'Name' && names.has(s.targets[0].id),
    )
    .map((s) => ({
      name: (s.targets[0] as { id: string }).id,
      start: base.textMap.toOriginal(s.span.start),
      end: base.textMap.toOriginal(s.span.end),
    }))
    .sort((a, b) => b.start - a.start);
  for (const s of stmts) {
    // The whole rest of the line: a statement's span can stop short of a closing bracket.
    const nl = text.indexOf('\n', s.end);
    const end = nl < 0 ? text.length : nl;
    text = text.slice(0, s.start) + `${s.name} = ${repr(names.get(s.name)!)}` + text.slice(end);
  }
  const r = loadWith(baseFile, { [baseFile]: text }, scopes);
  if (!r.ok || !r.config)
    return {
      error: `${baseFile} with the child's values does not load: ${r.diagnostics.find((d) => d.severity === 'error')?.message}`,
    };
  const e = entryAt(r.config, keyPath);
  return e ? { value: e.value } : { error: `${baseFile} with the child's values has no ${keyPath.join('.')}` };
}
