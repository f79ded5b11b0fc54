// Python values as the evaluator sees them. int is a JS bigint and float a JS
// number, so `1` and `1.0` stay distinct all the way to the output; dicts keep
// insertion order and Python's key equality (1 == 1.0 == True); each dict entry
// carries the provenance of the code that set it.

import type { Provenance } from './provenance';

export type PyValue =
  null | boolean | bigint | number | string | PyList | PyTuple | PyDict | PySet | PyBytes | PyObject;

// ---- what a load may allocate ----

/**
 * Approximate bytes of values the load in progress has built, against a limit, so
 * no config (`[{} for _ in range(10**7)]`, `[[0] * 10**6] * ...`) can take the
 * process past its memory target. Charged where values are built; the figures are
 * V8's sizes for these objects (64-bit, no pointer compression), rounded up.
 */
export class AllocationBudget {
  used = 0;
  /** Items visited by loops inside one operation (see work()). */
  worked = 0;
  private nextPoll: number;
  constructor(
    readonly limit: number,
    /** Called every WORK_POLL units of work: throws to stop the load (LoadOptions.cancelled). */
    readonly poll?: () => void,
    readonly maxWork = MAX_WORK,
  ) {
    this.nextPoll = Math.min(WORK_POLL, maxWork + 1);
  }

  /** Past the next poll point: asks `poll`, and stops a load past maxWork. */
  pollWork(): void {
    this.nextPoll = Math.min(this.worked + WORK_POLL, this.maxWork + 1);
    if (this.worked > this.maxWork)
      throw new PyError(
        'NotSupported',
        'unsupported in configs: evaluation takes too long (a loop or an operation over a large value repeated too often)',
      );
    this.poll?.();
  }
  get due(): boolean {
    return this.worked >= this.nextPoll;
  }
}

/**
 * Items one load may visit inside operations the evaluator does not step through
 * (sum, `in`, ==, count, str methods, repr, iterating a range...): a two-line config
 * like `a = [0] * 10**6` / `x = [sum(a) for i in range(10**6)]` builds little but
 * would run for hours. 30-50 ns a unit: about two seconds, far past what a real config
 * does (a 20 MB config of dicts visits a few million items).
 */
export const MAX_WORK = 50_000_000;
/** How often (in units of work) a long operation asks whether to stop. */
const WORK_POLL = 1 << 20;

/** Counts `n` units of work (about one item visited) against the active budget. */
export function work(n: number): void {
  const b = activeBudget;
  if (!b) return;
  b.worked += n;
  if (b.due) b.pollWork();
}

/** A PyDict and its slot array's headers. */
export const BYTES_PER_DICT = 120;
/** A DictEntry and its slot (plus about 40 more in a dict large enough for an index). */
export const BYTES_PER_ENTRY = 64;
/** A list or tuple item: its slot and a share of the value in it. */
export const BYTES_PER_ITEM = 16;
/** A PyList or PyTuple and its array's headers. */
export const BYTES_PER_SEQUENCE = 64;

/** No config needs a longer string; one op past it (`'ab' * 10**8`) is a MemoryError before it is built. */
export const MAX_STRING_LENGTH = 16 * 1024 * 1024;

/** MemoryError if a string of `n` characters would be past MAX_STRING_LENGTH. */
export function checkStringLength(n: number): void {
  if (n > MAX_STRING_LENGTH)
    throw new PyError(
      'MemoryError',
      `a string of ${n} characters is too large for a config (YOLO Lab's limit is ${MAX_STRING_LENGTH})`,
    );
}

let activeBudget: AllocationBudget | undefined;

/** Runs fn with `budget` charged for everything built meanwhile (evaluation is synchronous: one at a time). */
export function withBudget<T>(budget: AllocationBudget | undefined, fn: () => T): T {
  const outer = activeBudget;
  activeBudget = budget;
  try {
    return fn();
  } finally {
    activeBudget = outer;
  }
}

/** The active budget's limit, if a load is in progress. */
export function budgetLimit(): number | undefined {
  return activeBudget?.limit;
}

