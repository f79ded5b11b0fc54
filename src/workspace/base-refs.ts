// The `_base_` references of a file, read with the engine's parser and scope
// resolver but without evaluating anything: enough for the workspace index and
// for rename edits, for thousands of files.

import type { Expr } from '../config/ast';
import { parse } from '../config/parser';
import { resolveBase } from '../config/scope';
import { LineIndex, type Range } from '../config/source';

export interface BaseSpec {
  spec: string;
  /** The string literal, quotes included. */
  range: Range;
  /** Absolute path it resolves to; undefined when it cannot resolve (unknown scope). */
  resolved?: string;
  scope?: string;
}

export function readBaseSpecs(file: string, text: string, scopes: Record<string, string>): BaseSpec[] {
  // Most Python files have no `_base_`: skip parsing them.
  if (!text.includes('_base_')) return [];
  const { module } = parse(text);
  const lines = new LineIndex(text);
  const stmt = module.body.find((s) => s.kind === 'Assign' && s.targets[0].kind === 'Name' && s.targets[0].id === '_base_');
  if (!stmt || stmt.kind !== 'Assign') return [];
  const strings: Expr[] = stmt.value.kind === 'List' ? stmt.value.elts : [stmt.value];
  const out: BaseSpec[] = [];
  for (const e of strings) {
    if (e.kind !== 'Str' || e.bytes) continue;
    const ref: BaseSpec = { spec: e.value, range: lines.range(e.span) };
    try {
      const r = resolveBase(e.value, file, scopes);
      ref.resolved = r.path;
      ref.scope = r.scope;
    } catch {
      // Unknown scope: the loader reports it; the index just has no edge.
    }
    out.push(ref);
  }
  return out;
}
