// The builtin functions configs call (dict, list, range, round, zip, ...),
// with Python's results: round() is banker's rounding, max() keeps the first of
// equal values, int() truncates toward zero, str() of a float is its repr.

import { formatSpec } from './format';
import { binaryOp, sortKeyCompare } from './operators';
import {
  PyBytes,
  PyDict,
  PyError,
  PyList,
  PyObject,
  PySet,
  PyTuple,
  type PyValue,
  BYTES_PER_ITEM,
  charge,
  isNumber,
  work,
  repr,
  str,
  toFloat,
  toInt,
  truthy,
  typeName,
} from './values';

export type Kwargs = [string, PyValue][];
export type PyCallable = (args: PyValue[], kwargs: Kwargs) => PyValue;

export interface RangeImpl {
  start: bigint;
  stop: bigint;
  step: bigint;
  len: number;
}

export function builtinFunction(name: string, fn: PyCallable, qualifier = 'builtins'): PyObject {
  return new PyObject('builtins.builtin_function_or_method', `<built-in function ${name}>`, {
    call: fn,
    name,
    qualifier,
  });
}

export function callableOf(v: PyValue): PyCallable | undefined {
  if (v instanceof PyObject && v.impl && typeof (v.impl as { call?: unknown }).call === 'function')
    return (v.impl as { call: PyCallable }).call;
  return undefined;
}

const MAX_ITER = 10_000_000;

/** Materialises anything iterable the way `list(x)` would. */
export function iterate(v: PyValue): PyValue[] {
  // Whoever iterates visits every item: counted as work (sum(a) in a loop is quadratic).
  if (v instanceof PyList || v instanceof PyTuple) {
    work(v.items.length);
    return v.items;
  }
  if (typeof v === 'string') {
    charge(BYTES_PER_ITEM * v.length);
    work(v.length);
    return [...v];
  }
  if (v instanceof PyDict) {
    work(v.size);
    return v.keys();
  }
  if (v instanceof PySet) {
    work(v.map.size);
    return v.items;
  }
  if (v instanceof PyBytes) {
    charge(BYTES_PER_ITEM * 2 * v.latin1.length);
    work(v.latin1.length);
    return [...v.latin1].map((c) => BigInt(c.charCodeAt(0)));
  }
  if (v instanceof PyObject) {
    if (v.type === 'builtins.range') {
      const r = v.impl as RangeImpl;
      if (r.len > MAX_ITER) throw new PyError('MemoryError', `range of ${r.len} items is too large for a config`);
      // A bigint and a slot per item.
      charge(BYTES_PER_ITEM * 3 * r.len);
      work(r.len);
      const out: PyValue[] = [];
      for (let i = 0, x = r.start; i < r.len; i++, x += r.step) out.push(x);
      return out;
    }
    const items = (v.impl as { items?: () => PyValue[] })?.items;
    if (items) return items();
  }
  throw new PyError('TypeError', `'${typeName(v)}' object is not iterable`);
}

/** A range's items one at a time (no list of them): what `for i in range(10**7)` needs. Throws past the iteration limit. */
export function rangeItems(v: PyValue): Iterable<bigint> | undefined {
  if (!(v instanceof PyObject && v.type === 'builtins.range')) return undefined;
  const r = v.impl as RangeImpl;
  if (r.len > MAX_ITER) throw new PyError('MemoryError', `range of ${r.len} items is too large for a config`);
  work(r.len);
  return {
    *[Symbol.iterator]() {
      for (let i = 0, x = r.start; i < r.len; i++, x += r.step) yield x;
    },
  };
}

function arity(name: string, args: PyValue[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `exactly ${min}` : args.length < min ? `at least ${min}` : `at most ${max}`;
    throw new PyError(
      'TypeError',
      `${name}() takes ${want} argument${(args.length < min ? min : max) === 1 ? '' : 's'} (${args.length} given)`,
    );
  }
}

function noKwargs(name: string, kwargs: Kwargs): void {
  if (kwargs.length) throw new PyError('TypeError', `${name}() takes no keyword arguments`);
}

function kw(kwargs: Kwargs, name: string): PyValue | undefined {
  return kwargs.find(([k]) => k === name)?.[1];
}

function toIndex(v: PyValue, what = 'integer'): bigint {
  if (typeof v === 'bigint' || typeof v === 'boolean') return toInt(v);
  throw new PyError('TypeError', `'${typeName(v)}' object cannot be interpreted as an ${what}`);
}

/** Python's round-half-to-even, decided on the float's exact decimal value (so 2.675 -> 2.67). */
function roundHalfEven(x: number, digits: number): number {
  if (!Number.isFinite(x) || digits > 22) return x;
  if (digits < 0) {
    const m = 10 ** -digits;
    return (exactDecimal(x / m, 0) ?? Math.round(x / m)) * m;
  }
  const n = exactDecimal(x, digits);
  return n === undefined ? x : n / 10 ** digits;
}