/** Counts `bytes` against the active budget; MemoryError past its limit. */
export function charge(bytes: number): void {
  const b = activeBudget;
  if (b && (b.used += bytes) > b.limit) {
    activeBudget = undefined; // the error's own message must not be charged
    throw new PyError(
      'MemoryError',
      `the config builds more than ${Math.round(b.limit / 2 ** 20)} MiB of values (YOLO Lab's limit for one load; a config that large is almost certainly a mistake)`,
    );
  }
}

export class PyList {
  constructor(public items: PyValue[]) {
    charge(BYTES_PER_SEQUENCE + BYTES_PER_ITEM * items.length);
  }
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {
    charge(BYTES_PER_SEQUENCE + BYTES_PER_ITEM * items.length);
  }
}

export class PySet {
  readonly map = new Map<HashKey, PyValue>();
  constructor(
    items: PyValue[] = [],
    readonly frozen = false,
  ) {
    charge(BYTES_PER_DICT + BYTES_PER_ITEM * items.length);
    for (const v of items) this.map.set(hashKey(v), v);
  }
  get items(): PyValue[] {
    return [...this.map.values()];
  }
}

export class PyBytes {
  constructor(readonly latin1: string) {}
}

/** Functions, modules, classes, ranges and other objects that are not plain data. */
export class PyObject {
  constructor(
    readonly type: string, // Python qualified type name: 'builtins.builtin_function_or_method'
    readonly repr: string,
    readonly impl?: unknown,
  ) {}
}

export interface DictEntry {
  key: PyValue;
  value: PyValue;
  prov?: Provenance;
}

/** Past this many entries a dict keeps a hash index; below it a scan is faster and smaller than a Map. */
const SMALL_DICT = 8;
const NO_SLOTS: (DictEntry | undefined)[] = [];

/** Whether a stored key has hash identity `h` (see hashKey). */
function sameKey(k: PyValue, h: HashKey): boolean {
  if (typeof k === 'string' && k.charCodeAt(0) !== 0) return k === h;
  return hashKey(k) === h;
}

export class PyDict {
  /**
   * Entries in insertion order, in an array sized by hand (one grown by push keeps
   * 16 slots for 4 entries); a deleted entry leaves a hole until the array is next
   * rebuilt. Small dicts have no index: a config has millions of 4-key dicts.
   */
  private slots = NO_SLOTS;
  private used = 0;
  private holes = 0;
  /** Hash identity -> slot, once the dict is larger than SMALL_DICT. */
  private index: Map<HashKey, number> | undefined;
  /** ConfigDict (values read from a base): attribute access works on it. */
  configDict: boolean;
  constructor(configDict = false) {
    this.configDict = configDict;
    charge(BYTES_PER_DICT);
  }

  get size(): number {
    return this.used - this.holes;
  }

  private find(h: HashKey): number {
    if (this.index) return this.index.get(h) ?? -1;
    const slots = this.slots;
    for (let i = 0; i < this.used; i++) {
      const e = slots[i];
      if (e && sameKey(e.key, h)) return i;
    }
    return -1;
  }

