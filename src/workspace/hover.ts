// Hover text (Markdown): the merged value, the file that wins, the chain it
// overrode (as file:line links) and, for computed values, what it was
// computed from. On a `_base_` entry: a summary of that base.

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { entryAt, PyDict, toPythonText, type LoadResult, type Provenance, type PyValue } from '../config/index';
import type { Range } from '../config/source';
import type { ConfigWorkspace } from './config-workspace';
import { cursorAt } from './cursor';
import { provenanceChain } from './navigation';
import type { Target } from './targets';

export interface HoverAnswer {
  markdown: string;
  /** The span the hover is about (the key, name or path under the cursor). */
  range: Range;
}

/** Hover at a position of a config: undefined when there is nothing to say. */
export function hover(ws: ConfigWorkspace, file: string, pos: { line: number; col: number }): HoverAnswer | undefined {
  const c = cursorAt(ws, file, pos);
  const markdown = c && hoverText(c.analysis.result, c.target, c.analysis.lastGood);
  return markdown ? { markdown, range: c.target.range } : undefined;
}

const MAX_LINES = 24;

/** A value as Python text, cut after MAX_LINES lines for big dicts. */
export function formatValue(v: PyValue, maxLines = MAX_LINES): string {
  const holder = new PyDict();
  holder.set('v', v);
  const lines = toPythonText(holder).text.replace(/^v = /, '').trimEnd().split('\n');
  if (lines.length <= maxLines) return lines.join('\n');
  return [...lines.slice(0, maxLines - 1), `... (${lines.length - maxLines + 1} more lines)`].join('\n');
}

export function fileLink(p: { file: string; range: { start: { line: number } } }): string {
  const line = p.range.start.line + 1;
  return `[${path.basename(p.file)}:${line}](${pathToFileURL(p.file).href}#L${line})`;
}

export function hoverText(result: LoadResult, target: Target, fallback?: LoadResult): string | undefined {
  const unit = result.unit;
  const stale = !unit.result && fallback ? '\n\n_(from the last version that loaded; this one has errors)_' : '';
  switch (target.kind) {
    case 'base-spec': {
      const ref = target;
      if (!ref.resolved || ref.missing) return `**_base_** \`${ref.spec}\`: not found${ref.resolved ? ` (looked for ${ref.resolved})` : ''}`;
      const bu = unit.baseUnits.find((b) => b.path === ref.resolved) ?? fallback?.unit.baseUnits.find((b) => b.path === ref.resolved);
      const out = [`**_base_** [${path.basename(ref.resolved)}](${pathToFileURL(ref.resolved).href})${ref.scope ? ` (scope \`${ref.scope}\`)` : ''}`];
      if (bu?.result) {
        const keys = bu.result.keys().map(String);
        out.push(`${keys.length} top-level keys: ${keys.slice(0, 12).map((k) => '`' + k + '`').join(', ')}${keys.length > 12 ? ', ...' : ''}`);
      } else if (bu?.failed) out.push('this base has errors');
      if (bu?.bases.length) out.push(`inherits from ${bu.bases.map((b) => '`' + b.spec + '`').join(', ')}`);
      return out.join('\n\n');
    }
    case 'base-path': {
      const base = unit.mergedBase ?? fallback?.unit.mergedBase;
      if (!base) return undefined;
      if (!target.path.length) return `**_base_**: the merged bases (${base.size} keys)`;
      const e = entryAt(base, target.path);
      if (!e) return `**_base_.${target.path.join('.')}**: not defined in the bases`;
      return describe(`_base_.${target.path.join('.')}`, e.value, e.prov) + stale;
    }
    case 'key': {
      const top = unit.result ?? fallback?.unit.result;
      if (!top) return undefined;
      const e = entryAt(top, target.keyPath);
      if (!e) return undefined;
      return describe(target.keyPath.map(String).join('.'), e.value, e.prov) + stale;
    }
    case 'name': {
      const own = unit.own ?? fallback?.unit.own;
      const e = own?.entry(target.name);
      if (!e) return undefined;
      return describe(target.name, e.value, e.prov) + stale;
    }
  }
}

function describe(title: string, value: PyValue, prov: Provenance | undefined): string {
  const out = [`**${title}**`, '```python\n' + formatValue(value) + '\n```'];
  const chain = provenanceChain(prov).filter((p) => !p.file.startsWith('<'));
  if (chain.length) out.push(`set in ${fileLink(chain[0])}${chain[0].via === 'cfg-options' ? ' (--cfg-options)' : ''}`);
  if (chain.length > 1) out.push(`overrides ${chain.slice(1).map(fileLink).join(' ← ')}`);
  const deps = prov?.deps?.filter((d) => d !== title);
  if (deps?.length) out.push(`computed from ${deps.map((d) => '`' + d + '`').join(', ')}`);
  return out.join('\n\n');
}
