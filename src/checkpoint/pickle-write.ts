// Writes Python pickles (protocol 2, as torch.save does) of the values a checkpoint holds:
// None, bool, int, float, str, list, tuple, dict, OrderedDict and tensors (torch's
// _rebuild_tensor_v2 with a persistent storage id).
import { DType } from './torch-read';

/** A float that must stay a Python float even when it is integral (1.0, 0.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A Python tuple (a plain array is written as a list). */
export class OutTuple {
  constructor(readonly items: OutValue[]) {}
}

/** An OrderedDict (a plain object or Map is written as a dict). */
export class OutOrderedDict {
  constructor(readonly entries: Array<[string | number, OutValue]>) {}
}

/** A tensor stored as storage `key` of the archive (contiguous, offset 0). */
export class OutTensor {
  constructor(
    readonly key: string,
    readonly dtype: DType,
    readonly shape: number[],
  ) {}
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export type OutValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | PyFloat
  | OutTuple
  | OutOrderedDict
  | OutTensor
  | OutValue[]
  | Map<string | number, OutValue>
  | { [k: string]: OutValue };

const STORAGE_CLASS: Partial<Record<DType, string>> = {
  float32: 'FloatStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  float64: 'DoubleStorage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

class Out {
  private chunks: Buffer[] = [];
  private cur = Buffer.alloc(1 << 16);
  private n = 0;
  byte(b: number) {
    if (this.n + 1 > this.cur.length) this.flush();
    this.cur[this.n++] = b;
  }
  bytes(b: Buffer) {
    if (this.n + b.length > this.cur.length) this.flush();
    if (b.length > this.cur.length) this.chunks.push(b);
    else {
      b.copy(this.cur, this.n);
      this.n += b.length;
    }
  }
  flush() {
    this.chunks.push(Buffer.from(this.cur.subarray(0, this.n)));
    this.n = 0;
  }
  result(): Buffer {
    this.flush();
    return Buffer.concat(this.chunks);
  }
}

export function writePickle(value: OutValue): Buffer {
  const o = new Out();
  const u32 = (v: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(v);
    o.bytes(b);
  };
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    o.byte(0x58); // BINUNICODE
    u32(b.length);
    o.bytes(b);
  };
  const global = (module: string, name: string) => {
    o.byte(0x63);
    o.bytes(Buffer.from(`${module}\n${name}\n`, 'latin1'));
  };
  const int = (v: number | bigint) => {
    if (typeof v === 'number' && v >= 0 && v < 256) {
      o.byte(0x4b);
      o.byte(v);
    } else if (typeof v === 'number' && v >= 0 && v < 65536) {
      o.byte(0x4d);
      o.bytes(Buffer.from([v & 0xff, v >> 8]));
    } else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) {
      o.byte(0x4a);
      const b = Buffer.alloc(4);
      b.writeInt32LE(v);
      o.bytes(b);
    } else {
      // LONG1: little-endian two's complement, as short as the value allows.
      let x = BigInt(v);
      const bytes: number[] = [];
      while (true) {
        const byte = Number(x & 0xffn);
        bytes.push(byte);
        x >>= 8n;
        if ((x === 0n && !(byte & 0x80)) || (x === -1n && byte & 0x80)) break;
      }
      o.byte(0x8a);
      o.byte(bytes.length);
      o.bytes(Buffer.from(bytes));
    }
  };
  const float = (v: number) => {
    o.byte(0x47);
    const b = Buffer.alloc(8);
    b.writeDoubleBE(v);
    o.bytes(b);
  };
  const setItems = (entries: Array<[OutValue, OutValue]>) => {
    for (let i = 0; i < entries.length; i += 1000) {
      o.byte(0x28); // MARK
      for (const [k, v] of entries.slice(i, i + 1000)) {
        write(k);
        write(v);
      }
      o.byte(0x75); // SETITEMS
    }
  };
  const tupleOf = (items: OutValue[]) => {
    if (items.length === 0) return o.byte(0x29);
    if (items.length <= 3) {
      items.forEach(write);
      return o.byte(0x84 + items.length); // TUPLE1..3
    }
    o.byte(0x28);
    items.forEach(write);
    o.byte(0x74);
  };
  const write = (v: OutValue): void => {
    if (v === null || v === undefined) o.byte(0x4e);
    else if (v === true) o.byte(0x88);
    else if (v === false) o.byte(0x89);
    else if (typeof v === 'bigint') int(v);
    else if (typeof v === 'number') {
      if (Number.isInteger(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER) int(v);
      else float(v);
    } else if (typeof v === 'string') str(v);
    else if (v instanceof PyFloat) float(v.value);
    else if (v instanceof OutTuple) tupleOf(v.items);
    else if (v instanceof OutTensor) {
      const cls = STORAGE_CLASS[v.dtype];
      if (!cls) throw new Error(`internal: no storage class for ${v.dtype}`);
      const contiguous = v.shape.map((_, i) => v.shape.slice(i + 1).reduce((a, b) => a * b, 1));
      global('torch._utils', '_rebuild_tensor_v2');
      o.byte(0x28); // MARK: the argument tuple
      // Persistent id ('storage', torch.<Type>Storage, key, location, numel), as torch.save writes it.
      o.byte(0x28);
      str('storage');
      global('torch', cls);
      str(v.key);
      str('cpu');
      int(v.numel);
      o.byte(0x74); // TUPLE
      o.byte(0x51); // BINPERSID
      int(0); // storage offset
      tupleOf(v.shape);
      tupleOf(contiguous);
      o.byte(0x89); // requires_grad False
      write(new OutOrderedDict([])); // backward hooks
      o.byte(0x74);
      o.byte(0x52); // REDUCE
    } else if (v instanceof OutOrderedDict) {
      global('collections', 'OrderedDict');
      o.byte(0x29);
      o.byte(0x52);
      if (v.entries.length) setItems(v.entries);
    } else if (Array.isArray(v)) {
      o.byte(0x5d);
      for (let i = 0; i < v.length; i += 1000) {
        o.byte(0x28);
        v.slice(i, i + 1000).forEach(write);
        o.byte(0x65); // APPENDS
      }
    } else if (v instanceof Map) {
      o.byte(0x7d);
      if (v.size) setItems([...v.entries()]);
    } else {
      o.byte(0x7d);
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length) setItems(entries);
    }
  };
  o.byte(0x80);
  o.byte(2);
  write(value);
  o.byte(0x2e);
  return o.result();
}
