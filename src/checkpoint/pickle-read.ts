// A pickle reader that never executes anything. Python's unpickler calls whatever global a
// pickle names; this one rebuilds a short allow-list itself (OrderedDict, torch's tensor
// rebuilders, storage types, set/frozenset/bytearray, _codecs.encode for protocol-2 bytes) and
// keeps the data objects that MMEngine training checkpoints carry (mmengine.logging.*, numpy
// scalars, arrays and dtypes) as inert placeholders, so that `state_dict` can still be read.
// A REDUCE, NEWOBJ or BUILD on any other global is an error naming it; nothing runs either way.
import { CheckpointError } from './errors';

export class PyTuple extends Array<PyValue> {}

/** A dict or OrderedDict; `attrs` holds what BUILD set on it (torch's state_dict `_metadata`). */
export class PyDict extends Map<PyKey, PyValue> {
  attrs?: PyDict;
  constructor(readonly ordered = false) {
    super();
  }
}

/** A global named by the pickle and not rebuilt (a reference only; never imported). */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualified(): string {
    return `${this.module}.${this.name}`;
  }
}

/** An object of an inert data class: what would have been built, recorded, not built. */
export class PyObject {
  state?: PyValue;
  constructor(
    readonly cls: PyGlobal | string,
    readonly args: PyValue[],
  ) {}
  get className(): string {
    return typeof this.cls === 'string' ? this.cls : this.cls.qualified;
  }
}

export type PyKey = string | number | bigint | boolean | null | PyTuple | PyObject;
export type PyValue = PyKey | Uint8Array | PyValue[] | PyTuple | PyDict | Set<PyValue> | PyGlobal | PyObject | object;

export interface PickleOptions {
  /** The file (and entry) for error messages. */
  where: string;
  /** BINPERSID/PERSID: torch's storage references. */
  persistentLoad?: (pid: PyValue) => PyValue;
  /** Rebuilds torch._utils._rebuild_tensor_v2 / _rebuild_parameter calls. */
  rebuildTensor?: (args: PyValue[], kind: 'tensor' | 'parameter') => PyValue;
  start?: number;
}

const MAX_DEPTH = 1000;
const MAX_STACK = 50_000_000;

/** Globals that name storage classes: kept as references and resolved by the persistent loader. */
export const STORAGE_TYPES = new Set([
  'FloatStorage',
  'HalfStorage',
  'BFloat16Storage',
  'DoubleStorage',
  'LongStorage',
  'IntStorage',
  'ShortStorage',
  'CharStorage',
  'ByteStorage',
  'BoolStorage',
  'UntypedStorage',
]);

/** Data classes MMEngine/numpy put in training checkpoints: kept as placeholders. */
function isInertClass(g: PyGlobal): boolean {
  const q = g.qualified;
  if (g.module.startsWith('mmengine.logging')) return true;
  return [
    'numpy.core.multiarray.scalar',
    'numpy.core.multiarray._reconstruct',
    'numpy._core.multiarray.scalar',
    'numpy._core.multiarray._reconstruct',
    'numpy.dtype',
    'numpy.ndarray',
  ].includes(q);
}

function isBuiltins(module: string): boolean {
  return module === 'builtins' || module === '__builtin__';
}

class Mark {}
const MARK = new Mark();

const decoder = new TextDecoder('utf-8', { fatal: true });

