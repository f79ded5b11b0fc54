// Reads files written by torch.save without Python: the zip format of PyTorch >= 1.6 (data.pkl
// plus one raw little-endian file per storage under data/) and the older single-stream format.
// The pickle is read with the never-executing reader; tensors stay references into the file
// until a caller reads one, so a checkpoint of hundreds of MB is never held in memory at once.
import { open, stat } from 'node:fs/promises';
import { CheckpointError } from './errors';
import { describe, PyGlobal, PyTuple, PyValue, readPickle, STORAGE_TYPES } from './pickle-read';
import { ZipEntryInfo, ZipError, ZipReader } from './zip-read';

export type DType =
  'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

const STORAGE_DTYPE: Record<string, DType> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

export const DTYPE_SIZE: Record<DType, number> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

export interface StorageRef {
  key: string;
  dtype: DType;
  numel: number;
}

/** A tensor in the pickle: where its numbers are, not the numbers. */
export class TorchTensor {
  readonly __tensor__ = true;
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
    readonly requiresGrad: boolean,
  ) {}
  get dtype(): DType {
    return this.storage.dtype;
  }
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

export interface TorchFile {
  file: string;
  format: 'zip' | 'legacy';
  root: PyValue;
  /** The tensor's elements in row-major order, as float32 (any floating or integer dtype). */
  readFloat32(t: TorchTensor): Promise<Float32Array>;
  /** The tensor's elements as JavaScript numbers (integer buffers such as num_batches_tracked). */
  readNumbers(t: TorchTensor): Promise<number[]>;
  close(): Promise<void>;
}

const ZIP_MAGIC = 0x04034b50;
const LEGACY_MAGIC = Buffer.from('80028a0a6cfc9c46f9206aa85019', 'hex'); // PROTO 2, LONG1 0x1950a86a20f9469cfc6c

/** What kind of checkpoint file this is, from its first bytes. */
export async function sniffFormat(file: string): Promise<'zip' | 'legacy' | 'ckpt' | 'unknown'> {
  const fh = await open(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    if (bytesRead >= 4 && head.readUInt32LE(0) === ZIP_MAGIC) return 'zip';
    if (bytesRead >= LEGACY_MAGIC.length && head.subarray(0, LEGACY_MAGIC.length).equals(LEGACY_MAGIC)) return 'legacy';
    if (head.toString('latin1', 0, 14) === 'YOLOLAB-CKPT-1') return 'ckpt';
    return 'unknown';
  } finally {
    await fh.close();
  }
}

function int(v: PyValue, what: string, fail: (m: string) => never): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0)
    fail(`${what} is ${typeof v === 'number' ? v : `a ${describe(v)}`}, not a non-negative integer`);
  return v as number;
}

