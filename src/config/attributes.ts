// Attribute access on config values: ConfigDict keys as attributes (with dict
// methods shadowing keys, as addict does), the methods of str/list/dict that
// configs call, and the few stdlib modules configs import (math, os.path, copy).

import { buildDict, builtinFunction, iterate, sortedList, type Kwargs, type PyCallable } from './builtins';
import { formatSpec } from './format';
import {
  PyDict,
  PyError,
  PyList,
  PyObject,
  PyTuple,
  type PyValue,
  appendAll,
  BYTES_PER_ITEM,
  charge,
  checkStringLength,
  cloneTree,
  isNumber,
  pyEquals,
  repr,
  str,
  toFloat,
  toInt,
  truthy,
  typeName,
  work,
} from './values';

const DICT_METHODS = new Set([
  'keys',
  'values',
  'items',
  'get',
  'pop',
  'update',
  'copy',
  'setdefault',
  'clear',
  'popitem',
  'fromkeys',
  'to_dict',
  'merge',
]);

export interface ModuleImpl {
  name: string;
  members: Map<string, PyValue>;
  known: boolean;
}

function method(owner: string, name: string, fn: PyCallable): PyObject {
  return new PyObject('builtins.builtin_function_or_method', `<built-in method ${name} of ${owner} object>`, {
    call: fn,
    name,
  });
}

export function getAttr(obj: PyValue, name: string, call: (f: PyValue, a: PyValue[], kw?: Kwargs) => PyValue): PyValue {
  if (obj instanceof PyDict) {
    if (DICT_METHODS.has(name) && !(name === 'to_dict' || name === 'merge')) return dictMethod(obj, name, call);
    if (obj.configDict) {
      const e = obj.entry(name);
      if (e) return e.value;
      throw new PyError('AttributeError', `'ConfigDict' object has no attribute '${name}'`);
    }
    throw new PyError('AttributeError', `'dict' object has no attribute '${name}'`);
  }
  if (typeof obj === 'string') return strMethod(obj, name, call);
  if (obj instanceof PyList) return listMethod(obj, name, call);
  if (obj instanceof PyTuple) {
    if (name === 'index' || name === 'count') return seqMethod(obj.items, 'tuple', name);
  }
  if (obj instanceof PyObject && obj.type === 'builtins.module') {
    const m = obj.impl as ModuleImpl;
    if (m.members.has(name)) return m.members.get(name)!;
    if (!m.known)
      throw new PyError(
        'NotSupported',
        `module '${m.name}' is not evaluated by YOLO Lab (it never runs Python code): '${m.name}.${name}' is unknown`,
      );
    throw new PyError('AttributeError', `module '${m.name}' has no attribute '${name}'`);
  }
  if (typeof obj === 'number') {
    if (name === 'real') return obj;
    if (name === 'imag') return 0;
    if (name === 'is_integer') return method('float', name, () => Number.isInteger(obj));
  }
  if (typeof obj === 'bigint' || typeof obj === 'boolean') {
    if (name === 'real' || name === 'numerator') return toInt(obj);
    if (name === 'imag') return 0n;
    if (name === 'denominator') return 1n;
  }
  throw new PyError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
}

/** `x.k = v`: only ConfigDicts take attributes; dict method names are read-only there. */
export function setAttr(obj: PyValue, name: string): void {
  if (obj instanceof PyDict && obj.configDict) {
    if (DICT_METHODS.has(name) && name !== 'to_dict' && name !== 'merge')
      throw new PyError('AttributeError', `'Dict' object attribute '${name}' is read-only`);
    return;
  }
  if (obj instanceof PyDict) throw new PyError('AttributeError', `'dict' object has no attribute '${name}'`);
  throw new PyError('AttributeError', `'${typeName(obj)}' object has no attribute '${name}'`);
}

