// Completion candidates: inside `dict(...)` of a config, the keys the bases
// define at that key path (with their current values); after `type=`, the
// types that fit there (type-context.ts), each with what it is; after
// `_base_.`, the names the bases define.

import { entryAt, PyDict, type LoadResult, type PyValue } from '../config/index';
import type { Provenance } from '../config/provenance';
import { completionContext } from './completion-context';
import { fileLink, formatValue } from './hover';
import { TYPE_NAMES } from '../registry/type-names';
import { typeKindAt } from './type-context';

export interface CompletionCandidate {
  label: string;
  kind: 'key' | 'type';
  /** One-line current value, or the type's role. */
  detail: string;
  /** Markdown: the full value and where it is set. */
  documentation?: string;
  insertText: string;
}

export interface TypeName {
  name: string;
  /** What it is (`backbone`, `transform`, ...), as type-context.ts names the places. */
  kind: string;
  description: string;
}

/** The `type=` names offered: those the built-in trainer and data layer build (src/registry/type-names.ts). */
export function typeNames(): TypeName[] {
  return TYPE_NAMES.map((t) => ({ name: t.name, kind: t.kind.replace(/_/g, ' '), description: t.description }));
}

export function completions(
  text: string,
  offset: number,
  result: LoadResult | undefined,
  types: TypeName[] = typeNames(),
): CompletionCandidate[] {
  const ctx = completionContext(text, offset);
  if (ctx.kind === 'type-value') {
    const matching = types.filter((t) => t.name.startsWith(ctx.prefix.replace(/^\w+(\.|::)/, '')));
    const kind = typeKindAt(ctx.owners);
    // A place of a known kind offers that kind only (nothing when none is known, rather than wrong ones); elsewhere everything.
    return (kind ? matching.filter((t) => t.kind === kind) : matching)
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
      .map((t) => ({
        label: t.name,
        kind: 'type',
        detail: t.kind,
        documentation: t.description,
        insertText: ctx.quote ? t.name : `'${t.name}'`,
      }));
  }
  const base = result?.unit.mergedBase;
  if (!base) return [];
  if (ctx.kind === 'base-attr') {
    const here = ctx.path.length ? entryAt(base, ctx.path)?.value : base;
    if (!(here instanceof PyDict)) return [];
    return here
      .keys()
      .filter((k): k is string => typeof k === 'string' && /^[A-Za-z_]\w*$/.test(k) && k.startsWith(ctx.prefix))
      .map((k) => keyCandidate(k, here.get(k)!, here.entry(k)!.prov, k));
  }
  if (ctx.kind !== 'key') return [];
  const here = ctx.keyPath.length ? entryAt(base, ctx.keyPath)?.value : base;
  if (!(here instanceof PyDict)) return [];
  const out: CompletionCandidate[] = [];
  for (const e of here) {
    // Keys already set in this dict are not offered again (top-level names may be reassigned, so they stay).
    if (
      typeof e.key !== 'string' ||
      !e.key.startsWith(ctx.prefix) ||
      (ctx.keyPath.length && ctx.written.includes(e.key))
    )
      continue;
    out.push(keyCandidate(e.key, e.value, e.prov, ctx.keyPath.length ? `${e.key}=` : `${e.key} = `));
  }
  return out;
}

function keyCandidate(
  key: string,
  value: PyValue,
  prov: Provenance | undefined,
  insertText: string,
): CompletionCandidate {
  const full = formatValue(value, 12);
  const oneLine = full.split('\n')[0];
  return {
    label: key,
    kind: 'key',
    detail: oneLine.length > 60 || full.includes('\n') ? oneLine.slice(0, 57) + '...' : oneLine,
    documentation:
      '```python\n' + full + '\n```' + (prov && !prov.file.startsWith('<') ? `\n\nset in ${fileLink(prov)}` : ''),
    insertText,
  };
}
