// The table CRC-32 (used where zlib.crc32 is missing: VS Code's Electron, Node < 20.15) equals zlib's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as zlib from 'node:zlib';
import { crc32, tableCrc32 } from '../../src/crc32';

test('table CRC-32 equals the native one, also continued over chunks', () => {
  const data = Uint8Array.from({ length: 4099 }, (_, i) => (i * 2654435761) >>> 24);
  assert.equal(tableCrc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(tableCrc32(data), crc32(data));
  assert.equal(tableCrc32(data.subarray(1000), tableCrc32(data.subarray(0, 1000))), tableCrc32(data));
  const native = (zlib as unknown as { crc32?: (d: Uint8Array, v?: number) => number }).crc32;
  if (native) assert.equal(native(data), tableCrc32(data));
});