function dictMethod(d: PyDict, name: string, call: (f: PyValue, a: PyValue[], kw?: Kwargs) => PyValue): PyObject {
  const owner = d.configDict ? 'ConfigDict' : 'dict';
  switch (name) {
    case 'keys':
      return method(owner, name, () => view('dict_keys', () => d.keys()));
    case 'values':
      return method(owner, name, () => view('dict_values', () => d.values()));
    case 'items':
      return method(owner, name, () => view('dict_items', () => [...d].map((e) => new PyTuple([e.key, e.value]))));
    case 'get':
      return method(owner, name, (args) => {
        const e = d.entry(args[0]);
        return e ? e.value : (args[1] ?? null);
      });
    case 'pop':
      return method(owner, name, (args) => {
        const e = d.entry(args[0]);
        if (e) {
          d.delete(args[0]);
          return e.value;
        }
        if (args.length > 1 || d.configDict) return args[1] ?? null;
        throw new PyError('KeyError', repr(args[0]));
      });
    case 'setdefault':
      return method(owner, name, (args) => {
        if (!d.has(args[0])) d.set(args[0], args[1] ?? null);
        return d.get(args[0])!;
      });
    case 'copy':
      return method(owner, name, () => {
        const c = new PyDict(d.configDict);
        for (const e of d) c.set(e.key, e.value, e.prov);
        return c;
      });
    case 'clear':
      return method(owner, name, () => {
        d.clear();
        return null;
      });
    case 'popitem':
      return method(owner, name, () => {
        const last = [...d].pop();
        if (!last) throw new PyError('KeyError', "'popitem(): dictionary is empty'");
        d.delete(last.key);
        return new PyTuple([last.key, last.value]);
      });
    case 'update':
      return method(owner, name, (args, kwargs) => {
        const src = buildDict(args, kwargs);
        // ConfigDict.update merges nested dicts (addict semantics); dict.update replaces.
        for (const e of src) {
          const cur = d.get(e.key);
          if (d.configDict && cur instanceof PyDict && e.value instanceof PyDict)
            call(getAttr(cur, 'update', call), [e.value]);
          else d.set(e.key, d.configDict ? cloneTree(e.value) : e.value, e.prov);
        }
        return null;
      });
    case 'fromkeys':
      return method(owner, name, (args) => {
        const out = new PyDict(false);
        for (const k of iterate(args[0])) out.set(k, args[1] ?? null);
        return out;
      });
  }
  throw new PyError('AttributeError', `'${owner}' object has no attribute '${name}'`);
}

function view(type: string, items: () => PyValue[]): PyObject {
  const list = items();
  return new PyObject(`builtins.${type}`, `${type}(${repr(new PyList(list))})`, { items: () => list });
}

function seqMethod(items: PyValue[], owner: string, name: string): PyObject {
  if (name === 'index') {
    return method(owner, name, (args) => {
      work(items.length);
      const i = items.findIndex((x) => pyEquals(x, args[0]));
      if (i < 0) throw new PyError('ValueError', `${repr(args[0])} is not in ${owner}`);
      return BigInt(i);
    });
  }
  return method(owner, name, (args) => (work(items.length), BigInt(items.filter((x) => pyEquals(x, args[0])).length)));
}

function listMethod(l: PyList, name: string, call: (f: PyValue, a: PyValue[], kw?: Kwargs) => PyValue): PyObject {
  switch (name) {
    case 'append':
      return method('list', name, (args) => (charge(BYTES_PER_ITEM), l.items.push(args[0]), null));
    case 'extend':
      return method('list', name, (args) => (appendAll(l.items, iterate(args[0])), null));
    case 'insert':
      return method('list', name, (args) => {
        let i = Number(toInt(args[0] as bigint));
        if (i < 0) i = Math.max(0, l.items.length + i);
        work(l.items.length);
        charge(BYTES_PER_ITEM);
        l.items.splice(i, 0, args[1]);
        return null;
      });
    case 'pop':
      return method('list', name, (args) => {
        if (!l.items.length) throw new PyError('IndexError', 'pop from empty list');
        let i = args.length ? Number(toInt(args[0] as bigint)) : l.items.length - 1;
        if (i < 0) i += l.items.length;
        if (i < 0 || i >= l.items.length) throw new PyError('IndexError', 'pop index out of range');
        if (i < l.items.length - 1) work(l.items.length);
        return l.items.splice(i, 1)[0];
      });
    case 'remove':
      return method('list', name, (args) => {
        work(l.items.length);
        const i = l.items.findIndex((x) => pyEquals(x, args[0]));
        if (i < 0) throw new PyError('ValueError', 'list.remove(x): x not in list');
        l.items.splice(i, 1);
        return null;
      });
    case 'reverse':
      return method('list', name, () => (l.items.reverse(), null));
    case 'sort':
      return method('list', name, (_args, kwargs) => {
        const key = kwargs.find(([k]) => k === 'key')?.[1];
        const rev = truthy(kwargs.find(([k]) => k === 'reverse')?.[1] ?? false);
        l.items = sortedList(l.items, key, rev, call);
        return null;
      });
    case 'copy':
      return method('list', name, () => new PyList([...l.items]));
    case 'clear':
      return method('list', name, () => ((l.items = []), null));
    case 'index':
    case 'count':
      return seqMethod(l.items, 'list', name);
  }
  throw new PyError('AttributeError', `'list' object has no attribute '${name}'`);
}

