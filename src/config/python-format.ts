// Writes a merged config as Python source: top-level `name = value` lines of
// literals and dict(...), which Python evaluates back to exactly the same dict
// (keys, order, tuple vs list, int vs float). Each output line remembers the
// provenance of the key written on it, for the merged preview's links.

import type { Provenance } from './provenance';
import { PyBytes, PyDict, PyList, PyObject, PySet, PyTuple, type PyValue, floatRepr, repr, strRepr } from './values';

const KEYWORDS = new Set(['False', 'None', 'True', 'and', 'as', 'assert', 'async', 'await', 'break', 'class', 'continue', 'def', 'del', 'elif', 'else', 'except', 'finally', 'for', 'from', 'global', 'if', 'import', 'in', 'is', 'lambda', 'nonlocal', 'not', 'or', 'pass', 'raise', 'return', 'try', 'while', 'with', 'yield']);

export interface PythonText {
  text: string;
  /** lines[i]: where the key written on output line i was set. */
  lines: (Provenance | undefined)[];
  /** lines[i]: the dotted key path written on line i. */
  keys: (string | undefined)[];
}

function isIdentifier(k: PyValue): k is string {
  return typeof k === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !KEYWORDS.has(k);
}

function scalar(v: PyValue): string | undefined {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean': return v ? 'True' : 'False';
    case 'bigint': return v.toString();
    case 'number':
      if (Number.isNaN(v)) return "float('nan')";
      if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "-float('inf')";
      return floatRepr(v);
    case 'string': return strRepr(v);
  }
  if (v instanceof PyBytes) return repr(v);
  if (v instanceof PyObject) return `None  # not data: ${v.repr}`;
  return undefined;
}

export function toPythonText(config: PyDict): PythonText {
  const out: string[] = [];
  const lines: (Provenance | undefined)[] = [];
  const keys: (string | undefined)[] = [];
  const emit = (s: string, prov?: Provenance, key?: string) => {
    out.push(s);
    lines.push(prov);
    keys.push(key);
  };

  /** Writes `value` starting on the current (last) line, appending to it. */
  const write = (v: PyValue, indent: string, keyPath: string): void => {
    const s = scalar(v);
    const append = (t: string): void => {
      out[out.length - 1] += t;
    };
    if (s !== undefined) {
      if (s.includes('  # ')) {
        // A comment must end the line: put the value on its own line.
        append('(');
        emit(indent + '    ' + s, lines[lines.length - 1], keyPath);
        emit(indent + ')', lines[lines.length - 1], keyPath);
        return;
      }
      append(s);
      return;
    }
    if (v instanceof PyDict) {
      if (!v.size) return append('dict()');
      const call = v.keys().every(isIdentifier);
      // Small flat dicts stay on one line: `dict(type='nms', iou_threshold=0.7)`.
      const flat = [...v].map((e) => [e.key, scalar(e.value)] as const);
      if (flat.every(([, s]) => s !== undefined && !s.includes('  # '))) {
        const inner = flat.map(([k, s]) => (call ? `${k as string}=${s}` : `${keyText(k)}: ${s}`)).join(', ');
        if (inner.length + indent.length < 72) return append(call ? `dict(${inner})` : `{${inner}}`);
      }
      append(call ? 'dict(' : '{');
      for (const e of v) {
        const child = `${keyPath}.${typeof e.key === 'string' ? e.key : repr(e.key)}`;
        emit(indent + '    ' + (call ? `${e.key as string}=` : `${keyText(e.key)}: `), e.prov, child);
        write(e.value, indent + '    ', child);
        append(',');
      }
      emit(indent + (call ? ')' : '}'), undefined, keyPath);
      return;
    }
    if (v instanceof PyList || v instanceof PyTuple || v instanceof PySet) {
      const [open, close] = v instanceof PyList ? ['[', ']'] : v instanceof PyTuple ? ['(', ')'] : ['{', '}'];
      const items = v.items;
      if (v instanceof PySet && !items.length) return append('set()');
      const flat = items.map(scalar);
      const inline = flat.every((x) => x !== undefined && !x.includes('  # ')) && flat.join(', ').length < 80;
      if (inline) {
        const body = flat.join(', ');
        append(open + body + (v instanceof PyTuple && items.length === 1 ? ',' : '') + close);
        return;
      }
      append(open);
      items.forEach((x, i) => {
        emit(indent + '    ', lines[lines.length - 1], `${keyPath}[${i}]`);
        write(x, indent + '    ', `${keyPath}[${i}]`);
        append(',');
      });
      emit(indent + close, undefined, keyPath);
      return;
    }
    append('None');
  };

  for (const e of config) {
    const k = e.key as string;
    emit(`${k} = `, e.prov, k);
    write(e.value, '', k);
  }
  return { text: out.join('\n') + '\n', lines, keys };
}

function keyText(k: PyValue): string {
  if (k instanceof PyTuple) return repr(k);
  return scalar(k) ?? repr(k);
}