  has(key: PyValue): boolean {
    return this.find(hashKey(key)) >= 0;
  }
  get(key: PyValue): PyValue | undefined {
    const i = this.find(hashKey(key));
    return i < 0 ? undefined : this.slots[i]!.value;
  }
  entry(key: PyValue): DictEntry | undefined {
    const i = this.find(hashKey(key));
    return i < 0 ? undefined : this.slots[i];
  }
  /** Python assignment: an existing key keeps its position and its first key object. */
  set(key: PyValue, value: PyValue, prov?: Provenance): void {
    const h = hashKey(key);
    const i = this.find(h);
    if (i >= 0) {
      const old = this.slots[i]!;
      old.value = value;
      old.prov = prov ?? old.prov;
    } else {
      charge(BYTES_PER_ENTRY);
      this.add(h, { key, value, prov });
    }
  }
  /** Adds an entry whose key is known not to be in the dict yet (copying another dict). */
  append(key: PyValue, value: PyValue, prov?: Provenance): void {
    charge(BYTES_PER_ENTRY);
    this.add(hashKey(key), { key, value, prov });
  }
  /**
   * Shares another dict's entry (its key must not be here yet): how a merged
   * config holds the entries it took unchanged, instead of copies. Shared entries
   * are never mutated: `put` replaces them.
   */
  adopt(e: DictEntry): void {
    this.add(hashKey(e.key), e);
  }
  /** Like `set`, but puts a new entry object in place of an existing one (which may be shared). */
  put(key: PyValue, value: PyValue, prov?: Provenance): void {
    const h = hashKey(key);
    const i = this.find(h);
    charge(BYTES_PER_ENTRY);
    if (i >= 0) this.slots[i] = { key: this.slots[i]!.key, value, prov };
    else this.add(h, { key, value, prov });
  }
  private add(h: HashKey, e: DictEntry): void {
    if (this.index) charge(40);
    if (this.used === this.slots.length) this.grow();
    const i = this.used++;
    this.slots[i] = e;
    if (this.index) this.index.set(h, i);
    else if (this.used - this.holes > SMALL_DICT) this.reindex();
  }
  /** A new array (never in place: an iterator in progress keeps reading the old one), holes dropped when many. */
  private grow(): void {
    const live = this.used - this.holes;
    const next = new Array<DictEntry | undefined>(Math.max(4, live * 2));
    let j = 0;
    for (let i = 0; i < this.used; i++) {
      const e = this.slots[i];
      if (e) next[j++] = e;
    }
    const moved = this.holes > 0;
    this.slots = next;
    this.used = j;
    this.holes = 0;
    // Without holes every entry keeps its slot number, and the index stays right.
    if (this.index && moved) this.reindex();
  }
  private reindex(): void {
    const index = new Map<HashKey, number>();
    for (let i = 0; i < this.used; i++) {
      const e = this.slots[i];
      if (e) index.set(hashKey(e.key), i);
    }
    this.index = index;
  }
  delete(key: PyValue): boolean {
    const h = hashKey(key);
    const i = this.find(h);
    if (i < 0) return false;
    this.slots[i] = undefined;
    this.holes++;
    this.index?.delete(h);
    return true;
  }
  clear(): void {
    this.slots = NO_SLOTS;
    this.used = this.holes = 0;
    this.index = undefined;
  }
  keys(): PyValue[] {
    const out: PyValue[] = [];
    for (const e of this) out.push(e.key);
    return out;
  }
  values(): PyValue[] {
    const out: PyValue[] = [];
    for (const e of this) out.push(e.value);
    return out;
  }
  /** Entries in order; deleting during the walk is fine (as with a Map). */
  [Symbol.iterator](): IterableIterator<DictEntry> {
    return new DictIterator(
      () => this.slots,
      () => this.used,
    );
  }
}

class DictIterator implements IterableIterator<DictEntry> {
  private i = 0;
  private readonly start: (DictEntry | undefined)[];
  constructor(
    private readonly slotsOf: () => (DictEntry | undefined)[],
    private readonly usedOf: () => number,
  ) {
    this.start = slotsOf();
  }
  next(): IteratorResult<DictEntry> {
    // After the dict rebuilt its array, finish the one this walk started on.
    const slots = this.start;
    const end = this.slotsOf() === slots ? this.usedOf() : slots.length;
    while (this.i < end) {
      const e = slots[this.i++];
      if (e) return { value: e, done: false };
    }
    return { value: undefined, done: true };
  }
  [Symbol.iterator](): IterableIterator<DictEntry> {
    return this;
  }
}

/** `target.push(...items)` without the spread, which overflows the stack past ~100k items. */
export function appendAll<T>(target: T[], items: readonly T[]): void {
  charge(BYTES_PER_ITEM * items.length);
  for (let i = 0; i < items.length; i++) target.push(items[i]);
}

export class PyError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
  ) {
    super(message);
  }
}

// ---- type names, truthiness, hashing, equality ----

export function typeName(v: PyValue): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'number':
      return 'float';
    case 'string':
      return 'str';
  }
  if (v instanceof PyList) return 'list';
  if (v instanceof PyTuple) return 'tuple';
  if (v instanceof PyDict) return v.configDict ? 'ConfigDict' : 'dict';
  if (v instanceof PySet) return v.frozen ? 'frozenset' : 'set';
  if (v instanceof PyBytes) return 'bytes';
  return (v as PyObject).type.replace(/^builtins\./, '');
}

