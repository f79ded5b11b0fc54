// Hover text (Markdown): the merged value, the file that wins, every value it
// overrode down the chain with the file:line that set it and, for computed
// values, what it was computed from. On a `_base_` entry: a summary of that
// base. Key and file names are escaped, so `_base_.x` is not read as emphasis.

import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  entryAt,
  PyDict,
  toPythonText,
  unitsOf,
  type FileUnit,
  type LoadResult,
  type Provenance,
  type PyValue,
} from '../config/index';
import type { Range } from '../config/source';
import { repr } from '../config/values';
import type { ConfigWorkspace } from './config-workspace';
import { cursorAt } from './cursor';
import { provenanceChain } from './navigation';
import type { KeyPath, Target } from './targets';

export interface HoverAnswer {
  markdown: string;
  /** The span the hover is about (the key, name or path under the cursor). */
  range: Range;
}

export interface HoverOptions {
  /** Untrusted workspace: environment variables were not read (placeholders stand for them). */
  restricted?: boolean;
}

/** Hover at a position of a config: undefined when there is nothing to say. */
export function hover(ws: ConfigWorkspace, file: string, pos: { line: number; col: number }): HoverAnswer | undefined {
  const c = cursorAt(ws, file, pos);
  const markdown = c && hoverText(c.analysis.result, c.target, c.analysis.lastGood, { restricted: !ws.trusted });
  return markdown ? { markdown, range: c.target.range } : undefined;
}

const MAX_LINES = 24;
const INLINE_CHARS = 80;

/** A value as Python text, cut after MAX_LINES lines for big dicts. */
export function formatValue(v: PyValue, maxLines = MAX_LINES): string {
  const holder = new PyDict();
  holder.set('v', v);
  const lines = toPythonText(holder).text.replace(/^v = /, '').trimEnd().split('\n');
  if (lines.length <= maxLines) return lines.join('\n');
  return [...lines.slice(0, maxLines - 1), `... (${lines.length - maxLines + 1} more lines)`].join('\n');
}

/** A value on one line (Python's repr for what does not fit on one), cut at INLINE_CHARS. */
function inlineValue(v: PyValue): string {
  const full = formatValue(v, 2);
  const one = full.includes('\n') ? repr(v) : full;
  return one.length > INLINE_CHARS ? one.slice(0, INLINE_CHARS - 1) + '…' : one;
}

/** Markdown inline code that survives backticks in the text. */
function code(s: string): string {
  const runs = s.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  return fence.length > 1 || s.startsWith(' ') || s.endsWith(' ') ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

/** Text shown literally in Markdown: `_base_.img_scale` stays as written, not *base*.img_scale. */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_[\]<>#|~!]/g, '\\$&');
}

export function fileLink(p: { file: string; range: { start: { line: number } } }): string {
  const line = p.range.start.line + 1;
  return `[${escapeMarkdown(path.basename(p.file))}:${line}](${pathToFileURL(p.file).href}#L${line})`;
}

export function hoverText(
  result: LoadResult,
  target: Target,
  fallback?: LoadResult,
  opts: HoverOptions = {},
): string | undefined {
  const unit = result.unit;
  const stale = !unit.result && fallback ? '\n\n_(from the last version that loaded; this one has errors)_' : '';
  // Values by key path as each file of the chain left them, for "overrides 0.33 in s.py:62".
  const units = unit.result ? unit : (fallback?.unit ?? unit);
  switch (target.kind) {
    case 'base-spec': {
      const ref = target;
      const title = `**${escapeMarkdown('_base_')}**`;
      if (!ref.resolved || ref.missing)
        return `${title} ${code(ref.spec)}: not found${ref.resolved ? ` (looked for ${code(ref.resolved)})` : ''}`;
      const bu =
        unit.baseUnits.find((b) => b.path === ref.resolved) ??
        fallback?.unit.baseUnits.find((b) => b.path === ref.resolved);
      const out = [
        `${title} [${escapeMarkdown(path.basename(ref.resolved))}](${pathToFileURL(ref.resolved).href})${ref.scope ? ` (scope ${code(ref.scope)})` : ''}`,
      ];
      if (bu?.result) {
        const keys = bu.result.keys().map(String);
        out.push(
          `${keys.length} top-level keys: ${keys.slice(0, 12).map(code).join(', ')}${keys.length > 12 ? ', ...' : ''}`,
        );
      } else if (bu?.failed) out.push('this base has errors');
      if (bu?.bases.length) out.push(`inherits from ${bu.bases.map((b) => code(b.spec)).join(', ')}`);
      return out.join('\n\n');
    }
    case 'base-path': {
      const base = unit.mergedBase ?? fallback?.unit.mergedBase;
      if (!base) return undefined;
      const title = ['_base_', ...target.path].join('.');
      if (!target.path.length) return `**${escapeMarkdown(title)}**: the merged bases (${base.size} keys)`;
      const e = entryAt(base, target.path);
      if (!e) return `**${escapeMarkdown(title)}**: not defined in the bases`;
      return describe(title, e.value, e.prov, valuesByFile(units, target.path), opts) + stale;
    }
    case 'key': {
      const top = unit.result ?? fallback?.unit.result;
      if (!top) return undefined;
      const e = entryAt(top, target.keyPath);
      if (!e) return undefined;
      return (
        describe(target.keyPath.map(String).join('.'), e.value, e.prov, valuesByFile(units, target.keyPath), opts) +
        stale
      );
    }
    case 'name': {
      const own = unit.own ?? fallback?.unit.own;
      const e = own?.entry(target.name);
      if (!e) return undefined;
      return describe(target.name, e.value, e.prov, valuesByFile(units, [target.name]), opts) + stale;
    }
  }
}

/** For each file of the inheritance tree: the value at `keyPath` once that file was merged over its bases. */
function valuesByFile(unit: FileUnit, keyPath: KeyPath): Map<string, PyValue> {
  const out = new Map<string, PyValue>();
  for (const u of unitsOf(unit)) {
    const e = u.result && entryAt(u.result, keyPath);
    if (e) out.set(u.path, e.value);
  }
  return out;
}

function describe(
  title: string,
  value: PyValue,
  prov: Provenance | undefined,
  values: Map<string, PyValue>,
  opts: HoverOptions,
): string {
  const shown = formatValue(value);
  const out = [`**${escapeMarkdown(title)}**`, '```python\n' + shown + '\n```'];
  const chain = provenanceChain(prov).filter((p) => !p.file.startsWith('<'));
  if (chain.length) out.push(`set in ${fileLink(chain[0])}${chain[0].via === 'cfg-options' ? ' (--cfg-options)' : ''}`);
  if (chain.length > 1) {
    // A file that set the key twice shows its final value once; the earlier setting is named without a value.
    const seen = new Set<string>([chain[0].file]);
    const lines = chain.slice(1).map((p) => {
      const v = seen.has(p.file) ? undefined : values.get(p.file);
      seen.add(p.file);
      return `- ${v === undefined ? '' : `${code(inlineValue(v))} in `}${fileLink(p)}`;
    });
    out.push(`overrides:\n${lines.join('\n')}`);
  }
  const deps = prov?.deps?.filter((d) => d !== title);
  if (deps?.length) out.push(`computed from ${deps.map(code).join(', ')}`);
  if (opts.restricted && /\$\{\w+\}/.test(shown))
    out.push('_Restricted Mode: environment variables are not read; `${NAME}` stands for the value of `NAME`._');
  return out.join('\n\n');
}