export function readPickle(buf: Uint8Array, opts: PickleOptions): { value: PyValue; end: number } {
  const fail = (msg: string): never => {
    throw new CheckpointError(opts.where, msg);
  };
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = opts.start ?? 0;
  const stack: any[] = [];
  const marks: number[] = [];
  const memo = new Map<number, any>();
  const depth = new WeakMap<object, number>();

  const need = (n: number, what: string) => {
    if (!Number.isSafeInteger(n) || n < 0 || pos + n > buf.length)
      fail(`pickle is truncated or corrupt (${what} of ${n} bytes at offset ${pos}, ${buf.length - pos} left)`);
  };
  const u8 = () => (need(1, 'byte'), buf[pos++]);
  const u16 = () => (need(2, 'uint16'), (pos += 2), view.getUint16(pos - 2, true));
  const u32 = () => (need(4, 'uint32'), (pos += 4), view.getUint32(pos - 4, true));
  const i32 = () => (need(4, 'int32'), (pos += 4), view.getInt32(pos - 4, true));
  const u64 = () => {
    need(8, 'uint64');
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`pickle declares a length of ${v} bytes at offset ${pos - 8}`);
    return Number(v);
  };
  const bytes = (n: number, what: string) => {
    need(n, what);
    pos += n;
    return buf.subarray(pos - n, pos);
  };
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) fail(`pickle is truncated (unterminated text argument at offset ${pos})`);
    const s = Buffer.from(buf.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    return s;
  };
  const utf8 = (b: Uint8Array) => {
    try {
      return decoder.decode(b);
    } catch {
      return fail(`pickle has a string that is not valid UTF-8 at offset ${pos - b.length}`);
    }
  };
  const depthOf = (v: unknown) => (v !== null && typeof v === 'object' ? (depth.get(v as object) ?? 1) : 0);
  const contains = (parent: object, child: unknown) => {
    const d = depthOf(child) + 1;
    if (d > MAX_DEPTH) fail(`pickle nests containers deeper than ${MAX_DEPTH} levels`);
    if (d > (depth.get(parent) ?? 1)) depth.set(parent, d);
  };
  const push = (v: unknown) => {
    if (stack.length >= MAX_STACK) fail(`pickle stack grows past ${MAX_STACK} items`);
    stack.push(v);
  };
  const pop = () => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK)
      fail(`pickle is corrupt (stack underflow at offset ${pos - 1})`);
    return stack.pop();
  };
  const top = () => {
    if (stack.length === 0 || stack[stack.length - 1] === MARK)
      fail(`pickle is corrupt (empty stack at offset ${pos - 1})`);
    return stack[stack.length - 1];
  };
  const popMark = (): any[] => {
    const m = marks.pop();
    if (m === undefined) fail(`pickle is corrupt (no MARK before offset ${pos - 1})`);
    const items = stack.splice(m!);
    items.shift(); // the MARK itself
    return items;
  };
  const tuple = (items: any[]): PyTuple => {
    const t = new PyTuple();
    for (const x of items) {
      t.push(x);
      contains(t, x);
    }
    return t;
  };
  const getMemo = (i: number) => {
    if (!memo.has(i)) fail(`pickle refers to memo entry ${i}, which was never set`);
    push(memo.get(i));
  };
  const setItem = (d: unknown, k: unknown, v: unknown) => {
    if (!(d instanceof PyDict)) fail(`pickle sets an item on a ${describe(d)}, not a dict`);
    if (k !== null && typeof k === 'object' && !(k instanceof PyTuple) && !(k instanceof PyObject))
      fail(`pickle uses an unhashable ${describe(k)} as a dict key`);
    (d as PyDict).set(k as PyKey, v as PyValue);
    contains(d as PyDict, v);
  };
  const append = (l: unknown, v: unknown) => {
    if (!Array.isArray(l) || l instanceof PyTuple) fail(`pickle appends to a ${describe(l)}, not a list`);
    (l as unknown[]).push(v);
    contains(l as object, v);
  };
  const refused = (what: string, g: unknown): never =>
    fail(
      `pickle ${what} ${g instanceof PyGlobal ? g.qualified : describe(g)}, which is not allowed in a checkpoint (nothing was run)`,
    );

  /** REDUCE: callable(*args). Only the allow-list is rebuilt; inert classes become placeholders. */
  const call = (fn: unknown, args: unknown): unknown => {
    if (!(args instanceof PyTuple))
      fail(`pickle calls ${describe(fn)} with ${describe(args)} instead of an argument tuple`);
    const a = args as PyTuple;
    if (!(fn instanceof PyGlobal)) return refused('calls', fn);
    const q = fn.qualified;
    if (q === 'collections.OrderedDict') {
      const d = new PyDict(true);
      if (a.length > 0) {
        if (!Array.isArray(a[0])) fail(`pickle builds an OrderedDict from a ${describe(a[0])}`);
        for (const kv of a[0] as unknown[]) {
          if (!Array.isArray(kv) || kv.length !== 2)
            fail('pickle builds an OrderedDict from something that is not (key, value) pairs');
          setItem(d, (kv as unknown[])[0], (kv as unknown[])[1]);
        }
      }
      return d;
    }
    if (q === 'torch._utils._rebuild_tensor_v2' || q === 'torch._utils._rebuild_tensor') {
      if (!opts.rebuildTensor) return refused('calls', fn);
      return opts.rebuildTensor([...a], 'tensor');
    }
    if (q === 'torch._utils._rebuild_parameter') {
      if (!opts.rebuildTensor) return refused('calls', fn);
      return opts.rebuildTensor([...a], 'parameter');
    }
    if (isBuiltins(fn.module) && (fn.name === 'set' || fn.name === 'frozenset')) {
      const s = new Set<PyValue>();
      if (a.length > 0) {
        if (!Array.isArray(a[0])) fail(`pickle builds a ${fn.name} from a ${describe(a[0])}`);
        for (const x of a[0] as PyValue[]) s.add(x);
      }
      return s;
    }
    if (isBuiltins(fn.module) && fn.name === 'bytearray') {
      if (a.length === 0) return new Uint8Array(0);
      if (a[0] instanceof Uint8Array) return Uint8Array.from(a[0] as Uint8Array);
      if (typeof a[0] === 'string' && a[1] === 'latin-1') return Uint8Array.from(Buffer.from(a[0] as string, 'latin1'));
      return refused('calls', fn);
    }
    if (q === '_codecs.encode') {
      // How Python 3 writes bytes at protocol 2: _codecs.encode(text, 'latin1').
      if (typeof a[0] !== 'string' || (a[1] !== 'latin1' && a[1] !== 'latin-1'))
        fail(`pickle calls _codecs.encode with arguments other than (text, 'latin1')`);
      return Uint8Array.from(Buffer.from(a[0] as string, 'latin1'));
    }
    if (isBuiltins(fn.module) && fn.name === 'getattr') {
      // MMEngine pickles HistoryBuffer's statistics methods as getattr(HistoryBuffer, 'mean').
      const [obj, name] = a;
      if (
        obj instanceof PyGlobal &&
        isInertClass(obj) &&
        typeof name === 'string' &&
        /^[A-Za-z][A-Za-z0-9_]*$/.test(name)
      )
        return new PyGlobal(obj.qualified, name);
      return fail(
        `pickle calls builtins.getattr on ${obj instanceof PyGlobal ? obj.qualified : describe(obj)}${typeof name === 'string' ? ` for '${name}'` : ''}, which is not allowed in a checkpoint (nothing was run)`,
      );
    }
    if (isInertClass(fn)) {
      const o = new PyObject(fn, [...a]);
      contains(o, a);
      return o;
    }
    return refused('calls', fn);
  };

  const build = (obj: unknown, state: unknown) => {
    if (obj instanceof PyObject) {
      obj.state = state as PyValue;
      contains(obj, state);
    } else if (obj instanceof PyDict && state instanceof PyDict) {
      obj.attrs = state; // torch's state_dict._metadata
      contains(obj, state);
    } else if (obj instanceof PyDict && state === null) {
      // nothing to set
    } else if (obj !== null && typeof obj === 'object' && (obj as any).__tensor__) {
      // torch may BUILD a tensor's Python attributes (none matter for weights).
    } else refused('sets the state of', obj);
  };

  const globalRef = (module: string, name: string): PyGlobal => {
    if (!/^[A-Za-z_][\w.]*$/.test(module) || !/^[A-Za-z_][\w.]*$/.test(name))
      fail(`pickle names a malformed global '${module} ${name}'`);
    return new PyGlobal(module, name);
  };

  while (true) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`pickle protocol ${buf[pos - 1]} is newer than any Python writes`);
        break;
      case 0x95: // FRAME
        u64();
        break;
      case 0x2e: {
        // STOP
        const v = pop();
        if (stack.length) fail(`pickle is corrupt (${stack.length} items left on the stack at STOP)`);
        return { value: v, end: pos };
      }
      case 0x28: // MARK
        marks.push(stack.length);
        push(MARK);
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x88:
        push(true);
        break;
      case 0x89:
        push(false);
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x4a: // BININT
        push(i32());
        break;
      case 0x8a: // LONG1
        push(readLong(bytes(u8(), 'LONG1')));
        break;
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0 || n > 64) fail(`pickle declares an integer of ${n} bytes at offset ${at}`);
        push(readLong(bytes(n, 'LONG4')));
        break;
      }
      case 0x49: {
        // INT (text; "01"/"00" are True/False)
        const s = line().trim();
        if (s === '01' || s === '00') push(s === '01');
        else push(parseIntText(s, fail));
        break;
      }
      case 0x4c: // LONG (text)
        push(parseIntText(line().trim().replace(/L$/, ''), fail));
        break;
      case 0x47: // BINFLOAT (big-endian)
        need(8, 'BINFLOAT');
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x46: {
        // FLOAT (text)
        const f = Number(line());
        if (Number.isNaN(f)) fail(`pickle has a malformed float at offset ${at}`);
        push(f);
        break;
      }
      case 0x58: // BINUNICODE
        push(utf8(bytes(u32(), 'BINUNICODE')));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(utf8(bytes(u8(), 'SHORT_BINUNICODE')));
        break;
      case 0x8d: // BINUNICODE8
        push(utf8(bytes(u64(), 'BINUNICODE8')));
        break;
      case 0x56: // UNICODE (raw-unicode-escape text)
        push(line().replace(/\\u([0-9a-fA-F]{4})/g, (_, h) => String.fromCharCode(parseInt(h, 16))));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        push(Buffer.from(bytes(i32(), 'BINSTRING')).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        push(Buffer.from(bytes(u8(), 'SHORT_BINSTRING')).toString('latin1'));
        break;
      case 0x53: {
        // STRING (repr text)
        const s = line().trim();
        const m = /^(['"])(.*)\1$/s.exec(s);
        if (!m) fail(`pickle has a malformed STRING at offset ${at}`);
        push(m![2]);
        break;
      }
      case 0x42: // BINBYTES
        push(Uint8Array.from(bytes(u32(), 'BINBYTES')));
        break;
      case 0x43: // SHORT_BINBYTES
        push(Uint8Array.from(bytes(u8(), 'SHORT_BINBYTES')));
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        push(Uint8Array.from(bytes(u64(), 'BINBYTES8')));
        break;
      case 0x7d: // EMPTY_DICT
        push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const items = popMark();
        if (items.length % 2) fail(`pickle builds a dict from an odd number of items at offset ${at}`);
        const d = new PyDict();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        push(d);
        break;
      }
      case 0x5d: // EMPTY_LIST
        push([]);
        break;
      case 0x6c: {
        // LIST
        const items = popMark();
        const l: unknown[] = [];
        for (const x of items) append(l, x);
        push(l);
        break;
      }
      case 0x29: // EMPTY_TUPLE
        push(tuple([]));
        break;
      case 0x74: // TUPLE
        push(tuple(popMark()));
        break;
      case 0x85:
        push(tuple([pop()]));
        break;
      case 0x86: {
        const b = pop();
        push(tuple([pop(), b]));
        break;
      }
      case 0x87: {
        const c = pop();
        const b = pop();
        push(tuple([pop(), b, c]));
        break;
      }
      case 0x8f: // EMPTY_SET
        push(new Set());
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) fail(`pickle adds items to a ${describe(s)}, not a set`);
        for (const x of items) s.add(x);
        break;
      }
      case 0x91: // FROZENSET
        push(new Set(popMark()));
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = top();
        for (const x of items) append(l, x);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItem(top(), k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        if (items.length % 2) fail(`pickle sets an odd number of dict items at offset ${at}`);
        const d = top();
        for (let i = 0; i < items.length; i += 2) setItem(d, items[i], items[i + 1]);
        break;
      }
      case 0x70: // PUT (text)
        memo.set(parseIntText(line(), fail) as number, top());
        break;
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x67: // GET (text)
        getMemo(parseIntText(line(), fail) as number);
        break;
      case 0x68: // BINGET
        getMemo(u8());
        break;
      case 0x6a: // LONG_BINGET
        getMemo(u32());
        break;
      case 0x63: {
        // GLOBAL
        const module = line();
        push(globalRef(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string')
          fail(`pickle names a global with non-string parts at offset ${at}`);
        push(globalRef(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        push(call(fn, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        build(top(), state);
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args)
        const args = pop();
        const cls = pop();
        if (cls instanceof PyGlobal && cls.qualified === 'collections.OrderedDict') push(new PyDict(true));
        else if (cls instanceof PyGlobal && isInertClass(cls) && args instanceof PyTuple) {
          const o = new PyObject(cls, [...args]);
          contains(o, args);
          push(o);
        } else refused('creates', cls);
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        pop();
        pop();
        refused('creates', pop());
        break;
      }
      case 0x69: {
        // INST (protocol 0): calls module.name(*args)
        const items = popMark();
        const module = line();
        const g = globalRef(module, line());
        push(call(g, tuple(items)));
        break;
      }
      case 0x6f: {
        // OBJ (protocol 1)
        const items = popMark();
        const cls = items.shift();
        push(call(cls, tuple(items)));
        break;
      }
      case 0x82:
      case 0x83:
      case 0x84:
        fail(
          `pickle uses the copyreg extension registry (opcode 0x${op.toString(16)} at offset ${at}), which a checkpoint never needs`,
        );
        break;
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail(`pickle has a persistent id at offset ${at} but this file format has none`);
        push(opts.persistentLoad!(pid));
        break;
      }
      case 0x50: {
        // PERSID (text)
        const pid = line();
        if (!opts.persistentLoad) fail(`pickle has a persistent id at offset ${at} but this file format has none`);
        push(opts.persistentLoad!(pid));
        break;
      }
      default:
        fail(`pickle is corrupt (unknown opcode 0x${op.toString(16).padStart(2, '0')} at offset ${at})`);
    }
  }
}

function readLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function parseIntText(s: string, fail: (m: string) => never): number | bigint {
  if (!/^-?\d+$/.test(s.trim())) fail(`pickle has a malformed integer '${s.slice(0, 20)}'`);
  const v = BigInt(s.trim());
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** A short name of a value's Python type, for error messages. */
export function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v === MARK) return 'MARK';
  if (v instanceof PyGlobal) return v.qualified;
  if (v instanceof PyObject) return `${v.className} object`;
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof PyDict) return v.ordered ? 'OrderedDict' : 'dict';
  if (v instanceof Set) return 'set';
  if (v instanceof Uint8Array) return 'bytes';
  if (typeof v === 'object' && (v as any).__tensor__) return 'tensor';
  return { string: 'str', number: 'number', bigint: 'int', boolean: 'bool' }[typeof v as string] ?? typeof v;
}

