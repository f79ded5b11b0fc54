// Python values as the evaluator sees them. int is a JS bigint and float a JS
// number, so `1` and `1.0` stay distinct all the way to the output; dicts keep
// insertion order and Python's key equality (1 == 1.0 == True); each dict entry
// carries the provenance of the code that set it.

import type { Provenance } from './provenance';

export type PyValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | PyList
  | PyTuple
  | PyDict
  | PySet
  | PyBytes
  | PyObject;

export class PyList {
  constructor(public items: PyValue[]) {}
}

export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

export class PySet {
  readonly map = new Map<HashKey, PyValue>();
  constructor(items: PyValue[] = [], readonly frozen = false) {
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

export class PyDict {
  readonly entries = new Map<HashKey, DictEntry>();
  /** ConfigDict (values read from a base): attribute access works on it. */
  configDict: boolean;
  constructor(configDict = false) {
    this.configDict = configDict;
  }

  get size(): number {
    return this.entries.size;
  }
  has(key: PyValue): boolean {
    return this.entries.has(hashKey(key));
  }
  get(key: PyValue): PyValue | undefined {
    return this.entries.get(hashKey(key))?.value;
  }
  entry(key: PyValue): DictEntry | undefined {
    return this.entries.get(hashKey(key));
  }
  /** Python assignment: an existing key keeps its position and its first key object. */
  set(key: PyValue, value: PyValue, prov?: Provenance): void {
    const h = hashKey(key);
    const old = this.entries.get(h);
    if (old) {
      old.value = value;
      old.prov = prov ?? old.prov;
    } else this.entries.set(h, { key, value, prov });
  }
  delete(key: PyValue): boolean {
    return this.entries.delete(hashKey(key));
  }
  keys(): PyValue[] {
    return [...this.entries.values()].map((e) => e.key);
  }
  values(): PyValue[] {
    return [...this.entries.values()].map((e) => e.value);
  }
  *[Symbol.iterator](): IterableIterator<DictEntry> {
    yield* this.entries.values();
  }
}

/** `target.push(...items)` without the spread, which overflows the stack past ~100k items. */
export function appendAll<T>(target: T[], items: readonly T[]): void {
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
    case 'boolean': return 'bool';
    case 'bigint': return 'int';
    case 'number': return 'float';
    case 'string': return 'str';
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
    case 'boolean': return v;
    case 'bigint': return v !== 0n;
    case 'number': return v !== 0; // NaN is truthy in Python too
    case 'string': return v.length > 0;
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
    case 'bigint': return v;
    case 'boolean': return v ? 1n : 0n;
    case 'number': return Number.isInteger(v) ? BigInt(v) : v;
  }
  return '\u0000' + hashString(v);
}

/** The string form of a key's identity (tuples, frozensets: their items' identities joined). */
function hashString(v: PyValue): string {
  if (v === null) return 'N';
  switch (typeof v) {
    case 'boolean': return v ? 'n1' : 'n0';
    case 'bigint': return 'n' + v.toString();
    case 'number':
      if (Number.isInteger(v)) return 'n' + BigInt(v).toString();
      return 'f' + String(v);
    case 'string': return 's' + v;
  }
  if (v instanceof PyTuple) return 't(' + v.items.map(hashString).join(',') + ')';
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
    for (const e of a) {
      const o = b.entry(e.key);
      if (!o || !pyEquals(e.value, o.value)) return false;
    }
    return true;
  }
  if (a instanceof PySet && b instanceof PySet) return a.map.size === b.map.size && [...a.map.keys()].every((k) => b.map.has(k));
  if (a instanceof PyBytes && b instanceof PyBytes) return a.latin1 === b.latin1;
  return a === b;
}

function seqEquals(a: PyValue[], b: PyValue[]): boolean {
  return a.length === b.length && a.every((x, i) => pyEquals(x, b[i]));
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

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === quote) out += '\\' + quote;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c >= 0x80 && c < 0xa0) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c === 0xad) out += '\\xad';
    else if ((c >= 0xd800 && c < 0xe000) || c === 0x2028 || c === 0x2029 || (c >= 0x200b && c <= 0x200f) || c === 0xfeff) {
      out += c > 0xffff ? '\\U' + c.toString(16).padStart(8, '0') : '\\u' + c.toString(16).padStart(4, '0');
    } else out += ch;
  }
  return out + quote;
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
    case 'boolean': return v ? 'True' : 'False';
    case 'bigint': return v.toString();
    case 'number': return floatRepr(v);
    case 'string': return strRepr(v);
  }
  if (v instanceof PyBytes) return bytesRepr(v.latin1);
  if (v instanceof PyObject) return v.repr;
  if (seen.has(v)) return v instanceof PyList ? '[...]' : v instanceof PyDict ? '{...}' : '(...)';
  seen.add(v);
  try {
    if (v instanceof PyList) return '[' + v.items.map((x) => repr(x, seen)).join(', ') + ']';
    if (v instanceof PyTuple) return v.items.length === 1 ? '(' + repr(v.items[0], seen) + ',)' : '(' + v.items.map((x) => repr(x, seen)).join(', ') + ')';
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
    for (const e of v) d.entries.set(hashKey(e.key), { key: e.key, value: cloneTree(e.value, asConfigDict), prov: e.prov });
    return d;
  }
  if (v instanceof PyList) return new PyList(v.items.map((x) => cloneTree(x, asConfigDict)));
  if (v instanceof PyTuple) return new PyTuple(v.items.map((x) => cloneTree(x, asConfigDict)));
  return v;
}
