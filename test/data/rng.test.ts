import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng';

test('same seed gives the same stream, different seeds differ', () => {
  const a = new Rng(42),
    b = new Rng(42),
    c = new Rng(43);
  const sa = Array.from({ length: 20 }, () => a.next());
  const sb = Array.from({ length: 20 }, () => b.next());
  const sc = Array.from({ length: 20 }, () => c.next());
  assert.deepEqual(sa, sb);
  assert.notDeepEqual(sa, sc);
  for (const v of sa) assert.ok(v >= 0 && v < 1);
});

test('int, uniform and normal stay in range and have plausible moments', () => {
  const r = new Rng(7);
  const counts = new Array(5).fill(0);
  let sum = 0,
    sq = 0;
  const n = 20000;
  for (let i = 0; i < n; i++) {
    counts[r.int(5)]++;
    const u = r.uniform(-2, 3);
    assert.ok(u >= -2 && u < 3);
    const z = r.normal();
    sum += z;
    sq += z * z;
  }
  for (const c of counts) assert.ok(Math.abs(c / n - 0.2) < 0.02, `bucket ${c}`);
  assert.ok(Math.abs(sum / n) < 0.05);
  assert.ok(Math.abs(sq / n - 1) < 0.05);
});

test('fork depends on the seed and label only, not on how far the parent has run', () => {
  const a = new Rng(5);
  const f1 = a.fork('epoch1').next();
  a.next();
  a.next();
  assert.equal(a.fork('epoch1').next(), f1);
  assert.notEqual(a.fork('epoch2').next(), f1);
  assert.notEqual(new Rng(6).fork('epoch1').next(), f1);
});

test('shuffle is a seeded permutation', () => {
  const p = new Rng(1).shuffle([0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual([...p].sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(new Rng(1).shuffle([0, 1, 2, 3, 4, 5, 6, 7]), p);
});

test('Beta samples (used by MixUp) have the right mean and spread', async () => {
  const { betaSample } = await import('../../src/data/transforms/mixup');
  const r = new Rng(5);
  const n = 5000;
  for (const [a, b] of [
    [32, 32],
    [2, 5],
    [0.5, 0.5],
  ]) {
    let s = 0,
      s2 = 0;
    for (let i = 0; i < n; i++) {
      const x = betaSample(r, a, b);
      assert.ok(x >= 0 && x <= 1);
      s += x;
      s2 += x * x;
    }
    const mean = s / n,
      variance = s2 / n - mean * mean;
    const m = a / (a + b),
      v = (a * b) / ((a + b) ** 2 * (a + b + 1));
    assert.ok(Math.abs(mean - m) < 0.02, `Beta(${a},${b}) mean ${mean} vs ${m}`);
    assert.ok(Math.abs(variance - v) < 0.2 * v + 0.002, `Beta(${a},${b}) variance ${variance} vs ${v}`);
  }
});
