// `--cfg-options a.b=1 c=[1,2]`: MMEngine's DictAction parsing, then a merge
// with list-index keys allowed (`a.0.b=x` edits the first element of list a).

import { mergeInto } from './merge';
import type { Provenance } from './provenance';
import { PyDict, PyError, PyList, PyTuple, type PyValue } from './values';

const ORIGIN: Provenance = {
  file: '<cfg-options>',
  range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } },
  via: 'cfg-options',
};

function parseScalar(v: string): PyValue {
  if (/^[+-]?\d+$/.test(v)) return BigInt(v);
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v) || /^[+-]?(inf|nan)$/i.test(v))
    return Number(v.replace(/inf/i, 'Infinity'));
  if (v === 'True' || v === 'true') return true;
  if (v === 'False' || v === 'false') return false;
  if (v === 'None') return null;
  return v;
}

/** DictAction._parse_iterable_string: nested [..] and (..), comma separated; one value unwrapped. */
export function parseOptionValue(val: string): PyValue {
  const findNextComma = (s: string): number => {
    let depth = 0;
    for (let i = 0; i < s.length; i++) {
      if ('([{'.includes(s[i])) depth++;
      else if (')]}'.includes(s[i])) depth--;
      else if (s[i] === ',' && depth === 0) return i;
    }
    return s.length;
  };
  val = val.replace(/['"]/g, '').replace(/\s/g, '');
  let isTuple = false;
  if (val.startsWith('(') && val.endsWith(')')) {
    isTuple = true;
    val = val.slice(1, -1);
  } else if (val.startsWith('[') && val.endsWith(']')) val = val.slice(1, -1);
  else if (!val.includes(',')) return parseScalar(val);
  const values: PyValue[] = [];
  while (val.length > 0) {
    const comma = findNextComma(val);
    values.push(parseOptionValue(val.slice(0, comma)));
    val = val.slice(comma + 1);
  }
  return isTuple ? new PyTuple(values) : new PyList(values);
}

export interface CfgOption {
  key: string;
  value: PyValue;
}

export function parseCfgOptions(args: string[]): CfgOption[] {
  return args.map((kv) => {
    const eq = kv.indexOf('=');
    if (eq <= 0) throw new PyError('ValueError', `--cfg-options expects KEY=VALUE, got '${kv}'`);
    return { key: kv.slice(0, eq), value: parseOptionValue(kv.slice(eq + 1)) };
  });
}

/** Config.merge_from_dict: dotted keys become nested dicts, merged with list keys allowed. */
export function applyCfgOptions(config: PyDict, options: CfgOption[]): PyDict {
  const tree = new PyDict(false);
  for (const { key, value } of options) {
    const parts = key.split('.');
    let d = tree;
    for (const p of parts.slice(0, -1)) {
      let next = d.get(p);
      if (!(next instanceof PyDict)) {
        next = new PyDict(false);
        d.set(p, next, ORIGIN);
      }
      d = next;
    }
    d.set(parts[parts.length - 1], value, { ...ORIGIN, deps: [`${key}=`] });
  }
  return mergeInto(tree, config, true) as PyDict;
}
