// CRC-32 (the zip polynomial), incremental. zlib.crc32 is native from Node 20.15; VS Code's
// Electron and older Node 20s get the table version. Dependency-free: the checkpoint reader and
// the dataset archives both check every zip entry with it.
import * as zlib from 'node:zlib';

const TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

export function tableCrc32(data: Uint8Array, value = 0): number {
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

const native = (zlib as unknown as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** The CRC-32 of `data`, continuing from `value` (the CRC of what came before). */
export const crc32: (data: Uint8Array, value?: number) => number = typeof native === 'function' ? native : tableCrc32;
