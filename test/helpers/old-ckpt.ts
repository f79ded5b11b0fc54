// Test helper: writes a file in the .ckpt format YOLO Lab wrote before its checkpoints became
// .pth (until commit 6a5f01f), so the tests can check that old runs still load. The trainer
// only reads this format (readCheckpoint in src/train/checkpoint.ts); the layout is the one
// that writer produced: 'YOLOLAB-CKPT-1\n', a little-endian u32 header length, a JSON header
// {meta, tensors: [{name, shape, offset (bytes), length (elements)}]}, then raw float32 data.
import { writeFileSync } from 'node:fs';
import type { Checkpoint } from '../../src/train/checkpoint';

export function writeOldCkpt(file: string, ck: Checkpoint): void {
  const table: Array<{ name: string; shape: number[]; offset: number; length: number }> = [];
  let offset = 0;
  for (const [name, t] of ck.tensors) {
    table.push({ name, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length * 4;
  }
  const header = Buffer.from(JSON.stringify({ meta: ck.meta, tensors: table }), 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length);
  const data = [...ck.tensors.values()].map((t) => Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  writeFileSync(file, Buffer.concat([Buffer.from('YOLOLAB-CKPT-1\n', 'utf8'), len, header, ...data]));
}
