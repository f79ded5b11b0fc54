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
 * The spans of one file's provenance records, four int32s each (target start/end,
 * value start/end, -1 when there is no value) in one growing typed array: a large
 * config has millions of entries, and spans kept outside the JS heap cost the
 * garbage collector nothing.
 */
export class SpanTable {
  private data = new Int32Array(256);
  private count = 0;
  constructor(readonly locator: SpanLocator) {}

  add(start: number, end: number, valueStart: number, valueEnd: number): number {
    if ((this.count + 1) * 4 > this.data.length) {
      const bigger = new Int32Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const i = this.count++;
    const d = this.data;
    d[i * 4] = start;
    d[i * 4 + 1] = end;
    d[i * 4 + 2] = valueStart;
    d[i * 4 + 3] = valueEnd;
    return i;
  }

  range(i: number): Range {
    return this.locator.rangeOf(this.data[i * 4], this.data[i * 4 + 1]);
  }

  valueRange(i: number): Range | undefined {
    const s = this.data[i * 4 + 2];
    return s < 0 ? undefined : this.locator.rangeOf(s, this.data[i * 4 + 3]);
  }
}

/**
 * A provenance written in a file, keeping an index into its file's SpanTable and
 * computing `range` and `valueRange` when asked: few of a large config's entries
 * are ever shown, so eager Range objects would be most of its memory. Three
 * fields: `via` is 'assign' and nothing is overridden; `with` makes the rarer
 * kind that records both.
 */
export class SourceProvenance implements Provenance {
  constructor(
    protected readonly spans: SpanTable,
    protected readonly index: number,
    readonly deps: string[] | undefined,
  ) {}

  get file(): string {
    return this.spans.locator.file;
  }

  get range(): Range {
    return this.spans.range(this.index);
  }

  get valueRange(): Range | undefined {
    return this.spans.valueRange(this.index);
  }

  get via(): Provenance['via'] {
    return 'assign';
  }

  get overridden(): Provenance[] | undefined {
    return undefined;
  }

  /** A copy with some fields changed (spreading a class instance would lose the ranges). */
  with(changes: Pick<Provenance, 'deps' | 'via' | 'overridden'>): SourceProvenance {
    const pick = <K extends 'deps' | 'via' | 'overridden'>(k: K) => (k in changes ? changes[k] : this[k]);
    return new DerivedSourceProvenance(this.spans, this.index, pick('deps'), pick('via'), pick('overridden'));
  }

  /** The plain form (JSON, structured clone): never the table and the text behind it. */
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

/** A SourceProvenance that overrode others or came by another way than assignment. */
class DerivedSourceProvenance extends SourceProvenance {
  constructor(
    spans: SpanTable,
    index: number,
    deps: string[] | undefined,
    private readonly how: Provenance['via'],
    private readonly before: Provenance[] | undefined,
  ) {
    super(spans, index, deps);
  }

  override get via(): Provenance['via'] {
    return this.how;
  }

  override get overridden(): Provenance[] | undefined {
    return this.before;
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
