// Reads an image's width and height from its header without decoding it (for annotation
// files that omit the size).
import { openSync, readSync, closeSync } from 'node:fs';
import { DataError, unreadable } from './errors';

export function readImageSize(file: string): { width: number; height: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw unreadable(file, e, 'image file');
  }
  try {
    const head = Buffer.alloc(65536);
    const n = readSync(fd, head, 0, head.length, 0);
    const b = head.subarray(0, n);
    if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47)
      return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
    if (b.length >= 4 && b[0] === 0xff && b[1] === 0xd8) {
      let p = 2;
      while (p + 9 < b.length) {
        if (b[p] !== 0xff) break;
        const marker = b[p + 1];
        const len = b.readUInt16BE(p + 2);
        // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC) carry the frame size.
        if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
          return { height: b.readUInt16BE(p + 5), width: b.readUInt16BE(p + 7) };
        }
        p += 2 + len;
      }
    }
    throw new DataError(`${file}: error: cannot read the image size (not a JPEG/PNG, or corrupt header)`, file);
  } finally {
    closeSync(fd);
  }
}