/**
 * The number a numpy scalar placeholder holds (numpy.core.multiarray.scalar(dtype, bytes), as
 * MMEngine's schedulers leave np.float64 lrs in the optimizer state), decoded from its bytes;
 * undefined for anything else.
 */
export function numpyScalarValue(v: unknown): number | boolean | undefined {
  if (!(v instanceof PyObject) || !/^numpy\.(_?core)\.multiarray\.scalar$/.test(v.className)) return undefined;
  const [dtype, raw] = v.args;
  if (!(dtype instanceof PyObject) || dtype.className !== 'numpy.dtype' || !(raw instanceof Uint8Array))
    return undefined;
  const code = dtype.args[0];
  const order = dtype.state instanceof PyTuple ? dtype.state[1] : '<';
  const le = order !== '>';
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const sizes: Record<string, number> = { f8: 8, f4: 4, i8: 8, i4: 4, i2: 2, i1: 1, u8: 8, u4: 4, u2: 2, u1: 1, b1: 1 };
  if (typeof code !== 'string' || sizes[code] !== raw.length) return undefined;
  switch (code) {
    case 'f8':
      return dv.getFloat64(0, le);
    case 'f4':
      return dv.getFloat32(0, le);
    case 'i8':
      return Number(dv.getBigInt64(0, le));
    case 'u8':
      return Number(dv.getBigUint64(0, le));
    case 'i4':
      return dv.getInt32(0, le);
    case 'u4':
      return dv.getUint32(0, le);
    case 'i2':
      return dv.getInt16(0, le);
    case 'u2':
      return dv.getUint16(0, le);
    case 'i1':
      return dv.getInt8(0);
    case 'u1':
      return dv.getUint8(0);
    default:
      return raw[0] !== 0;
  }
}
