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

/** Turns character offsets of one file's (substituted) text into line/column ranges. */
export interface SpanLocator {
  readonly file: string;
  rangeOf(start: number, end: number): Range;
}

/**
 * A provenance written in a file, keeping offsets and computing `range` and
 * `valueRange` when asked: a large config has millions of entries and few are
 * ever shown, so eager Range objects would be most of its memory.
 */
export class SourceProvenance implements Provenance {
  readonly file: string;
  constructor(
    private readonly locator: SpanLocator,
    private readonly start: number,
    private readonly end: number,
    private readonly valueStart: number,
    private readonly valueEnd: number,
    readonly deps: string[] | undefined,
    readonly via: Provenance['via'],
    readonly overridden?: Provenance[],
  ) {
    this.file = locator.file;
  }

  get range(): Range {
    return this.locator.rangeOf(this.start, this.end);
  }

  get valueRange(): Range | undefined {
    return this.valueStart < 0 ? undefined : this.locator.rangeOf(this.valueStart, this.valueEnd);
  }

  /** A copy with some fields changed (spreading a class instance would lose the ranges). */
  with(changes: Pick<Provenance, 'deps' | 'via' | 'overridden'>): SourceProvenance {
    const pick = <K extends 'deps' | 'via' | 'overridden'>(k: K) => (k in changes ? changes[k] : this[k]);
    return new SourceProvenance(this.locator, this.start, this.end, this.valueStart, this.valueEnd, pick('deps'), pick('via'), pick('overridden'));
  }

  /** The plain form (JSON, structured clone): never the locator and the text behind it. */
  toJSON(): Provenance {
    const out: Provenance = { file: this.file, range: this.range };
    const vr = this.valueRange;
    if (vr) out.valueRange = vr;
    if (this.deps) out.deps = this.deps;
    if (this.overridden) out.overridden = this.overridden;
    if (this.via) out.via = this.via;
    return out;
  }
}

/** `p` with some fields changed, whether it is a plain object or a SourceProvenance. */
export function withProvenance(p: Provenance, changes: Pick<Provenance, 'deps' | 'via' | 'overridden'>): Provenance {
  return p instanceof SourceProvenance ? p.with(changes) : { ...p, ...changes };
}

/** The provenance of a child value that replaces or merges over a base value. */
export function overriding(child: Provenance | undefined, base: Provenance | undefined): Provenance | undefined {
  if (!child) return base;
  if (!base || base === child) return child;
  return withProvenance(child, { overridden: [base, ...(base.overridden ?? [])] });
}
