// Where a value came from: the file and range that set it, what it overrode,
// and the names its expression read. Features (hover, go-to, lint, preview)
// read this instead of re-parsing text.

import type { Range } from './source';

export interface Provenance {
  file: string;
  /** The key or assignment target that set the value. */
  range: Range;
  /** The value expression. */
  valueRange?: Range;
  /** Names and `_base_.a.b` paths the value was computed from. */
  deps?: string[];
  /** Earlier settings of the same key that this one replaced or merged over, nearest first. */
  overridden?: Provenance[];
  /** How it was set: written in a file, merged from a base dict, or from --cfg-options. */
  via?: 'assign' | 'merge' | 'cfg-options' | 'template' | 'scope';
}

/** The provenance of a child value that replaces or merges over a base value. */
export function overriding(child: Provenance | undefined, base: Provenance | undefined): Provenance | undefined {
  if (!child) return base;
  if (!base || base === child) return child;
  return { ...child, overridden: [base, ...(base.overridden ?? [])] };
}
