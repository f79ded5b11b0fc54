// The lossless JSON encoding of a merged config (the one shared/config-cases
// uses): floats always carry '.', 'e' or 'E'; tuples, sets, bytes, non-string
// keys and non-finite floats are tagged objects. `toPlain` is the lossy view
// the trainer wants: plain objects, arrays and numbers.

import { PyBytes, PyDict, PyList, PyObject, PySet, PyTuple, type PyValue, floatRepr } from './values';

export function toTaggedJson(v: PyValue, indent = 2): string {
  let out = '';
  for (const piece of taggedJsonPieces(v, indent)) out += piece;
  return out;
}

/** The tagged JSON in pieces, for writing a large config without holding its text. */
export function* taggedJsonPieces(v: PyValue, indent = 2): Generator<string> {
  const pad = (n: number) => (indent ? '\n' + ' '.repeat(indent * n) : '');
  const scalar = (x: PyValue): string | undefined => {
    if (x === null) return 'null';
    switch (typeof x) {
      case 'boolean': return String(x);
      case 'bigint': return x.toString();
      case 'number':
        if (!Number.isFinite(x)) return `{"__float__": "${Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'}"}`;
        return floatRepr(x);
      case 'string': return JSON.stringify(x);
    }
    if (x instanceof PyBytes) return `{"__bytes__": ${JSON.stringify(x.latin1)}}`;
    if (x instanceof PyObject) return `{"__pyobj__": {"type": ${JSON.stringify(x.type)}, "repr": ${JSON.stringify(x.repr)}}}`;
    return undefined;
  };
  function* list<T>(items: Iterable<T>, open: string, close: string, d: number, item: (x: T) => Generator<string>): Generator<string> {
    let first = true;
    for (const x of items) {
      yield (first ? open : ',') + pad(d + 1);
      first = false;
      yield* item(x);
    }
    yield first ? open + close : pad(d) + close;
  }
  function* enc(x: PyValue, d: number): Generator<string> {
    const s = scalar(x);
    if (s !== undefined) return yield s;
    if (x instanceof PyList) return yield* list(x.items, '[', ']', d, (y) => enc(y, d + 1));
    if (x instanceof PyTuple || x instanceof PySet) {
      yield x instanceof PyTuple ? '{"__tuple__": ' : '{"__set__": ';
      yield* list(x.items, '[', ']', d, (y) => enc(y, d + 1));
      return yield '}';
    }
    const dict = x as PyDict;
    let stringKeys = true;
    for (const e of dict) if (typeof e.key !== 'string') stringKeys = false;
    if (stringKeys) {
      return yield* list(dict, '{', '}', d, function* (e) {
        yield `${JSON.stringify(e.key)}: `;
        yield* enc(e.value, d + 1);
      });
    }
    yield '{"__dict_items__": ';
    yield* list(dict, '[', ']', d, function* (e) {
      yield '[';
      yield* enc(e.key, d + 2);
      yield ', ';
      yield* enc(e.value, d + 2);
      yield ']';
    });
    yield '}';
  }
  yield* enc(v, 0);
}

export type Plain = null | boolean | number | string | Plain[] | { [k: string]: Plain };

export function toPlain(v: PyValue): Plain {
  if (v === null || typeof v === 'boolean' || typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof PyList || v instanceof PyTuple || v instanceof PySet) return v.items.map(toPlain);
  if (v instanceof PyBytes) return v.latin1;
  if (v instanceof PyObject) return v.repr;
  const o: { [k: string]: Plain } = {};
  for (const e of v as PyDict) o[typeof e.key === 'string' ? e.key : String(toPlain(e.key))] = toPlain(e.value);
  return o;
}
