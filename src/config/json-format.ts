// The lossless JSON encoding of a merged config (the one the golden cases in
// test/fixtures/config-cases use): floats always carry '.', 'e' or 'E'; tuples, sets, bytes, non-string
// keys and non-finite floats are tagged objects. `toPlain` is the lossy view
// the trainer wants: plain objects, arrays and numbers.

import { PyBytes, PyDict, PyList, PyObject, PySet, PyTuple, type PyValue, floatRepr } from './values';

export function toTaggedJson(v: PyValue, indent = 2): string {
  const out: string[] = [];
  writeTaggedJson(v, (piece) => out.push(piece), indent);
  return out.join('');
}

/** Writes the tagged JSON piece by piece, for writing a large config without holding its text. */
export function writeTaggedJson(v: PyValue, write: (piece: string) => void, indent = 2): void {
  const pads: string[] = [];
  const pad = (n: number) => (indent ? (pads[n] ??= '\n' + ' '.repeat(indent * n)) : '');
  const scalar = (x: PyValue): string | undefined => {
    if (x === null) return 'null';
    switch (typeof x) {
      case 'boolean':
        return String(x);
      case 'bigint':
        return x.toString();
      case 'number':
        if (!Number.isFinite(x)) return `{"__float__": "${Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf'}"}`;
        return floatRepr(x);
      case 'string':
        return JSON.stringify(x);
    }
    if (x instanceof PyBytes) return `{"__bytes__": ${JSON.stringify(x.latin1)}}`;
    if (x instanceof PyObject)
      return `{"__pyobj__": {"type": ${JSON.stringify(x.type)}, "repr": ${JSON.stringify(x.repr)}}}`;
    return undefined;
  };
  const items = (xs: PyValue[], d: number) => {
    if (!xs.length) return write('[]');
    for (let i = 0; i < xs.length; i++) {
      write((i ? ',' : '[') + pad(d + 1));
      enc(xs[i], d + 1);
    }
    write(pad(d) + ']');
  };
  const enc = (x: PyValue, d: number): void => {
    const s = scalar(x);
    if (s !== undefined) return write(s);
    if (x instanceof PyList) return items(x.items, d);
    if (x instanceof PyTuple || x instanceof PySet) {
      write(x instanceof PyTuple ? '{"__tuple__": ' : '{"__set__": ');
      items(x.items, d);
      return write('}');
    }
    const dict = x as PyDict;
    let stringKeys = true;
    for (const e of dict) if (typeof e.key !== 'string') stringKeys = false;
    let first = true;
    if (stringKeys) {
      for (const e of dict) {
        write((first ? '{' : ',') + pad(d + 1) + JSON.stringify(e.key) + ': ');
        first = false;
        enc(e.value, d + 1);
      }
      return write(first ? '{}' : pad(d) + '}');
    }
    write('{"__dict_items__": ');
    for (const e of dict) {
      write((first ? '[' : ',') + pad(d + 1) + '[');
      first = false;
      enc(e.key, d + 2);
      write(', ');
      enc(e.value, d + 2);
      write(']');
    }
    write(first ? '[]}' : pad(d) + ']}');
  };
  enc(v, 0);
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