/** Rounds using the float's exact binary value written in decimal (toPrecision with enough digits). */
function exactDecimal(x: number, digits: number): number | undefined {
  if (digits < 0 || digits > 22 || Math.abs(x) >= 1e21) return undefined;
  const s = Math.abs(x).toFixed(Math.min(100, digits + 30));
  const [int, frac = ''] = s.split('.');
  const keep = frac.slice(0, digits);
  const rest = frac.slice(digits);
  let n = BigInt(int + keep);
  const first = rest[0] ?? '0';
  const tail = rest.slice(1);
  if (first > '5' || (first === '5' && /[1-9]/.test(tail))) n += 1n;
  else if (first === '5' && n % 2n === 1n) n += 1n;
  const v = Number(n);
  return x < 0 ? -v : v;
}

export function pyRound(args: PyValue[]): PyValue {
  const [x, nd] = args;
  if (!isNumber(x)) throw new PyError('TypeError', `type ${typeName(x)} doesn't define __round__ method`);
  if (nd === undefined || nd === null) {
    if (typeof x !== 'number') return toInt(x);
    if (!Number.isFinite(x))
      throw new PyError(
        Number.isNaN(x) ? 'ValueError' : 'OverflowError',
        Number.isNaN(x) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer',
      );
    return BigInt(roundHalfEven(x, 0));
  }
  const d = Number(toIndex(nd));
  if (typeof x !== 'number') {
    if (d >= 0) return toInt(x);
    const m = 10n ** BigInt(-d);
    const v = toInt(x);
    const q = v / m;
    const r = v - q * m;
    let rounded = q;
    if (2n * (r < 0n ? -r : r) > m || (2n * (r < 0n ? -r : r) === m && q % 2n !== 0n)) rounded += v < 0n ? -1n : 1n;
    return rounded * m;
  }
  return roundHalfEven(x, d);
}

function toPyInt(args: PyValue[], kwargs: Kwargs): PyValue {
  const [x, base] = args;
  if (x === undefined) return 0n;
  if (typeof x === 'string') {
    const b = base === undefined ? 10 : Number(toIndex(base));
    const s = x.trim().replace(/_/g, '');
    const re =
      b === 10
        ? /^[+-]?\d+$/
        : b === 16
          ? /^[+-]?(0x)?[0-9a-f]+$/i
          : b === 8
            ? /^[+-]?(0o)?[0-7]+$/i
            : b === 2
              ? /^[+-]?(0b)?[01]+$/i
              : /^[+-]?[0-9a-z]+$/i;
    if (!re.test(s)) throw new PyError('ValueError', `invalid literal for int() with base ${b}: ${repr(x)}`);
    const neg = s.startsWith('-');
    const digits = s.replace(/^[+-]/, '').replace(/^0[xob]/i, '');
    let n = 0n;
    for (const ch of digits.toLowerCase()) n = n * BigInt(b) + BigInt(parseInt(ch, 36));
    return neg ? -n : n;
  }
  noKwargs('int', kwargs);
  if (typeof x === 'number') {
    if (!Number.isFinite(x))
      throw new PyError(
        Number.isNaN(x) ? 'ValueError' : 'OverflowError',
        Number.isNaN(x) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer',
      );
    return BigInt(Math.trunc(x));
  }
  if (isNumber(x)) return toInt(x);
  throw new PyError(
    'TypeError',
    `int() argument must be a string, a bytes-like object or a real number, not '${typeName(x)}'`,
  );
}

function toPyFloat(args: PyValue[]): PyValue {
  const [x] = args;
  if (x === undefined) return 0;
  if (typeof x === 'string') {
    const s = x.trim().toLowerCase().replace(/_/g, '');
    if (/^[+-]?(inf|infinity)$/.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(s)) return NaN;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(s))
      throw new PyError('ValueError', `could not convert string to float: ${repr(x)}`);
    return Number(s);
  }
  if (isNumber(x)) return toFloat(x);
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${typeName(x)}'`);
}

function minMax(
  name: 'min' | 'max',
  args: PyValue[],
  kwargs: Kwargs,
  call: (f: PyValue, a: PyValue[]) => PyValue,
): PyValue {
  const key = kw(kwargs, 'key');
  const dflt = kwargs.find(([k]) => k === 'default');
  const items = args.length === 1 ? iterate(args[0]) : args;
  if (!items.length) {
    if (dflt) return dflt[1];
    throw new PyError('ValueError', `${name}() arg is an empty sequence`);
  }
  let best = items[0];
  let bestKey = key && key !== null ? call(key, [best]) : best;
  for (const v of items.slice(1)) {
    const k = key && key !== null ? call(key, [v]) : v;
    const c = sortKeyCompare(k, bestKey);
    if (name === 'max' ? c > 0 : c < 0) {
      best = v;
      bestKey = k;
    }
  }
  return best;
}

