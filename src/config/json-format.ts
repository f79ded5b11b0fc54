// The lossless JSON encoding of a merged config (the one shared/config-cases
// uses): floats always carry '.', 'e' or 'E'; tuples, sets, bytes, non-string
// keys and non-finite floats are tagged objects. `toPlain` is the lossy view
// the trainer wants: plain objects, arrays and numbers.

import { PyBytes, PyDict, PyList, PyObject, PySet, PyTuple, type PyValue, floatRepr } from './values';

export function toTaggedJson(v: PyValue, indent = 2): string {
  const pad = (n: number) => (indent ? '\n' + ' '.repeat(indent * n) : '');
  const enc = (x: PyValue, d: number): string => {
    if (x === null) return 'null';
    switch (typeof x) {
      case 'boolean': return String(x);
      case 'bigint': return x.toString();
      case 'number':
        if (!Number.isFinite(x)) return `{"__float__": "${Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'}"}`;
        return floatRepr(x);
      case 'string': return JSON.stringify(x);
    }
    const list = (items: string[], open: string, close: string) => (items.length ? open + items.map((s) => pad(d + 1) + s).join(',') + pad(d) + close : open + close);
    if (x instanceof PyList) return list(x.items.map((y) => enc(y, d + 1)), '[', ']');
    if (x instanceof PyTuple) return `{"__tuple__": ${list(x.items.map((y) => enc(y, d + 1)), '[', ']')}}`;
    if (x instanceof PySet) return `{"__set__": ${list(x.items.map((y) => enc(y, d + 1)), '[', ']')}}`;
    if (x instanceof PyBytes) return `{"__bytes__": ${JSON.stringify(x.latin1)}}`;
    if (x instanceof PyObject) return `{"__pyobj__": {"type": ${JSON.stringify(x.type)}, "repr": ${JSON.stringify(x.repr)}}}`;
    const entries = [...x];
    if (entries.every((e) => typeof e.key === 'string')) return list(entries.map((e) => `${JSON.stringify(e.key)}: ${enc(e.value, d + 1)}`), '{', '}');
    return `{"__dict_items__": ${list(entries.map((e) => `[${enc(e.key, d + 2)}, ${enc(e.value, d + 2)}]`), '[', ']')}}`;
  };
  return enc(v, 0);
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