/** Shared by both formats: storage references from persistent ids, tensors from their rebuild calls. */
function tensorBuilders(where: string, storages: Map<string, StorageRef>) {
  const fail = (m: string): never => {
    throw new CheckpointError(where, m);
  };
  const persistentLoad = (pid: PyValue): PyValue => {
    if (!(pid instanceof PyTuple) || pid[0] !== 'storage')
      fail(`pickle has a persistent id that is not a storage (${describe(pid)})`);
    const t = pid as PyTuple;
    const type = t[1];
    if (!(type instanceof PyGlobal) || type.module !== 'torch' || !STORAGE_TYPES.has(type.name))
      fail(
        `pickle names storage type ${type instanceof PyGlobal ? type.qualified : describe(type)}, which is not a torch storage`,
      );
    const key = t[2];
    if (typeof key !== 'string' || !/^[\w.-]+$/.test(key)) fail(`pickle has a malformed storage key ${describe(key)}`);
    const numel = int(t[4], `storage ${key}'s element count`, fail);
    if (t.length >= 6 && t[5] !== null)
      fail(`storage ${key} is a view into another storage (old torch.save), which is not supported`);
    const existing = storages.get(key as string);
    if (existing) return existing;
    const ref: StorageRef = { key: key as string, dtype: STORAGE_DTYPE[(type as PyGlobal).name], numel };
    storages.set(ref.key, ref);
    return ref;
  };
  const rebuildTensor = (args: PyValue[], kind: 'tensor' | 'parameter'): PyValue => {
    if (kind === 'parameter') {
      if (!(args[0] instanceof TorchTensor)) fail(`pickle rebuilds a parameter from a ${describe(args[0])}`);
      return args[0];
    }
    const [storage, offset, size, stride] = args;
    if (
      !storage ||
      typeof storage !== 'object' ||
      !('key' in (storage as object)) ||
      !storages.has((storage as StorageRef).key)
    )
      fail(`pickle rebuilds a tensor from a ${describe(storage)}, not a storage`);
    const ref = storage as StorageRef;
    if (!(size instanceof PyTuple) || !(stride instanceof PyTuple) || size.length !== stride.length)
      fail(`pickle rebuilds a tensor with a malformed shape or stride`);
    const shape = Array.from(size as PyTuple, (d, i) => int(d, `tensor dimension ${i}`, fail));
    const strides = Array.from(stride as PyTuple, (d, i) => int(d, `tensor stride ${i}`, fail));
    const off = int(offset, 'tensor storage offset', fail);
    const numel = shape.reduce((a, b) => a * b, 1);
    const last = numel === 0 ? off : off + shape.reduce((s, d, i) => s + (d - 1) * strides[i], 0);
    if (numel > 0 && last >= ref.numel)
      fail(`a tensor of shape [${shape}] reaches element ${last} of storage ${ref.key}, which holds ${ref.numel}`);
    return new TorchTensor(ref, off, shape, strides, args[4] === true);
  };
  return { persistentLoad, rebuildTensor };
}

