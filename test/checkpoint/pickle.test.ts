// The pickle writer and reader agree with each other and with Python's pickle (where a Python is
// installed): ints of every width, floats, unicode, tuples vs lists, dicts and OrderedDicts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { OutOrderedDict, OutTuple, PyFloat, writePickle } from '../../src/checkpoint/pickle-write';
import { PyDict, PyTuple, readPickle } from '../../src/checkpoint/pickle-read';

const value = {
  ints: [
    0,
    1,
    255,
    256,
    65535,
    65536,
    -1,
    -129,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    2 ** 40,
    -(2 ** 40),
    2n ** 70n,
    -(2n ** 70n),
  ],
  floats: [0.5, -1.25e-300, new PyFloat(1), Infinity, -Infinity],
  text: 'naïve ✓ 𝄞',
  tuple: new OutTuple(['a', new OutTuple([]), new OutTuple([1, 2, 3, 4])]),
  od: new OutOrderedDict([
    ['z', null],
    ['a', true],
    [3, false],
  ]),
  big: Array.from({ length: 2500 }, (_, i) => i),
};
const pyRepr =
  "{'ints': [0, 1, 255, 256, 65535, 65536, -1, -129, 2147483647, -2147483648, 2147483648, 1099511627776, -1099511627776, 1180591620717411303424, -1180591620717411303424], 'floats': [0.5, -1.25e-300, 1.0, inf, -inf], 'text': 'naïve ✓ 𝄞', 'tuple': ('a', (), (1, 2, 3, 4)), 'od': OrderedDict([('z', None), ('a', True), (3, False)]), 'big': 2500}";

test('writer -> reader round trip keeps types: int widths, bigint, float, tuple vs list, OrderedDict', () => {
  const back = readPickle(writePickle(value), { where: 'x' }).value as PyDict;
  assert.deepEqual(back.get('ints'), [
    0,
    1,
    255,
    256,
    65535,
    65536,
    -1,
    -129,
    2 ** 31 - 1,
    -(2 ** 31),
    2 ** 31,
    2 ** 40,
    -(2 ** 40),
    2n ** 70n,
    -(2n ** 70n),
  ]);
  assert.deepEqual(back.get('floats'), [0.5, -1.25e-300, 1, Infinity, -Infinity]);
  assert.equal(back.get('text'), value.text);
  const t = back.get('tuple') as PyTuple;
  assert.ok(t instanceof PyTuple && t[1] instanceof PyTuple && (t[2] as PyTuple).length === 4);
  const od = back.get('od') as PyDict;
  assert.ok(od.ordered);
  assert.deepEqual(
    [...od.entries()],
    [
      ['z', null],
      ['a', true],
      [3, false],
    ],
  );
  assert.equal((back.get('big') as number[]).length, 2500);
});

const python = ['/usr/bin/python3', 'python3'].find(
  (p) => spawnSync(p, ['-c', 'import pickle'], { encoding: 'utf8' }).status === 0,
);

test("Python's pickle reads what the writer writes", { skip: python ? false : 'no Python installed' }, () => {
  const script =
    "import pickle, sys, collections\nd = pickle.loads(sys.stdin.buffer.read())\nd['big'] = len(d['big'])\nprint(repr(d))";
  const r = spawnSync(python!, ['-c', script], { input: writePickle(value), encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.trim(), pyRepr);
});
