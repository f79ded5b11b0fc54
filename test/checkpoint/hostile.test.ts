// Hostile and malformed pickles: each is one clear error naming what it tried, and nothing runs
// (the reader has no way to call a Python global; these pin the refusals and limits).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PyDict, PyObject, readPickle } from '../../src/checkpoint/pickle-read';
import { CheckpointError } from '../../src/checkpoint/errors';

const latin = (s: string) => Buffer.from(s, 'latin1');
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const str = (s: string) => Buffer.concat([latin('X'), u32(Buffer.byteLength(s)), Buffer.from(s)]);
const global = (m: string, n: string) => latin(`c${m}\n${n}\n`);
const pickle = (...parts: Buffer[]) => Buffer.concat([latin('\x80\x02'), ...parts, latin('.')]);
const read = (b: Buffer) => readPickle(b, { where: 'evil.pkl' }).value;

function refuses(b: Buffer, message: RegExp) {
  assert.throws(
    () => read(b),
    (e: unknown) =>
      e instanceof CheckpointError && e.where === 'evil.pkl' && message.test(e.message) && !e.message.includes('\n'),
  );
}

test('REDUCE on os.system / posix.system / subprocess: refused by name, the command never runs', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pwn-'));
  const marker = join(dir, 'pwned');
  try {
    refuses(
      pickle(global('os', 'system'), str(`touch ${marker}`), latin('\x85R')),
      /pickle calls os\.system, which is not allowed in a checkpoint \(nothing was run\)/,
    );
    refuses(pickle(global('posix', 'system'), str(`touch ${marker}`), latin('\x85R')), /calls posix\.system/);
    refuses(
      pickle(global('subprocess', 'check_output'), latin('('), str('touch'), str(marker), latin('l\x85R')),
      /calls subprocess\.check_output/,
    );
    // Protocol 0's INST calls too.
    refuses(Buffer.concat([latin('('), latin(`S'touch ${marker}'\n`), latin('ios\nsystem\n.')]), /calls os\.system/);
    assert.ok(!existsSync(marker), 'nothing was executed');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('builtins.eval / exec / getattr / __import__ are refused; getattr only reads plain names off inert classes', () => {
  refuses(pickle(global('builtins', 'eval'), str('1+1'), latin('\x85R')), /calls builtins\.eval/);
  refuses(pickle(global('__builtin__', 'exec'), str('import os'), latin('\x85R')), /calls __builtin__\.exec/);
  refuses(pickle(global('builtins', '__import__'), str('os'), latin('\x85R')), /calls builtins\.__import__/);
  refuses(
    pickle(global('builtins', 'getattr'), global('os', '_wrap_close'), str('system'), latin('\x86R')),
    /builtins\.getattr on os\._wrap_close for 'system'/,
  );
  refuses(
    pickle(
      global('builtins', 'getattr'),
      global('mmengine.logging.history_buffer', 'HistoryBuffer'),
      str('__init__'),
      latin('\x86R'),
    ),
    /builtins\.getattr on mmengine\.logging\.history_buffer\.HistoryBuffer for '__init__'/,
  );
  // What MMEngine really writes: getattr(HistoryBuffer, 'mean') stays an inert reference.
  const ok = read(
    pickle(
      global('builtins', 'getattr'),
      global('mmengine.logging.history_buffer', 'HistoryBuffer'),
      str('mean'),
      latin('\x86R'),
    ),
  );
  assert.equal((ok as { qualified: string }).qualified, 'mmengine.logging.history_buffer.HistoryBuffer.mean');
});

test('NEWOBJ / BUILD on anything outside the lists, and the extension registry, are refused', () => {
  refuses(pickle(global('subprocess', 'Popen'), latin(')\x81')), /creates subprocess\.Popen/);
  refuses(pickle(latin(']'), latin('}b')), /sets the state of list/);
  refuses(pickle(global('os', 'environ'), latin('}b')), /sets the state of os\.environ/);
  refuses(pickle(latin('\x82\x01')), /extension registry/);
  // Inert data classes become placeholders that keep their state.
  const hb = read(
    pickle(
      global('mmengine.logging.history_buffer', 'HistoryBuffer'),
      latin(')\x81}'),
      str('max_length'),
      latin('K\x05sb'),
    ),
  ) as PyObject;
  assert.ok(hb instanceof PyObject);
  assert.equal(hb.className, 'mmengine.logging.history_buffer.HistoryBuffer');
  assert.equal((hb.state as PyDict).get('max_length'), 5);
});

test('memo tricks: an unset memo slot is an error; a list that contains itself is read without hanging', () => {
  refuses(pickle(latin('h\x05')), /memo entry 5, which was never set/);
  refuses(pickle(latin('j\xff\xff\xff\x7f')), /memo entry 2147483647, which was never set/);
  const self = read(pickle(latin(']q\x00h\x00a'))) as unknown[];
  assert.equal(self[0], self);
});

test('deep nesting, huge declared lengths, truncation and junk: one error line each, no allocation', () => {
  const depth = 5000;
  refuses(pickle(latin(']'.repeat(depth)), latin('a'.repeat(depth - 1))), /nests containers deeper than 1000 levels/);
  refuses(pickle(latin('X'), u32(0xfffffff0)), /pickle is truncated or corrupt \(BINUNICODE of 4294967280 bytes/);
  refuses(
    pickle(latin('\x8e'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x10])),
    /declares a length of 1152921504606846976 bytes/,
  );
  refuses(pickle(latin('\x8b'), u32(0x7fffffff)), /declares an integer of 2147483647 bytes/);
  refuses(latin('\x80\x02]'), /truncated/);
  refuses(latin('\x80\x02\xff'), /unknown opcode 0xff at offset 2/);
  refuses(latin('\x80\x02a.'), /stack underflow/);
  refuses(latin('\x80\x02]K\x01.'), /1 items left on the stack at STOP/);
  refuses(pickle(latin('}]K\x01s')), /unhashable list as a dict key/);
});

test('the allow-list rebuilds what checkpoints need: OrderedDict, set, protocol-2 bytes', () => {
  const od = read(pickle(global('collections', 'OrderedDict'), latin(')R'), str('a'), latin('K\x01s'))) as PyDict;
  assert.ok(od instanceof PyDict && od.ordered && od.get('a') === 1);
  const s = read(pickle(global('builtins', 'set'), latin(']'), latin('(K\x01K\x02e\x85R'))) as Set<number>;
  assert.deepEqual([...s], [1, 2]);
  const b = read(pickle(global('_codecs', 'encode'), str('\u00ff\u0001'), str('latin1'), latin('\x86R'))) as Uint8Array;
  assert.deepEqual([...b], [255, 1]);
});