function strArg(v: PyValue, fn: string): string {
  if (typeof v !== 'string') throw new PyError('TypeError', `${fn} arg must be None or str`);
  return v;
}

function strMethod(s: string, name: string, call: (f: PyValue, a: PyValue[], kw?: Kwargs) => PyValue): PyObject {
  // Most str methods scan the string (natively: a unit of work per 16 characters).
  const m = (fn: PyCallable) => method('str', name, (args, kwargs) => (work(s.length >>> 4), fn(args, kwargs)));
  const strip = (chars: PyValue | undefined, left: boolean, right: boolean) => {
    const set = chars === undefined || chars === null ? ' \t\n\r\x0b\x0c' : strArg(chars, name);
    let a = 0;
    let b = s.length;
    if (left) while (a < b && set.includes(s[a])) a++;
    if (right) while (b > a && set.includes(s[b - 1])) b--;
    return s.slice(a, b);
  };
  switch (name) {
    case 'format':
      return m((args, kwargs) => strFormat(s, args, kwargs, call));
    case 'join':
      return m((args) => {
        const items = iterate(args[0]);
        let length = s.length * Math.max(0, items.length - 1);
        items.forEach((x, i) => {
          if (typeof x !== 'string')
            throw new PyError('TypeError', `sequence item ${i}: expected str instance, ${typeName(x)} found`);
          length += x.length;
        });
        checkStringLength(length);
        return (items as string[]).join(s);
      });
    case 'split':
    case 'rsplit':
      return m((args, kwargs) => {
        const sep = args[0] ?? kwargs.find(([k]) => k === 'sep')?.[1] ?? null;
        const max = Number(toInt((args[1] ?? kwargs.find(([k]) => k === 'maxsplit')?.[1] ?? -1n) as bigint));
        let parts: string[];
        if (sep === null)
          parts = s
            .trim()
            .split(/\s+/)
            .filter((x) => x !== '');
        else parts = s.split(strArg(sep, name));
        if (max >= 0 && parts.length > max + 1) {
          const joiner = sep === null ? ' ' : (sep as string);
          parts =
            name === 'split'
              ? [...parts.slice(0, max), parts.slice(max).join(joiner)]
              : [parts.slice(0, parts.length - max).join(joiner), ...parts.slice(parts.length - max)];
        }
        return new PyList(parts);
      });
    case 'replace':
      return m((args) => {
        const count = args[2] === undefined ? -1 : Number(toInt(args[2] as bigint));
        const [a, b] = [strArg(args[0], name), strArg(args[1], name)];
        if (b.length > a.length) {
          // Count what would be replaced first: `s.replace('a', 'x' * 10**6)` must not be built to be refused.
          let n = 0;
          for (
            let at = s.indexOf(a);
            at >= 0 && (count < 0 || n < count);
            at = s.indexOf(a, at + Math.max(1, a.length))
          )
            n++;
          checkStringLength(s.length + n * (b.length - a.length));
        }
        if (count < 0) return s.split(a).join(b);
        let out = s;
        let from = 0;
        for (let i = 0; i < count; i++) {
          const at = out.indexOf(a, from);
          if (at < 0) break;
          out = out.slice(0, at) + b + out.slice(at + a.length);
          from = at + b.length;
        }
        return out;
      });
    case 'strip':
      return m((args) => strip(args[0], true, true));
    case 'lstrip':
      return m((args) => strip(args[0], true, false));
    case 'rstrip':
      return m((args) => strip(args[0], false, true));
    case 'upper':
      return m(() => s.toUpperCase());
    case 'lower':
      return m(() => s.toLowerCase());
    case 'title':
      return m(() => s.replace(/[A-Za-z]+/g, (w) => w[0].toUpperCase() + w.slice(1).toLowerCase()));
    case 'capitalize':
      return m(() => (s ? s[0].toUpperCase() + s.slice(1).toLowerCase() : s));
    case 'startswith':
    case 'endswith':
      return m((args) => {
        const opts = args[0] instanceof PyTuple ? args[0].items : [args[0]];
        return opts.some((o) => (name === 'startswith' ? s.startsWith(strArg(o, name)) : s.endsWith(strArg(o, name))));
      });
    case 'find':
      return m((args) => BigInt(s.indexOf(strArg(args[0], name))));
    case 'rfind':
      return m((args) => BigInt(s.lastIndexOf(strArg(args[0], name))));
    case 'count':
      return m((args) => BigInt(s.split(strArg(args[0], name)).length - 1));
    case 'zfill':
      return m((args) => {
        const w = Number(toInt(args[0] as bigint));
        checkStringLength(w);
        const sign = /^[+-]/.test(s) ? s[0] : '';
        return sign + s.slice(sign.length).padStart(w - sign.length, '0');
      });
    case 'isdigit':
      return m(() => s.length > 0 && /^\d+$/.test(s));
    case 'isidentifier':
      return m(() => /^[A-Za-z_][A-Za-z0-9_]*$/.test(s));
    case 'splitlines':
      return m(() => new PyList(s.split(/\r\n|\r|\n/).filter((x, i, a) => i < a.length - 1 || x !== '')));
  }
  throw new PyError('AttributeError', `'str' object has no attribute '${name}'`);
}

