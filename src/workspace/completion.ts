// Completion candidates: inside `dict(...)` of a config, the keys the bases
// define at that key path (with their current values); after `type=`, the
// types the trainer knows.

import { entryAt, PyDict, type LoadResult } from '../config/index';
import { completionContext } from './completion-context';
import { fileLink, formatValue } from './hover';
import { KNOWN_TYPES } from './registry-types';

export interface CompletionCandidate {
  label: string;
  kind: 'key' | 'type';
  /** One-line current value, or the type's role. */
  detail: string;
  /** Markdown: the full value and where it is set. */
  documentation?: string;
  insertText: string;
}

export function completions(text: string, offset: number, result: LoadResult | undefined): CompletionCandidate[] {
  const ctx = completionContext(text, offset);
  if (ctx.kind === 'type-value') {
    return Object.entries(KNOWN_TYPES)
      .filter(([t]) => t.startsWith(ctx.prefix) || t.replace(/^mmdet\./, '').startsWith(ctx.prefix))
      .map(([t, role]) => ({ label: t, kind: 'type', detail: role, insertText: ctx.quote ? t : `'${t}'` }));
  }
  if (ctx.kind !== 'key') return [];
  const base = result?.unit.mergedBase;
  if (!base) return [];
  const here = ctx.keyPath.length ? entryAt(base, ctx.keyPath)?.value : base;
  if (!(here instanceof PyDict)) return [];
  const out: CompletionCandidate[] = [];
  for (const e of here) {
    // Keys already set in this dict are not offered again (top-level names may be reassigned, so they stay).
    if (typeof e.key !== 'string' || !e.key.startsWith(ctx.prefix) || (ctx.keyPath.length && ctx.written.includes(e.key))) continue;
    const full = formatValue(e.value, 12);
    const oneLine = full.split('\n')[0];
    out.push({
      label: e.key,
      kind: 'key',
      detail: oneLine.length > 60 || full.includes('\n') ? oneLine.slice(0, 57) + '...' : oneLine,
      documentation: '```python\n' + full + '\n```' + (e.prov && !e.prov.file.startsWith('<') ? `\n\nset in ${fileLink(e.prov)}` : ''),
      insertText: ctx.keyPath.length ? `${e.key}=` : `${e.key} = `,
    });
  }
  return out;
}
