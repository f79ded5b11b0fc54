// The merged preview's text: first what this config sets or changes (one
// `key = new  # was old (file:line)` line per change, in the order the file
// writes them, then what its bases still compute from values it changed), then
// the whole merged config as MMEngine prints it. Every line knows the place a
// "go to source" should open: for the first part the line of this file that
// sets the key, for the full text the file that wins. The only links shown as
// links are the `file:line` of the old values.

import * as path from 'node:path';
import type { LoadResult } from '../config/index';
import type { Provenance } from '../config/provenance';
import type { PyValue } from '../config/values';
import { configChanges, staleValues, type Change } from './config-changes';
import { flatValue, prettyAssignment, prettyConfig } from './pretty-config';
import { showKeyPath } from './trap-fix';

export interface ViewPlace {
  file: string;
  line: number;
  col: number;
}

export interface ViewLink {
  line: number;
  start: number;
  end: number;
  target: ViewPlace;
}

export interface MergedView {
  text: string;
  /** Per line of `text`: where "go to source" leads (null: nowhere). */
  lines: (ViewPlace | null)[];
  /** The `file:line` references of old values, the only spans shown as links. */
  links: ViewLink[];
  /** How many lines at the top are the focused part (before the full text). */
  focusLines: number;
}

const OLD_WIDTH = 48;

const place = (p: Provenance | undefined): ViewPlace | null =>
  p && !p.file.startsWith('<') ? { file: p.file, line: p.range.start.line, col: p.range.start.col } : null;

function short(v: PyValue): string {
  const s = flatValue(v);
  return s.length > OLD_WIDTH ? s.slice(0, OLD_WIDTH - 3) + '...' : s;
}

const where = (p: Provenance | undefined) =>
  p && !p.file.startsWith('<') ? `${path.basename(p.file)}:${p.range.start.line + 1}` : undefined;

export function mergedView(result: LoadResult): MergedView {
  const unit = result.unit;
  const config = result.config ?? unit.result;
  const text: string[] = [];
  const lines: (ViewPlace | null)[] = [];
  const links: ViewLink[] = [];
  const push = (t: string, p: ViewPlace | null) => {
    text.push(t);
    lines.push(p);
  };
  /** A comment ending with `(file:line)`, linked to that place. */
  const pushWithRef = (t: string, refProv: Provenance | undefined, p: ViewPlace | null) => {
    const ref = where(refProv);
    const target = place(refProv);
    if (!ref || !target) return push(t, p);
    const full = `${t} (${ref})`;
    links.push({ line: text.length, start: full.length - ref.length - 1, end: full.length - 1, target });
    push(full, p);
  };

  const changes = config && unit.baseUnits.length ? configChanges(unit) : [];
  const name = path.basename(unit.path);
  if (config && !unit.baseUnits.length) push(`# ${name} has no _base_: everything below is set here`, null);
  else if (changes.length) {
    const count = (k: Change['kind']) => changes.filter((c) => c.kind === k).length;
    const parts = [
      [count('changed') + count('replaced'), 'changed'],
      [count('new'), 'new'],
      [count('same'), 'as in the base'],
    ]
      .filter(([n]) => n)
      .map(([n, w]) => `${n} ${w}`);
    push(
      `# ${name} sets ${changes.length} key${changes.length === 1 ? '' : 's'}: ${parts.join(', ')}`,
      place({ file: unit.path, range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } } }),
    );
    for (const c of changes) {
      const key = showKeyPath(c.path);
      const valueLines = prettyAssignment(`${key} = `, c.value);
      const comment =
        c.kind === 'new'
          ? '  # new'
          : c.kind === 'same'
            ? '  # as in the base'
            : `  # ${c.kind === 'replaced' ? 'replaces' : 'was'} ${short(c.was!.value)}`;
      // The comment goes on the first line, where the key is.
      pushWithRef(`${valueLines[0]}${comment}`, c.kind === 'new' ? undefined : c.was?.prov, place(c.prov));
      for (const l of valueLines.slice(1)) push(l, place(c.prov));
    }
  } else if (config) push(`# ${name} sets nothing of its own: it is its bases merged`, null);
  const stale = config ? staleValues(unit) : [];
  if (stale.length) {
    push('#', null);
    push(
      `# Still computed by the bases from the old ${stale
        .flatMap((s) => s.names)
        .filter((n, i, a) => a.indexOf(n) === i)
        .join(', ')} (propagation trap):`,
      null,
    );
    for (const s of stale) pushWithRef(`#   ${showKeyPath(s.path)} = ${short(s.value)}`, s.prov, place(s.prov));
  }
  const focusLines = text.length;
  if (config) {
    push('', null);
    push('# ---- the merged config, as MMEngine prints it (keys sorted) ----', null);
    const full = prettyConfig(config);
    full.text
      .trimEnd()
      .split('\n')
      .forEach((l, i) => push(l, place(full.lines[i])));
  }
  return { text: text.join('\n') + '\n', lines, links, focusLines };
}
