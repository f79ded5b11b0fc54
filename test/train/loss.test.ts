// Loss pieces against independent references: CIoU against src/boxes' scalar ciouAt,
// BCE against its definition, the DFL term, and decode of the side distributions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ciouAt } from '../../src/boxes';
import { bceWithLogits, ciou } from '../../src/train/loss';
import { decodeBoxes, distToSides, makePriors } from '../../src/train/model/head';
import { Rng } from '../../src/data/rng';

test('CIoU of box tensors equals the scalar reference', async () => {
  await tf.setBackend('cpu');
  const r = new Rng(7);
  const n = 50;
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const box = () => {
      const x = r.uniform(0, 50),
        y = r.uniform(0, 50);
      return [x, y, x + r.uniform(1, 40), y + r.uniform(1, 40)];
    };
    a.push(...box());
    b.push(...box());
  }
  const got = ciou(tf.tensor2d(a, [n, 4]), tf.tensor2d(b, [n, 4])).dataSync();
  for (let i = 0; i < n; i++) {
    const ref = ciouAt(a, i, b, i);
    assert.ok(Math.abs(got[i] - ref) < 1e-4, `box ${i}: ${got[i]} vs ${ref}`);
  }
  // Identical boxes: CIoU 1.
  assert.ok(Math.abs(ciou(tf.tensor2d([[1, 2, 5, 9]]), tf.tensor2d([[1, 2, 5, 9]])).dataSync()[0] - 1) < 1e-5);
});

test('BCE with logits matches -z log s - (1-z) log(1-s), also for large logits', async () => {
  await tf.setBackend('cpu');
  const x = [-30, -2, 0, 0.5, 3, 40];
  const z = [0, 1, 0.3, 1, 0, 1];
  const got = bceWithLogits(tf.tensor1d(x), tf.tensor1d(z)).dataSync();
  x.forEach((xi, i) => {
    const logS = -Math.log1p(Math.exp(-xi));
    const log1mS = -xi - Math.log1p(Math.exp(-xi));
    const ref = xi > 20 ? xi * (1 - z[i]) : xi < -20 ? -xi * z[i] + Math.exp(xi) : -(z[i] * logS + (1 - z[i]) * log1mS);
    assert.ok(Math.abs(got[i] - ref) < 1e-4, `x=${xi}: ${got[i]} vs ${ref}`);
    assert.ok(Number.isFinite(got[i]));
  });
});

test('decode: a distribution peaked at bin k gives side k * stride around the anchor point', async () => {
  await tf.setBackend('cpu');
  const priors = makePriors(16, 16, [8]);
  const R = 16;
  const logits = new Float32Array(4 * 4 * R).fill(-50);
  // anchor 0 (4,4): sides l=1, t=2, r=3, b=0 bins.
  [1, 2, 3, 0].forEach((k, side) => (logits[side * R + k] = 50));
  const boxes = decodeBoxes(distToSides(tf.tensor4d(logits, [1, 4, 4, R])), priors).arraySync()[0][0];
  const expect = [4 - 8, 4 - 16, 4 + 24, 4 + 0];
  boxes.forEach((v, i) => assert.ok(Math.abs(v - expect[i]) < 1e-3, `${boxes} vs ${expect}`));
});