function makeRange(args: PyValue[]): PyObject {
  arity('range', args, 1, 3);
  const [a, b, c] = args.map((x) => toIndex(x));
  const [start, stop, step] = args.length === 1 ? [0n, a, 1n] : [a, b, c ?? 1n];
  if (step === 0n) throw new PyError('ValueError', 'range() arg 3 must not be zero');
  const lenBig =
    step > 0n
      ? stop > start
        ? (stop - start + step - 1n) / step
        : 0n
      : start > stop
        ? (start - stop - step - 1n) / -step
        : 0n;
  const len = Number(lenBig);
  const text = args.length === 3 ? `range(${start}, ${stop}, ${step})` : `range(${start}, ${stop})`;
  return new PyObject('builtins.range', text, { start, stop, step, len } satisfies RangeImpl);
}

export function sortedList(
  items: PyValue[],
  key: PyValue | undefined,
  reverse: boolean,
  call: (f: PyValue, a: PyValue[]) => PyValue,
): PyValue[] {
  const keyed = items.map((v, i) => ({ v, i, k: key !== undefined && key !== null ? call(key, [v]) : v }));
  keyed.sort((x, y) => {
    const c = sortKeyCompare(x.k, y.k);
    return (reverse ? -c : c) || x.i - y.i;
  });
  return keyed.map((x) => x.v);
}

/** Builds dict(...) the way Python does, including its TypeErrors. */
export function buildDict(args: PyValue[], kwargs: Kwargs): PyDict {
  arity('dict', args, 0, 1);
  const d = new PyDict(false);
  if (args.length) {
    const src = args[0];
    if (src instanceof PyDict) for (const e of src) d.set(e.key, e.value, e.prov);
    else {
      iterate(src).forEach((pair, i) => {
        const kv =
          pair instanceof PyList || pair instanceof PyTuple || typeof pair === 'string' ? iterate(pair) : undefined;
        if (!kv)
          throw new PyError('TypeError', `cannot convert dictionary update sequence element #${i} to a sequence`);
        if (kv.length !== 2)
          throw new PyError(
            'ValueError',
            `dictionary update sequence element #${i} has length ${kv.length}; 2 is required`,
          );
        d.set(kv[0], kv[1]);
      });
    }
  }
  for (const [k, v] of kwargs) d.set(k, v);
  return d;
}

