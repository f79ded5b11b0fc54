// Python value semantics the output depends on: float repr, str repr, and
// MMEngine's --cfg-options value parsing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOptionValue } from '../../src/config/cfg-options';
import { floatRepr, repr, PyList, PyTuple, strRepr } from '../../src/config/values';
import { diffExact, parseExactJson } from '../helpers/exact-json';

test('float repr matches Python', () => {
  const cases: [number, string][] = [
    [1, '1.0'],
    [0.1 + 0.2, '0.30000000000000004'],
    [1e16, '1e+16'],
    [1e15, '1000000000000000.0'],
    [1e-5, '1e-05'],
    [0.0001, '0.0001'],
    [-0, '-0.0'],
    [1.5e300, '1.5e+300'],
    [123456789.125, '123456789.125'],
    [2.5e-7, '2.5e-07'],
  ];
  for (const [x, want] of cases) assert.equal(floatRepr(x), want, `repr(${x})`);
});

test('str repr picks quotes and escapes like Python', () => {
  assert.equal(strRepr("it's"), '"it\'s"');
  assert.equal(strRepr('a\nb\t\\'), "'a\\nb\\t\\\\'");
  assert.equal(strRepr(`both ' and "`), `'both \\' and "'`);
  assert.equal(repr(new PyTuple([1n])), '(1,)');
});

test('--cfg-options values parse as MMEngine DictAction does', () => {
  assert.equal(parseOptionValue('8'), 8n);
  assert.equal(parseOptionValue('0.5'), 0.5);
  assert.equal(parseOptionValue('True'), true);
  assert.equal(parseOptionValue('None'), null);
  assert.equal(parseOptionValue('data/coco/'), 'data/coco/');
  const list = parseOptionValue('[1,2,[3,4]]') as PyList;
  assert.equal(repr(list), '[1, 2, [3, 4]]');
  assert.equal(repr(parseOptionValue('(640,640)')), '(640, 640)');
  assert.equal(repr(parseOptionValue('a,b')), "['a', 'b']");
});

test('the golden comparison tells 1 from 1.0 and sees key order', () => {
  assert.notDeepEqual(diffExact(parseExactJson('{"a": 1}'), parseExactJson('{"a": 1.0}')), []);
  assert.notDeepEqual(diffExact(parseExactJson('{"a": 1, "b": 2}'), parseExactJson('{"b": 2, "a": 1}')), []);
  assert.deepEqual(diffExact(parseExactJson('{"__set__": [1, 2]}'), parseExactJson('{"__set__": [2, 1]}')), []);
});