export function truthy(v: PyValue): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean':
      return v;
    case 'bigint':
      return v !== 0n;
    case 'number':
      return v !== 0; // NaN is truthy in Python too
    case 'string':
      return v.length > 0;
  }
  if (v instanceof PyList || v instanceof PyTuple) return v.items.length > 0;
  if (v instanceof PyDict) return v.size > 0;
  if (v instanceof PySet) return v.map.size > 0;
  if (v instanceof PyBytes) return v.latin1.length > 0;
  if (v instanceof PyObject && v.type === 'builtins.range') return (v.impl as { len: number }).len > 0;
  return true;
}

/** A Map key with Python's key equality: equal keys (1, 1.0, True) give the same HashKey. */
export type HashKey = string | bigint | number;

/**
 * Python hash identity as a Map key. A str is its own key (no allocation: a large
 * config has millions of keys); ints, bools and integral floats are bigints;
 * other floats are numbers; everything else is a string tagged with a leading NUL,
 * which is also prefixed to the rare str that starts with one.
 */
export function hashKey(v: PyValue): HashKey {
  if (typeof v === 'string') return v.charCodeAt(0) === 0 ? '\u0000s' + v : v;
  switch (typeof v) {
    case 'bigint':
      return v;
    case 'boolean':
      return v ? 1n : 0n;
    case 'number':
      return Number.isInteger(v) ? BigInt(v) : v;
  }
  return '\u0000' + hashString(v);
}

/** The string form of a key's identity (tuples, frozensets: their items' identities joined). */
function hashString(v: PyValue): string {
  if (v === null) return 'N';
  switch (typeof v) {
    case 'boolean':
      return v ? 'n1' : 'n0';
    case 'bigint':
      return 'n' + v.toString();
    case 'number':
      if (Number.isInteger(v)) return 'n' + BigInt(v).toString();
      return 'f' + String(v);
    case 'string':
      return 's' + v;
  }
  if (v instanceof PyTuple) {
    // Hashing an item (its identity as a string) costs several units.
    work(8 * v.items.length);
    return 't(' + v.items.map(hashString).join(',') + ')';
  }
  if (v instanceof PyBytes) return 'b' + v.latin1;
  if (v instanceof PySet && v.frozen) return 'z(' + v.items.map(hashString).sort().join(',') + ')';
  if (v instanceof PyObject) return 'o' + v.repr;
  throw new PyError('TypeError', `unhashable type: '${typeName(v)}'`);
}

export function isNumber(v: PyValue): v is boolean | bigint | number {
  return typeof v === 'boolean' || typeof v === 'bigint' || typeof v === 'number';
}

export function pyEquals(a: PyValue, b: PyValue): boolean {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a === 'number' || typeof b === 'number') return toFloat(a) === toFloat(b);
    return toInt(a) === toInt(b);
  }
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  if (a === null || b === null) return a === b;
  if (a instanceof PyList && b instanceof PyList) return seqEquals(a.items, b.items);
  if (a instanceof PyTuple && b instanceof PyTuple) return seqEquals(a.items, b.items);
  if (a instanceof PyDict && b instanceof PyDict) {
    if (a.size !== b.size) return false;
    work(a.size);
    for (const e of a) {
      const o = b.entry(e.key);
      if (!o || !pyEquals(e.value, o.value)) return false;
    }
    return true;
  }
  if (a instanceof PySet && b instanceof PySet)
    return a.map.size === b.map.size && [...a.map.keys()].every((k) => b.map.has(k));
  if (a instanceof PyBytes && b instanceof PyBytes) return a.latin1 === b.latin1;
  return a === b;
}

function seqEquals(a: PyValue[], b: PyValue[]): boolean {
  if (a.length !== b.length) return false;
  work(a.length);
  return a.every((x, i) => pyEquals(x, b[i]));
}

export function toInt(v: boolean | bigint | number): bigint {
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'bigint') return v;
  return BigInt(Math.trunc(v));
}

export function toFloat(v: boolean | bigint | number): number {
  if (typeof v === 'boolean') return v ? 1 : 0;
  return Number(v);
}

// ---- repr / str ----

