// A merged config laid out the way MMEngine's `Config.pretty_text` prints it
// (what `tools/misc/print_config.py` shows): keys sorted at every level, dicts
// as `dict(k=v)` (a `{'k': v}` mapping when a key is not an identifier), and
// wrapped at 79 columns as yapf's pep8 style does: a call that fits stays on
// one line, else its arguments go on the next line, one per line when they do
// not fit together. One deliberate difference: short tuples and lists stay on
// one line (MMEngine's trailing commas make yapf put every element on a line
// of its own). Each line remembers where the key written on it was set.

import type { Provenance } from '../config/provenance';
import { PyDict, PyList, PyObject, PySet, PyTuple, repr, type PyValue } from '../config/values';

const WIDTH = 79;
const INDENT = 4;

export interface PrettyText {
  text: string;
  /** lines[i]: where the key written on (or continued by) line i was set. */
  lines: (Provenance | undefined)[];
  /** keys[i]: the dotted key path of line i. */
  keys: (string | undefined)[];
}

const isIdentifier = (k: PyValue): k is string => typeof k === 'string' && /^[A-Za-z_]\w*$/.test(k);

/** Entries sorted as MMEngine sorts them: by the key's str(). */
function sorted(d: PyDict) {
  return [...d].sort((a, b) => {
    const x = typeof a.key === 'string' ? a.key : repr(a.key);
    const y = typeof b.key === 'string' ? b.key : repr(b.key);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

function keyText(k: PyValue, mapping: boolean): string {
  return mapping ? `${repr(k)}: ` : `${k as string}=`;
}

/** The one-line form of a value. */
export function flatValue(v: PyValue): string {
  if (v instanceof PyDict) {
    const mapping = !v.keys().every(isIdentifier);
    const items = sorted(v).map((e) => keyText(e.key, mapping) + flatValue(e.value));
    return mapping ? `{${items.join(', ')}}` : `dict(${items.join(', ')})`;
  }
  if (v instanceof PyList) return `[${v.items.map(flatValue).join(', ')}]`;
  if (v instanceof PyTuple)
    return v.items.length === 1 ? `(${flatValue(v.items[0])},)` : `(${v.items.map(flatValue).join(', ')})`;
  if (v instanceof PySet) return v.items.length ? `{${v.items.map(flatValue).join(', ')}}` : 'set()';
  if (v instanceof PyObject) return v.repr;
  return repr(v);
}

export function prettyConfig(config: PyDict): PrettyText {
  return layout(
    sorted(config).map((e) => ({ head: `${String(e.key)} = `, value: e.value, prov: e.prov, key: String(e.key) })),
  );
}

/** `head + value`, wrapped as the full text is (`model.backbone.depth = ` as a head, say). */
export function prettyAssignment(head: string, value: PyValue): string[] {
  return layout([{ head, value, prov: undefined, key: head }])
    .text.trimEnd()
    .split('\n');
}

function layout(statements: { head: string; value: PyValue; prov: Provenance | undefined; key: string }[]): PrettyText {
  const out: string[] = [];
  const lines: (Provenance | undefined)[] = [];
  const keys: (string | undefined)[] = [];
  const push = (text: string, prov: Provenance | undefined, key: string | undefined) => {
    out.push(text);
    lines.push(prov);
    keys.push(key);
  };

  /** Writes `prefix + value + suffix` starting at column `indent`. */
  const emit = (
    prefix: string,
    v: PyValue,
    indent: number,
    suffix: string,
    prov: Provenance | undefined,
    key: string,
  ): void => {
    const pad = ' '.repeat(indent);
    const one = pad + prefix + flatValue(v) + suffix;
    if (one.length <= WIDTH) return push(one, prov, key);
    if (v instanceof PyDict && v.size) {
      const mapping = !v.keys().every(isIdentifier);
      const [open, close] = mapping ? ['{', '}'] : ['dict(', ')'];
      const entries = sorted(v);
      const inner = ' '.repeat(indent + INDENT);
      const packed =
        inner + entries.map((e) => keyText(e.key, mapping) + flatValue(e.value)).join(', ') + close + suffix;
      push(pad + prefix + open, prov, key);
      if (packed.length <= WIDTH) return push(packed, prov, key);
      entries.forEach((e, i) => {
        const k = `${key}.${typeof e.key === 'string' ? e.key : repr(e.key)}`;
        emit(
          keyText(e.key, mapping),
          e.value,
          indent + INDENT,
          i === entries.length - 1 ? close + suffix : ',',
          e.prov ?? prov,
          k,
        );
      });
      return;
    }
    if ((v instanceof PyList || v instanceof PyTuple || v instanceof PySet) && v.items.length) {
      const [open, close] = v instanceof PyList ? ['[', ']'] : v instanceof PyTuple ? ['(', ')'] : ['{', '}'];
      push(pad + prefix + open, prov, key);
      v.items.forEach((x, i) => emit('', x, indent + INDENT, ',', prov, `${key}[${i}]`));
      return push(pad + close + suffix, prov, key);
    }
    push(one, prov, key); // a long string or number: it cannot be wrapped
  };

  for (const s of statements) emit(s.head, s.value, 0, '', s.prov, s.key);
  return { text: out.join('\n') + '\n', lines, keys };
}