/** str.format with auto/explicit numbering, keyword fields, attribute/index lookups, conversions and specs. */
export function strFormat(
  fmt: string,
  args: PyValue[],
  kwargs: Kwargs,
  call: (f: PyValue, a: PyValue[], kw?: Kwargs) => PyValue,
): string {
  let auto = 0;
  return fmt.replace(
    /\{\{|\}\}|\{([^{}!:]*)(?:!([rsa]))?(?::((?:[^{}]|\{[^{}]*\})*))?\}/g,
    (whole, field: string | undefined, conv: string | undefined, spec: string | undefined) => {
      if (whole === '{{') return '{';
      if (whole === '}}') return '}';
      const path = (field ?? '').match(/^([^.[]*)(.*)$/)!;
      let v: PyValue;
      if (path[1] === '') v = args[auto++];
      else if (/^\d+$/.test(path[1])) v = args[Number(path[1])];
      else {
        const kv = kwargs.find(([k]) => k === path[1]);
        if (!kv) throw new PyError('KeyError', repr(path[1]));
        v = kv[1];
      }
      if (v === undefined)
        throw new PyError(
          'IndexError',
          `Replacement index ${path[1] || auto - 1} out of range for positional args tuple`,
        );
      for (const m of path[2].matchAll(/\.(\w+)|\[([^\]]+)\]/g)) {
        if (m[1]) v = getAttr(v, m[1], call);
        else {
          const key: PyValue = /^\d+$/.test(m[2]) ? BigInt(m[2]) : m[2];
          if (v instanceof PyDict) {
            if (!v.has(key)) throw new PyError('KeyError', repr(key));
            v = v.get(key)!;
          } else if (v instanceof PyList || v instanceof PyTuple) v = v.items[Number(key)];
          else throw new PyError('TypeError', `'${typeName(v)}' object is not subscriptable`);
        }
      }
      if (conv === 'r' || conv === 'a') v = repr(v);
      else if (conv === 's') v = str(v);
      const resolvedSpec = (spec ?? '').replace(/\{([^{}]*)\}/g, (_m, f: string) =>
        str(f === '' ? args[auto++] : /^\d+$/.test(f) ? args[Number(f)] : (kwargs.find(([k]) => k === f)?.[1] ?? '')),
      );
      return formatSpec(v, resolvedSpec);
    },
  );
}

// ---- modules ----

function mathModule(): Map<string, PyValue> {
  const m = new Map<string, PyValue>();
  const num = (v: PyValue): number => {
    if (!isNumber(v)) throw new PyError('TypeError', `must be real number, not ${typeName(v)}`);
    return toFloat(v);
  };
  const f1 = (name: string, fn: (x: number) => number) =>
    m.set(
      name,
      builtinFunction(
        name,
        (args) => {
          const r = fn(num(args[0]));
          if (Number.isNaN(r) && !Number.isNaN(num(args[0]))) throw new PyError('ValueError', 'math domain error');
          return r;
        },
        'math',
      ),
    );
  m.set('pi', Math.PI);
  m.set('e', Math.E);
  m.set('tau', 2 * Math.PI);
  m.set('inf', Infinity);
  m.set('nan', NaN);
  f1('sqrt', Math.sqrt);
  f1('exp', Math.exp);
  f1('sin', Math.sin);
  f1('cos', Math.cos);
  f1('tan', Math.tan);
  f1('atan', Math.atan);
  f1('log2', Math.log2);
  f1('log10', Math.log10);
  f1('fabs', Math.abs);
  m.set(
    'log',
    builtinFunction(
      'log',
      (args) => {
        const x = num(args[0]);
        if (x <= 0) throw new PyError('ValueError', 'math domain error');
        return args.length > 1 ? Math.log(x) / Math.log(num(args[1])) : Math.log(x);
      },
      'math',
    ),
  );
  m.set(
    'pow',
    builtinFunction('pow', (args) => Math.pow(num(args[0]), num(args[1])), 'math'),
  );
  m.set(
    'isclose',
    builtinFunction(
      'isclose',
      (args) =>
        Math.abs(num(args[0]) - num(args[1])) <= 1e-9 * Math.max(Math.abs(num(args[0])), Math.abs(num(args[1]))),
      'math',
    ),
  );
  for (const [name, fn] of [
    ['floor', Math.floor],
    ['ceil', Math.ceil],
    ['trunc', Math.trunc],
  ] as const) {
    m.set(
      name,
      builtinFunction(
        name,
        (args) => {
          const v = args[0];
          if (typeof v === 'bigint' || typeof v === 'boolean') return toInt(v);
          const x = num(v);
          if (!Number.isFinite(x))
            throw new PyError(
              Number.isNaN(x) ? 'ValueError' : 'OverflowError',
              `cannot convert float ${Number.isNaN(x) ? 'NaN' : 'infinity'} to integer`,
            );
          return BigInt(fn(x));
        },
        'math',
      ),
    );
  }
  m.set(
    'gcd',
    builtinFunction(
      'gcd',
      (args) => {
        let [a, b] = args.map((x) => toInt(x as bigint)).map((x) => (x < 0n ? -x : x));
        while (b) [a, b] = [b, a % b];
        return a ?? 0n;
      },
      'math',
    ),
  );
  return m;
}