function toFloat32(raw: Buffer, dtype: DType, count: number, bigEndian: boolean): Float32Array {
  const size = DTYPE_SIZE[dtype];
  if (bigEndian && size > 1) for (let i = 0; i < count; i++) raw.subarray(i * size, (i + 1) * size).reverse();
  const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out = new Float32Array(count);
  switch (dtype) {
    case 'float32':
      new Uint8Array(out.buffer).set(raw.subarray(0, count * 4));
      break;
    case 'float64':
      for (let i = 0; i < count; i++) out[i] = dv.getFloat64(i * 8, true);
      break;
    case 'float16':
      for (let i = 0; i < count; i++) out[i] = halfToFloat(dv.getUint16(i * 2, true));
      break;
    case 'bfloat16': {
      const tmp = new DataView(new ArrayBuffer(4));
      for (let i = 0; i < count; i++) {
        tmp.setUint32(0, dv.getUint16(i * 2, true) << 16);
        out[i] = tmp.getFloat32(0);
      }
      break;
    }
    case 'int64':
      for (let i = 0; i < count; i++) out[i] = Number(dv.getBigInt64(i * 8, true));
      break;
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = dv.getInt32(i * 4, true);
      break;
    case 'int16':
      for (let i = 0; i < count; i++) out[i] = dv.getInt16(i * 2, true);
      break;
    case 'int8':
      for (let i = 0; i < count; i++) out[i] = dv.getInt8(i);
      break;
    default:
      for (let i = 0; i < count; i++) out[i] = raw[i];
  }
  return out;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Gathers a (possibly strided) tensor's elements out of its storage's elements. */
function gather(all: Float32Array, t: TorchTensor): Float32Array {
  const n = t.numel;
  const contiguous = t.shape.every(
    (_, i) => t.shape.slice(i + 1).reduce((a, b) => a * b, 1) === t.stride[i] || t.shape[i] === 1,
  );
  if (contiguous) return t.offset === 0 && n === all.length ? all : all.slice(t.offset, t.offset + n);
  const out = new Float32Array(n);
  const idx = new Array(t.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = t.offset;
    for (let d = 0; d < idx.length; d++) src += idx[d] * t.stride[d];
    out[k] = all[src];
    for (let d = idx.length - 1; d >= 0; d--) {
      if (++idx[d] < t.shape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

function fileError(file: string, e: unknown): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code === 'ENOENT') return new CheckpointError(file, 'checkpoint not found');
  if (code) return new CheckpointError(file, `cannot read checkpoint (${code})`);
  return new CheckpointError(file, `not a readable PyTorch checkpoint (${e instanceof Error ? e.message : String(e)})`);
}

const MAX_PICKLE = 1 << 30;

/** Opens a torch.save file (zip or legacy); throws a one-line CheckpointError for anything else. */
export async function openTorchFile(file: string): Promise<TorchFile> {
  let format: Awaited<ReturnType<typeof sniffFormat>>;
  try {
    format = await sniffFormat(file);
  } catch (e) {
    throw fileError(file, e);
  }
  if (format === 'zip') return openZip(file);
  if (format === 'legacy') return openLegacy(file);
  throw new CheckpointError(
    file,
    format === 'ckpt'
      ? 'this is a YOLO Lab .ckpt file, not a PyTorch checkpoint'
      : 'not a PyTorch checkpoint (neither the zip format of torch.save nor its older format)',
  );
}

async function openZip(file: string): Promise<TorchFile> {
  let zip: ZipReader;
  try {
    zip = await ZipReader.open(file);
  } catch (e) {
    throw new CheckpointError(
      file,
      `not a readable PyTorch checkpoint, or truncated (zip: ${e instanceof Error ? e.message : String(e)})`,
    );
  }
  try {
    // torch names every record <archive>/...; the archive folder is whatever holds data.pkl.
    const pkl = zip.order.find((e) => /^[^/]+\/data\.pkl$/.test(e.name));
    if (!pkl)
      throw new CheckpointError(file, 'a zip file, but not a PyTorch checkpoint (no <archive>/data.pkl inside)');
    const prefix = pkl.name.slice(0, -'data.pkl'.length);
    const readEntry = async (e: ZipEntryInfo, max?: number) => {
      try {
        return await zip.read(e, max);
      } catch (err) {
        throw new CheckpointError(
          file,
          err instanceof ZipError
            ? `${err.message}; the file is damaged`
            : `cannot read '${e.name}' (${(err as Error).message})`,
        );
      }
    };
    const bo = zip.entries.get(prefix + 'byteorder');
    const bigEndian = bo ? (await readEntry(bo, 16)).toString('latin1').trim() === 'big' : false;
    const storages = new Map<string, StorageRef>();
    const { persistentLoad, rebuildTensor } = tensorBuilders(`${file}: data.pkl`, storages);
    const data = await readEntry(pkl, MAX_PICKLE);
    let root: PyValue;
    try {
      root = readPickle(data, { where: file, persistentLoad, rebuildTensor }).value;
    } catch (e) {
      throw e instanceof CheckpointError ? new CheckpointError(file, e.message) : fileError(file, e);
    }
    for (const s of storages.values()) {
      const entry = zip.entries.get(`${prefix}data/${s.key}`);
      if (!entry)
        throw new CheckpointError(
          file,
          `storage '${s.key}' named by data.pkl is missing from the archive; the file is damaged`,
        );
      if (entry.size < s.numel * DTYPE_SIZE[s.dtype])
        throw new CheckpointError(
          file,
          `storage '${s.key}' holds ${entry.size} bytes but data.pkl declares ${s.numel} ${s.dtype} elements; the file is damaged`,
        );
    }
    let cached: { key: string; data: Float32Array } | undefined;
    const storageFloats = async (s: StorageRef) => {
      if (cached?.key === s.key) return cached.data;
      const raw = await readEntry(zip.entries.get(`${prefix}data/${s.key}`)!);
      const data = toFloat32(raw, s.dtype, s.numel, bigEndian);
      cached = { key: s.key, data };
      return data;
    };
    return {
      file,
      format: 'zip',
      root,
      readFloat32: async (t) => gather(await storageFloats(t.storage), t),
      readNumbers: async (t) => Array.from(gather(await storageFloats(t.storage), t)),
      close: async () => zip.close(),
    };
  } catch (e) {
    zip.close();
    throw e;
  }
}

async function openLegacy(file: string): Promise<TorchFile> {
  const size = (await stat(file)).size;
  const fh = await open(file, 'r');
  try {
    const storages = new Map<string, StorageRef>();
    const { persistentLoad, rebuildTensor } = tensorBuilders(file, storages);
    // The five pickles (magic, protocol, sys_info, the object, storage keys) come first; read
    // more of the file until they parse.
    let len = Math.min(size, 1 << 20);
    let parsed: { root: PyValue; keys: PyValue; end: number } | undefined;
    for (;;) {
      const head = Buffer.alloc(len);
      await fh.read(head, 0, len, 0);
      try {
        let at = 0;
        const next = (load?: boolean) => {
          const r = readPickle(head, { where: file, start: at, ...(load ? { persistentLoad, rebuildTensor } : {}) });
          at = r.end;
          return r.value;
        };
        next();
        const proto = next();
        if (proto !== 1001) throw new CheckpointError(file, `unsupported legacy torch.save protocol ${String(proto)}`);
        const sys = next();
        if (sys && typeof sys === 'object' && (sys as Map<string, PyValue>).get?.('little_endian') === false)
          throw new CheckpointError(file, 'big-endian legacy checkpoints are not supported');
        storages.clear();
        const root = next(true);
        const keys = next();
        parsed = { root, keys, end: at };
        break;
      } catch (e) {
        if (e instanceof CheckpointError && /pickle is truncated/.test(e.message) && len < size) {
          len = Math.min(size, len * 4);
          continue;
        }
        throw e;
      }
    }
    if (!Array.isArray(parsed.keys)) throw new CheckpointError(file, 'legacy checkpoint has no storage key list');
    // Storage records follow in key order: int64 element count, then the raw elements.
    const offsets = new Map<string, number>();
    let at = parsed.end;
    const num = Buffer.alloc(8);
    for (const k of parsed.keys as PyValue[]) {
      const ref = storages.get(String(k));
      if (!ref)
        throw new CheckpointError(file, `legacy checkpoint lists storage '${String(k)}' that its pickle never uses`);
      if ((await fh.read(num, 0, 8, at)).bytesRead < 8)
        throw new CheckpointError(file, 'checkpoint is truncated (storage records end early)');
      const n = Number(num.readBigInt64LE(0));
      if (n !== ref.numel)
        throw new CheckpointError(
          file,
          `storage '${ref.key}' has ${n} elements, the pickle declares ${ref.numel}; the file is damaged`,
        );
      offsets.set(ref.key, at + 8);
      at += 8 + n * DTYPE_SIZE[ref.dtype];
    }
    if (at > size) throw new CheckpointError(file, `checkpoint is truncated (${size} bytes, its storages need ${at})`);
    const read = async (t: TorchTensor) => {
      const s = t.storage;
      const raw = Buffer.alloc(s.numel * DTYPE_SIZE[s.dtype]);
      await fh.read(raw, 0, raw.length, offsets.get(s.key)!);
      return gather(toFloat32(raw, s.dtype, s.numel, false), t);
    };
    return {
      file,
      format: 'legacy',
      root: parsed.root,
      readFloat32: read,
      readNumbers: async (t) => Array.from(await read(t)),
      close: () => fh.close(),
    };
  } catch (e) {
    await fh.close();
    throw e instanceof CheckpointError ? e : fileError(file, e);
  }
}