export function floatRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // Shortest round-trip digits, laid out as Python's repr does (exponent form
  // below 1e-4 and from 1e16 on).
  const [mant, expText] = x.toExponential().split('e');
  const exp = Number(expText);
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  let out: string;
  if (exp < -4 || exp >= 16) {
    const m = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    out = `${m}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  } else if (exp < 0) {
    out = '0.' + '0'.repeat(-exp - 1) + digits;
  } else if (digits.length <= exp + 1) {
    out = digits + '0'.repeat(exp + 1 - digits.length) + '.0';
  } else {
    out = digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  }
  return neg ? '-' + out : out;
}

/** Characters str.__repr__ writes as escapes (or that decide the quote). */
const REPR_SPECIAL = /[\\'"\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]/u;
const REPR_ESCAPED = /[\\'"\u0000-\u001f\u007f-\u009f\u00ad\u200b-\u200f\u2028\u2029\ufeff\ud800-\udfff]/gu;

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  // Most strings need no escape: no per-character work (a config may hold a 10 MB string).
  if (!REPR_SPECIAL.test(s)) return quote + s + quote;
  return (
    quote +
    s.replace(REPR_ESCAPED, (ch) => {
      const c = ch.codePointAt(0)!;
      if (ch === '\\') return '\\\\';
      if (ch === quote) return '\\' + quote;
      if (ch === "'" || ch === '"') return ch;
      if (ch === '\n') return '\\n';
      if (ch === '\r') return '\\r';
      if (ch === '\t') return '\\t';
      if (c < 0x20 || (c >= 0x7f && c < 0xa0) || c === 0xad) return '\\x' + c.toString(16).padStart(2, '0');
      return '\\u' + c.toString(16).padStart(4, '0');
    }) +
    quote
  );
}

export function bytesRepr(b: string): string {
  const quote = b.includes("'") && !b.includes('"') ? '"' : "'";
  let out = 'b' + quote;
  for (let i = 0; i < b.length; i++) {
    const c = b.charCodeAt(i);
    const ch = b[i];
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c >= 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + quote;
}

export function repr(v: PyValue, seen: Set<unknown> = new Set()): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return v.toString();
    case 'number':
      return floatRepr(v);
    case 'string':
      return strRepr(v);
  }
  if (v instanceof PyBytes) return bytesRepr(v.latin1);
  if (v instanceof PyObject) return v.repr;
  if (seen.has(v)) return v instanceof PyList ? '[...]' : v instanceof PyDict ? '{...}' : '(...)';
  work(v instanceof PyDict ? v.size : v instanceof PySet ? v.map.size : v.items.length);
  seen.add(v);
  try {
    if (v instanceof PyList) return '[' + v.items.map((x) => repr(x, seen)).join(', ') + ']';
    if (v instanceof PyTuple)
      return v.items.length === 1
        ? '(' + repr(v.items[0], seen) + ',)'
        : '(' + v.items.map((x) => repr(x, seen)).join(', ') + ')';
    if (v instanceof PySet) {
      if (!v.map.size) return v.frozen ? 'frozenset()' : 'set()';
      const inner = '{' + v.items.map((x) => repr(x, seen)).join(', ') + '}';
      return v.frozen ? `frozenset(${inner})` : inner;
    }
    return '{' + [...v].map((e) => repr(e.key, seen) + ': ' + repr(e.value, seen)).join(', ') + '}';
  } finally {
    seen.delete(v);
  }
}

export function str(v: PyValue): string {
  return typeof v === 'string' ? v : repr(v);
}

/** A fresh tree with no shared containers: what MMEngine's ConfigDict conversion does at each file boundary. */
export function cloneTree(v: PyValue, asConfigDict = true): PyValue {
  if (v instanceof PyDict) {
    const d = new PyDict(asConfigDict);
    for (const e of v) d.append(e.key, cloneTree(e.value, asConfigDict), e.prov);
    return d;
  }
  if (v instanceof PyList) return new PyList(v.items.map((x) => cloneTree(x, asConfigDict)));
  if (v instanceof PyTuple) return new PyTuple(v.items.map((x) => cloneTree(x, asConfigDict)));
  return v;
}