export function makeBuiltins(call: (f: PyValue, a: PyValue[], kw?: Kwargs) => PyValue): Map<string, PyValue> {
  const b = new Map<string, PyValue>();
  const def = (name: string, fn: PyCallable) => b.set(name, builtinFunction(name, fn));
  const type = (name: string, fn: PyCallable) =>
    b.set(name, new PyObject('builtins.type', `<class '${name}'>`, { call: fn, name, isType: true }));

  type('dict', (args, kwargs) => buildDict(args, kwargs));
  type('list', (args, kwargs) => {
    noKwargs('list', kwargs);
    arity('list', args, 0, 1);
    return new PyList(args.length ? [...iterate(args[0])] : []);
  });
  type('tuple', (args, kwargs) => {
    noKwargs('tuple', kwargs);
    arity('tuple', args, 0, 1);
    return new PyTuple(args.length ? [...iterate(args[0])] : []);
  });
  type('set', (args) => new PySet(args.length ? iterate(args[0]) : []));
  type('frozenset', (args) => new PySet(args.length ? iterate(args[0]) : [], true));
  type('int', toPyInt);
  type('float', (args) => toPyFloat(args));
  type('str', (args) => (args.length ? str(args[0]) : ''));
  type('bool', (args) => (args.length ? truthy(args[0]) : false));
  type('range', (args) => makeRange(args));
  def('round', (args) => {
    arity('round', args, 1, 2);
    return pyRound(args);
  });
  def('len', (args) => {
    arity('len', args, 1, 1);
    const v = args[0];
    if (typeof v === 'string') return BigInt([...v].length);
    if (v instanceof PyObject && v.type === 'builtins.range') return BigInt((v.impl as RangeImpl).len);
    if (
      v instanceof PyList ||
      v instanceof PyTuple ||
      v instanceof PyDict ||
      v instanceof PySet ||
      v instanceof PyBytes
    )
      return BigInt(iterate(v).length);
    throw new PyError('TypeError', `object of type '${typeName(v)}' has no len()`);
  });
  def('min', (args, kwargs) => minMax('min', args, kwargs, call));
  def('max', (args, kwargs) => minMax('max', args, kwargs, call));
  def('sum', (args, kwargs) => {
    let acc: PyValue = args[1] ?? kw(kwargs, 'start') ?? 0n;
    if (typeof acc === 'string') throw new PyError('TypeError', "sum() can't sum strings [use ''.join(seq) instead]");
    for (const v of iterate(args[0])) acc = binaryOp('+', acc, v);
    return acc;
  });
  def('abs', (args) => {
    const v = args[0];
    if (typeof v === 'number') return Math.abs(v);
    if (isNumber(v)) {
      const x = toInt(v);
      return x < 0n ? -x : x;
    }
    throw new PyError('TypeError', `bad operand type for abs(): '${typeName(v)}'`);
  });
  def('zip', (args) => {
    const lists = args.map(iterate);
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return new PyObject('builtins.zip', '<zip object>', {
      items: () => Array.from({ length: n }, (_, i) => new PyTuple(lists.map((l) => l[i]))),
    });
  });
  def('enumerate', (args, kwargs) => {
    const start = toIndex(args[1] ?? kw(kwargs, 'start') ?? 0n);
    const items = iterate(args[0]);
    return new PyObject('builtins.enumerate', '<enumerate object>', {
      items: () => items.map((v, i) => new PyTuple([start + BigInt(i), v])),
    });
  });
  def('reversed', (args) => {
    const items = [...iterate(args[0])].reverse();
    return new PyObject('builtins.reversed', '<reversed object>', { items: () => items });
  });
  def('sorted', (args, kwargs) => {
    arity('sorted', args, 1, 1);
    return new PyList(sortedList(iterate(args[0]), kw(kwargs, 'key'), truthy(kw(kwargs, 'reverse') ?? false), call));
  });
  def('any', (args) => iterate(args[0]).some(truthy));
  def('all', (args) => iterate(args[0]).every(truthy));
  def('map', (args) => {
    const [f, ...its] = args;
    const lists = its.map(iterate);
    const n = lists.length ? Math.min(...lists.map((l) => l.length)) : 0;
    return new PyObject('builtins.map', '<map object>', {
      items: () =>
        Array.from({ length: n }, (_, i) =>
          call(
            f,
            lists.map((l) => l[i]),
          ),
        ),
    });
  });
  def('filter', (args) => {
    const [f, it] = args;
    const items = iterate(it).filter((v) => (f === null ? truthy(v) : truthy(call(f, [v]))));
    return new PyObject('builtins.filter', '<filter object>', { items: () => items });
  });
  def('isinstance', (args) => {
    arity('isinstance', args, 2, 2);
    const [v, t] = args;
    const types = t instanceof PyTuple ? t.items : [t];
    return types.some((ty) => isInstance(v, ty));
  });
  def('repr', (args) => repr(args[0]));
  def('format', (args) => formatSpec(args[0], args.length > 1 ? str(args[1]) : ''));
  def('pow', (args) => binaryOp('**', args[0], args[1]));
  def('divmod', (args) => new PyTuple([binaryOp('//', args[0], args[1]), binaryOp('%', args[0], args[1])]));
  def('chr', (args) => String.fromCodePoint(Number(toIndex(args[0]))));
  def('ord', (args) => {
    const s = args[0];
    if (typeof s !== 'string' || [...s].length !== 1)
      throw new PyError(
        'TypeError',
        `ord() expected a character, but string of length ${typeof s === 'string' ? s.length : 0} found`,
      );
    return BigInt(s.codePointAt(0)!);
  });
  def('hex', (args) => formatSpec(toIndex(args[0]), '#x'));
  def('oct', (args) => formatSpec(toIndex(args[0]), '#o'));
  def('bin', (args) => formatSpec(toIndex(args[0]), '#b'));
  def('print', () => null);
  def('hasattr', () => {
    throw new PyError('TypeError', 'hasattr() is not supported in configs');
  });
  b.set('None', null);
  return b;
}

function isInstance(v: PyValue, t: PyValue): boolean {
  if (!(t instanceof PyObject) || t.type !== 'builtins.type')
    throw new PyError('TypeError', 'isinstance() arg 2 must be a type, a tuple of types, or a union');
  const name = (t.impl as { name: string }).name;
  switch (name) {
    case 'int':
      return typeof v === 'bigint' || typeof v === 'boolean';
    case 'float':
      return typeof v === 'number';
    case 'bool':
      return typeof v === 'boolean';
    case 'str':
      return typeof v === 'string';
    case 'list':
      return v instanceof PyList;
    case 'tuple':
      return v instanceof PyTuple;
    case 'dict':
      return v instanceof PyDict;
    case 'set':
      return v instanceof PySet && !v.frozen;
    case 'frozenset':
      return v instanceof PySet && v.frozen;
    case 'range':
      return v instanceof PyObject && v.type === 'builtins.range';
  }
  return false;
}
