// Python's arithmetic, comparison and membership rules on PyValues: int/float
// promotion, floor division toward -inf, sequence repetition, and the exact
// TypeError texts Python gives for mismatched operands.

import { printfFormat } from './format';
import {
  PyBytes,
  PyDict,
  PyError,
  PyList,
  PyObject,
  PySet,
  PyTuple,
  type PyValue,
  appendAll,
  checkStringLength,
  hashKey,
  isNumber,
  pyEquals,
  toFloat,
  toInt,
  truthy,
  typeName,
  work,
} from './values';

/** Guards against configs that would allocate without bound (`'a' * 10**12`). */
const MAX_ITEMS = 10_000_000;

function unsupported(op: string, a: PyValue, b: PyValue): never {
  throw new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function floorDivInt(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function modInt(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new PyError('ZeroDivisionError', 'integer division or modulo by zero');
  const r = a % b;
  return r !== 0n && r < 0n !== b < 0n ? r + b : r;
}

function modFloat(a: number, b: number): number {
  if (b === 0) throw new PyError('ZeroDivisionError', 'float modulo');
  const r = a % b;
  if (r === 0) return b < 0 ? -0 : 0;
  return r < 0 !== b < 0 ? r + b : r;
}

function repeat(items: PyValue[], n: PyValue): PyValue[] {
  const k = Number(toInt(n as bigint | boolean));
  if (k <= 0) return [];
  if (items.length * k > MAX_ITEMS)
    throw new PyError('MemoryError', `sequence repetition too large (${items.length} x ${k})`);
  const out: PyValue[] = [];
  for (let i = 0; i < k; i++) appendAll(out, items);
  return out;
}

function isInt(v: PyValue): v is bigint | boolean {
  return typeof v === 'bigint' || typeof v === 'boolean';
}

export function binaryOp(op: string, a: PyValue, b: PyValue): PyValue {
  if (isNumber(a) && isNumber(b)) return numeric(op, a, b);
  switch (op) {
    case '+':
      if (typeof a === 'string' && typeof b === 'string') {
        checkStringLength(a.length + b.length);
        return a + b;
      }
      if (a instanceof PyList && b instanceof PyList) return new PyList([...a.items, ...b.items]);
      if (a instanceof PyTuple && b instanceof PyTuple) return new PyTuple([...a.items, ...b.items]);
      if (a instanceof PyBytes && b instanceof PyBytes) return new PyBytes(a.latin1 + b.latin1);
      if (typeof a === 'string')
        throw new PyError('TypeError', `can only concatenate str (not "${typeName(b)}") to str`);
      if (a instanceof PyList)
        throw new PyError('TypeError', `can only concatenate list (not "${typeName(b)}") to list`);
      if (a instanceof PyTuple)
        throw new PyError('TypeError', `can only concatenate tuple (not "${typeName(b)}") to tuple`);
      return unsupported('+', a, b);
    case '*': {
      const [seq, n] = isInt(b) ? [a, b] : isInt(a) ? [b, a] : [undefined, undefined];
      if (seq !== undefined && n !== undefined) {
        if (typeof seq === 'string') {
          const k = Number(toInt(n));
          checkStringLength(k * seq.length);
          return k > 0 ? seq.repeat(k) : '';
        }
        if (seq instanceof PyList) return new PyList(repeat(seq.items, n));
        if (seq instanceof PyTuple) return new PyTuple(repeat(seq.items, n));
      }
      if ((typeof a === 'string' || a instanceof PyList || a instanceof PyTuple) && typeof b === 'number') {
        throw new PyError('TypeError', `can't multiply sequence by non-int of type 'float'`);
      }
      return unsupported('*', a, b);
    }
    case '%':
      if (typeof a === 'string') return printfFormat(a, b);
      return unsupported('%', a, b);
    case '|':
      if (a instanceof PySet && b instanceof PySet) return new PySet([...a.items, ...b.items], a.frozen);
      if (a instanceof PyDict && b instanceof PyDict) {
        const d = new PyDict(a.configDict);
        for (const e of a) d.set(e.key, e.value, e.prov);
        for (const e of b) d.set(e.key, e.value, e.prov);
        return d;
      }
      return unsupported('|', a, b);
    case '&':
      if (a instanceof PySet && b instanceof PySet)
        return new PySet(
          a.items.filter((x) => b.map.has(hashKey(x))),
          a.frozen,
        );
      return unsupported('&', a, b);
    case '-':
      if (a instanceof PySet && b instanceof PySet)
        return new PySet(
          a.items.filter((x) => !b.map.has(hashKey(x))),
          a.frozen,
        );
      return unsupported('-', a, b);
    case '^':
      if (a instanceof PySet && b instanceof PySet) {
        return new PySet(
          [...a.items.filter((x) => !b.map.has(hashKey(x))), ...b.items.filter((x) => !a.map.has(hashKey(x)))],
          a.frozen,
        );
      }
      return unsupported('^', a, b);
  }
  return unsupported(op === '**' ? '** or pow()' : op, a, b);
}

function numeric(op: string, a: boolean | bigint | number, b: boolean | bigint | number): PyValue {
  const ints = isInt(a) && isInt(b);
  if (ints) {
    const x = toInt(a);
    const y = toInt(b);
    switch (op) {
      case '+':
        return x + y;
      case '-':
        return x - y;
      case '*':
        return x * y;
      case '/':
        if (y === 0n) throw new PyError('ZeroDivisionError', 'division by zero');
        return intTrueDiv(x, y);
      case '//':
        return floorDivInt(x, y);
      case '%':
        return modInt(x, y);
      case '**':
        if (y < 0n) {
          if (x === 0n) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
          return Math.pow(Number(x), Number(y));
        }
        if (y > 100_000n || (x !== 0n && x !== 1n && x !== -1n && Number(y) * bitLength(x) > 1_000_000)) {
          throw new PyError('OverflowError', 'integer power too large for a config');
        }
        return x ** y;
      case '&':
        return typeof a === 'boolean' && typeof b === 'boolean' ? a && b : x & y;
      case '|':
        return typeof a === 'boolean' && typeof b === 'boolean' ? a || b : x | y;
      case '^':
        return typeof a === 'boolean' && typeof b === 'boolean' ? a !== b : x ^ y;
      case '<<':
        if (y < 0n) throw new PyError('ValueError', 'negative shift count');
        if (y > 100_000n) throw new PyError('OverflowError', 'shift count too large for a config');
        return x << y;
      case '>>':
        if (y < 0n) throw new PyError('ValueError', 'negative shift count');
        return x >> y;
    }
    return unsupported(op, a, b);
  }
  const x = toFloat(a);
  const y = toFloat(b);
  switch (op) {
    case '+':
      return x + y;
    case '-':
      return x - y;
    case '*':
      return x * y;
    case '/':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float division by zero');
      return x / y;
    case '//':
      if (y === 0) throw new PyError('ZeroDivisionError', 'float floor division by zero');
      return Math.floor(x / y);
    case '%':
      return modFloat(x, y);
    case '**': {
      if (x === 0 && y < 0) throw new PyError('ZeroDivisionError', '0.0 cannot be raised to a negative power');
      if (x < 0 && !Number.isInteger(y))
        throw new PyError('ValueError', 'complex results are not supported in configs');
      const r = Math.pow(x, y);
      if (!Number.isFinite(r) && Number.isFinite(x) && Number.isFinite(y))
        throw new PyError('OverflowError', "(34, 'Numerical result out of range')");
      return r;
    }
  }
  throw new PyError('TypeError', `unsupported operand type(s) for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function bitLength(x: bigint): number {
  return (x < 0n ? -x : x).toString(2).length;
}

/** int / int rounded correctly even when both exceed 2**53 (Python rounds the exact quotient). */
function intTrueDiv(x: bigint, y: bigint): number {
  const lim = 2n ** 53n;
  if (x < lim && x > -lim && y < lim && y > -lim) return Number(x) / Number(y);
  return Number((x * 10n ** 30n) / y) / 1e30;
}

export function unaryOp(op: string, v: PyValue): PyValue {
  if (op === 'not') return !truthy(v);
  if (isNumber(v)) {
    if (op === '-') return typeof v === 'number' ? -v : -toInt(v);
    if (op === '+') return typeof v === 'number' ? v : toInt(v);
    if (op === '~' && typeof v !== 'number') return ~toInt(v);
  }
  throw new PyError('TypeError', `bad operand type for unary ${op}: '${typeName(v)}'`);
}

export function compare(op: string, a: PyValue, b: PyValue): boolean {
  switch (op) {
    case '==':
      return pyEquals(a, b);
    case '!=':
      return !pyEquals(a, b);
    case 'is':
      return identical(a, b);
    case 'is not':
      return !identical(a, b);
    case 'in':
      return contains(b, a);
    case 'not in':
      return !contains(b, a);
  }
  const c = order(a, b, op);
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
  }
  throw new PyError('TypeError', `unknown comparison ${op}`);
}

function identical(a: PyValue, b: PyValue): boolean {
  if (a === null || b === null || typeof a === 'boolean' || typeof b === 'boolean') return a === b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b && a >= -5n && a <= 256n;
  if (typeof a === 'string' && typeof b === 'string') return a === b;
  return a === b;
}

/** Three-way ordering with Python's rules; NaN compares false both ways. */
function order(a: PyValue, b: PyValue, op: string): number {
  if (isNumber(a) && isNumber(b)) {
    if (typeof a !== 'number' && typeof b !== 'number') {
      const x = toInt(a);
      const y = toInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    const x = toFloat(a);
    const y = toFloat(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return NaN;
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    const n = Math.min(a.items.length, b.items.length);
    work(n);
    for (let i = 0; i < n; i++) {
      if (!pyEquals(a.items[i], b.items[i])) return order(a.items[i], b.items[i], op);
    }
    return a.items.length - b.items.length;
  }
  throw new PyError('TypeError', `'${op}' not supported between instances of '${typeName(a)}' and '${typeName(b)}'`);
}

export function sortKeyCompare(a: PyValue, b: PyValue): number {
  return order(a, b, '<');
}

export function contains(container: PyValue, item: PyValue): boolean {
  if (typeof container === 'string') {
    if (typeof item !== 'string')
      throw new PyError('TypeError', `'in <string>' requires string as left operand, not ${typeName(item)}`);
    work(container.length >>> 4);
    return container.includes(item);
  }
  if (container instanceof PyList || container instanceof PyTuple) {
    work(container.items.length);
    return container.items.some((x) => pyEquals(x, item));
  }
  if (container instanceof PyDict) return container.has(item);
  if (container instanceof PySet) return container.map.has(hashKey(item));
  if (container instanceof PyObject && container.type === 'builtins.range') {
    const r = container.impl as { start: bigint; stop: bigint; step: bigint };
    if (!isNumber(item)) return false;
    if (typeof item === 'number' && !Number.isInteger(item)) return false;
    const x = toInt(item);
    if (r.step > 0n ? x < r.start || x >= r.stop : x > r.start || x <= r.stop) return false;
    return (x - r.start) % r.step === 0n;
  }
  throw new PyError('TypeError', `argument of type '${typeName(container)}' is not iterable`);
}
