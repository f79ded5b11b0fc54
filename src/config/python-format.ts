// Writes a merged config as Python source: top-level `name = value` lines of
// literals and dict(...), which Python evaluates back to exactly the same dict
// (keys, order, tuple vs list, int vs float). Each output line remembers the
// provenance of the key written on it, for the merged preview's links.

import type { Provenance } from './provenance';
import { PyBytes, PyDict, PyList, PyObject, PySet, PyTuple, type PyValue, floatRepr, repr, strRepr } from './values';
import { PYTHON_KEYWORDS } from './python-keywords';

export interface PythonText {
  text: string;
  /** lines[i]: where the key written on output line i was set. */
  lines: (Provenance | undefined)[];
  /** lines[i]: the dotted key path written on line i. */
  keys: (string | undefined)[];
}

function isIdentifier(k: PyValue): k is string {
  return typeof k === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && !PYTHON_KEYWORDS.has(k);
}

function scalar(v: PyValue): string | undefined {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean':
      return v ? 'True' : 'False';
    case 'bigint':
      return v.toString();
    case 'number':
      if (Number.isNaN(v)) return "float('nan')";
      if (!Number.isFinite(v)) return v > 0 ? "float('inf')" : "-float('inf')";
      return floatRepr(v);
    case 'string':
      return strRepr(v);
  }
  if (v instanceof PyBytes) return repr(v);
  if (v instanceof PyObject) return `None  # not data: ${v.repr}`;
  return undefined;
}

/** A flat rendering of a list/tuple/set if it fits on one line (stops early: a list may hold millions). */
function inlineItems(items: PyValue[], limit: number): string | undefined {
  const parts: string[] = [];
  let len = 0;
  for (const x of items) {
    const s = scalar(x);
    if (s === undefined || s.includes('  # ')) return undefined;
    len += s.length + 2;
    if (len >= limit + 2) return undefined;
    parts.push(s);
  }
  return parts.join(', ');
}

/** `dict(a=1, b=2)` / `{1: 2}` on one line, if it fits (stops early for large dicts). */
function inlineDict(v: PyDict, call: boolean, limit: number): string | undefined {
  const parts: string[] = [];
  let len = 0;
  for (const e of v) {
    const s = scalar(e.value);
    if (s === undefined || s.includes('  # ')) return undefined;
    const part = call ? `${e.key as string}=${s}` : `${keyText(e.key)}: ${s}`;
    len += part.length + 2;
    if (len >= limit + 2) return undefined;
    parts.push(part);
  }
  return parts.join(', ');
}

/**
 * Writes the config as Python line by line: `line(text, prov, key)` gets each finished
 * line. Only the line being built is held, so a config of millions of values prints in
 * constant memory (the CLI streams the lines to stdout; toPythonText collects them).
 */
export function writePythonLines(
  config: PyDict,
  line: (text: string, prov: Provenance | undefined, key: string | undefined) => void,
): void {
  let cur: string | undefined;
  let curProv: Provenance | undefined;
  let curKey: string | undefined;
  /** Starts a new line, handing out the finished one. */
  const emit = (text: string, prov?: Provenance, key?: string) => {
    if (cur !== undefined) line(cur, curProv, curKey);
    cur = text;
    curProv = prov;
    curKey = key;
  };
  const append = (t: string): void => {
    cur += t;
  };

  /** Writes `value` starting on the current (last) line, appending to it. */
  const write = (v: PyValue, indent: string, keyPath: string): void => {
    const s = scalar(v);
    if (s !== undefined) {
      if (s.includes('  # ')) {
        // A comment must end the line: put the value on its own line.
        append('(');
        emit(indent + '    ' + s, curProv, keyPath);
        emit(indent + ')', curProv, keyPath);
        return;
      }
      append(s);
      return;
    }
    if (v instanceof PyDict) {
      if (!v.size) return append('dict()');
      let call = true;
      for (const e of v) if (!isIdentifier(e.key)) call = false;
      // Small flat dicts stay on one line: `dict(type='nms', iou_threshold=0.7)`.
      const inner = inlineDict(v, call, 72 - indent.length);
      if (inner !== undefined) return append(call ? `dict(${inner})` : `{${inner}}`);
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
      const body = inlineItems(items, 80);
      if (body !== undefined) {
        append(open + body + (v instanceof PyTuple && items.length === 1 ? ',' : '') + close);
        return;
      }
      append(open);
      for (let i = 0; i < items.length; i++) {
        emit(indent + '    ', curProv, `${keyPath}[${i}]`);
        write(items[i], indent + '    ', `${keyPath}[${i}]`);
        append(',');
      }
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
  if (cur !== undefined) line(cur, curProv, curKey);
}

export function toPythonText(config: PyDict): PythonText {
  const out: string[] = [];
  const lines: (Provenance | undefined)[] = [];
  const keys: (string | undefined)[] = [];
  writePythonLines(config, (text, prov, key) => {
    out.push(text);
    lines.push(prov);
    keys.push(key);
  });
  return { text: out.join('\n') + '\n', lines, keys };
}

function keyText(k: PyValue): string {
  if (k instanceof PyTuple) return repr(k);
  return scalar(k) ?? repr(k);
}