function osPathModule(): Map<string, PyValue> {
  const m = new Map<string, PyValue>();
  const s = (v: PyValue) => {
    if (typeof v !== 'string')
      throw new PyError('TypeError', `expected str, bytes or os.PathLike object, not ${typeName(v)}`);
    return v;
  };
  m.set(
    'join',
    builtinFunction(
      'join',
      (args) =>
        args.map(s).reduce((a, b) => (b.startsWith('/') ? b : a === '' || a.endsWith('/') ? a + b : a + '/' + b)),
      'posixpath',
    ),
  );
  m.set(
    'basename',
    builtinFunction('basename', (args) => s(args[0]).slice(s(args[0]).lastIndexOf('/') + 1), 'posixpath'),
  );
  m.set(
    'dirname',
    builtinFunction(
      'dirname',
      (args) => {
        const p = s(args[0]);
        const i = p.lastIndexOf('/') + 1;
        const head = p.slice(0, i);
        return head && head !== '/'.repeat(head.length) ? head.replace(/\/+$/, '') : head;
      },
      'posixpath',
    ),
  );
  m.set(
    'splitext',
    builtinFunction(
      'splitext',
      (args) => {
        const p = s(args[0]);
        const base = p.slice(p.lastIndexOf('/') + 1);
        const dot = base.lastIndexOf('.');
        if (dot <= 0 || /^\.+$/.test(base.slice(0, dot + 1))) return new PyTuple([p, '']);
        const cut = p.length - base.length + dot;
        return new PyTuple([p.slice(0, cut), p.slice(cut)]);
      },
      'posixpath',
    ),
  );
  return m;
}

const STDLIB = new Set([
  'abc',
  'argparse',
  'array',
  'ast',
  'collections',
  'copy',
  'datetime',
  'decimal',
  'enum',
  'fractions',
  'functools',
  'glob',
  'hashlib',
  'itertools',
  'json',
  'logging',
  'math',
  'numbers',
  'operator',
  'os',
  'pathlib',
  'platform',
  'random',
  're',
  'shutil',
  'string',
  'sys',
  'tempfile',
  'time',
  'types',
  'typing',
  'uuid',
  'warnings',
]);

export function isStdlibModule(name: string): boolean {
  return STDLIB.has(name.split('.')[0]);
}

export function makeModule(name: string): PyObject {
  let members = new Map<string, PyValue>();
  let known = false;
  if (name === 'math') {
    members = mathModule();
    known = true;
  } else if (name === 'os.path') {
    members = osPathModule();
    known = true;
  } else if (name === 'os') {
    members.set('path', makeModule('os.path'));
    members.set('sep', '/');
    known = false;
  } else if (name === 'copy') {
    members.set(
      'deepcopy',
      builtinFunction('deepcopy', (args) => cloneTree(args[0], false), 'copy'),
    );
    members.set(
      'copy',
      builtinFunction(
        'copy',
        (args) => {
          const v = args[0];
          if (v instanceof PyDict) {
            const d = new PyDict(v.configDict);
            for (const e of v) d.set(e.key, e.value, e.prov);
            return d;
          }
          if (v instanceof PyList) return new PyList([...v.items]);
          return v;
        },
        'copy',
      ),
    );
    known = true;
  }
  return new PyObject('builtins.module', `<module '${name}'>`, { name, members, known } satisfies ModuleImpl);
}
