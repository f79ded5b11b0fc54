// Checkpoints: one file with a JSON header (meta + tensor table) and raw float32 data.
// Written to a temp file, fsynced, then renamed over the target, so a kill mid-write
// leaves the previous checkpoint intact.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync, unlinkSync, existsSync } from 'node:fs';

const MAGIC = 'YOLOLAB-CKPT-1\n';

export interface TensorBlob {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  meta: Record<string, any>;
  tensors: Map<string, TensorBlob>; // state_dict, 'ema.' and 'optim.' prefixed entries
}

export function writeCheckpointAtomic(file: string, ck: Checkpoint): void {
  const table: Array<{ name: string; shape: number[]; offset: number; length: number }> = [];
  let offset = 0;
  for (const [name, t] of ck.tensors) {
    table.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length * 4;
  }
  const header = Buffer.from(JSON.stringify({ meta: ck.meta, tensors: table }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const tmp = `${file}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, Buffer.from(MAGIC, 'utf8'));
    writeSync(fd, len);
    writeSync(fd, header);
    for (const t of ck.tensors.values()) writeSync(fd, Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    if (existsSync(tmp)) unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, file);
}

export function readCheckpoint(file: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (buf.subarray(0, MAGIC.length).toString('utf8') !== MAGIC) {
    const hint = buf.subarray(0, 2).toString('latin1') === 'PK' ? ' (this looks like a PyTorch .pth zip; the built-in trainer reads only its own checkpoints)' : '';
    throw new Error(`${file}: not a YOLO Lab checkpoint${hint}`);
  }
  const hlen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let header: { meta: Record<string, any>; tensors: Array<{ name: string; shape: number[]; offset: number; length: number }> };
  try {
    header = JSON.parse(buf.subarray(start, start + hlen).toString('utf8'));
  } catch {
    throw new Error(`${file}: checkpoint header is corrupt`);
  }
  const dataStart = start + hlen;
  const tensors = new Map<string, TensorBlob>();
  for (const t of header.tensors) {
    const end = dataStart + t.offset + t.length * 4;
    if (end > buf.length) throw new Error(`${file}: checkpoint is truncated (tensor ${t.name})`);
    const copy = new Float32Array(t.length);
    new Uint8Array(copy.buffer).set(buf.subarray(dataStart + t.offset, end));
    tensors.set(t.name, { shape: t.shape, data: copy });
  }
  return { meta: header.meta, tensors };
}
