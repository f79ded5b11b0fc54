// Every custom gradient the model uses, checked against an independent reference:
// the cpu backend's stock conv gradients, and plain JS loops for pooling/upsampling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { conv2d, maxPoolSame, upsample2x, useFilterGrad } from '../../src/train/ops';
import { Rng } from '../../src/data/rng';

function rand(n: number, seed: number): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal());
}

function close(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string) {
  assert.equal(a.length, b.length, `${what}: length`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / (1 + Math.abs(b[i])));
  assert.ok(worst < tol, `${what}: max rel diff ${worst}`);
}

const convCases = [
  { b: 2, h: 7, w: 6, ci: 3, co: 4, k: 3, s: 1, p: 1 },
  { b: 2, h: 8, w: 8, ci: 3, co: 5, k: 3, s: 2, p: 1 },
  { b: 2, h: 7, w: 9, ci: 4, co: 2, k: 3, s: 2, p: 1 },
  { b: 3, h: 5, w: 5, ci: 4, co: 6, k: 1, s: 1, p: 0 },
  { b: 1, h: 12, w: 12, ci: 3, co: 2, k: 6, s: 2, p: 2 },
];

for (const backend of ['cpu', 'wasm']) {
  for (const variant of ['conv', 'matmul'] as const)
    test(`conv2d custom gradients (${variant} kernel gradient) on ${backend} match cpu's stock conv gradients`, async () => {
      useFilterGrad(variant);
      for (const c of convCases) {
        const xs = rand(c.b * c.h * c.w * c.ci, 1);
        const ws = rand(c.k * c.k * c.ci * c.co, 2);
        await tf.setBackend('cpu');
        const ref = tf.tidy(() => {
          const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
          const w = tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]);
          const f = (a: tf.Tensor, b: tf.Tensor) => {
            const y = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, [
              [0, 0],
              [c.p, c.p],
              [c.p, c.p],
              [0, 0],
            ]);
            return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
          };
          const [gx, gw] = tf.grads(f)([x, w]);
          return [f(x, w).dataSync(), gx.dataSync(), gw.dataSync()];
        });
        await tf.setBackend(backend);
        const got = tf.tidy(() => {
          const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
          const w = tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]);
          const f = (a: tf.Tensor, b: tf.Tensor) => {
            const y = conv2d(a as tf.Tensor4D, b as tf.Tensor4D, c.s, c.p);
            return tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));
          };
          const [gx, gw] = tf.grads(f)([x, w]);
          return [f(x, w).dataSync(), gx.dataSync(), gw.dataSync()];
        });
        const name = JSON.stringify(c);
        close(got[0], ref[0], 1e-4, `${name} value`);
        close(got[1], ref[1], 1e-4, `${name} dx`);
        close(got[2], ref[2], 1e-4, `${name} dw`);
      }
    });

  test(`maxPoolSame(5) value and gradient on ${backend} match a reference loop`, async () => {
    await tf.setBackend(backend);
    const [b, h, w, c, k] = [2, 6, 5, 3, 5];
    // Distinct values so the argmax is unique and the reference is unambiguous.
    const xs = rand(b * h * w * c, 3);
    const dys = rand(b * h * w * c, 4);
    const idx = (n: number, i: number, j: number, ch: number) => ((n * h + i) * w + j) * c + ch;
    const refY = new Float32Array(xs.length);
    const refDx = new Float32Array(xs.length);
    for (let n = 0; n < b; n++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let ch = 0; ch < c; ch++) {
            let best = -Infinity;
            let at = -1;
            for (let di = -2; di <= 2; di++)
              for (let dj = -2; dj <= 2; dj++) {
                const ii = i + di;
                const jj = j + dj;
                if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
                if (xs[idx(n, ii, jj, ch)] > best) {
                  best = xs[idx(n, ii, jj, ch)];
                  at = idx(n, ii, jj, ch);
                }
              }
            refY[idx(n, i, j, ch)] = best;
            refDx[at] += dys[idx(n, i, j, ch)];
          }
    const [y, dx] = tf.tidy(() => {
      const x = tf.tensor4d(xs, [b, h, w, c]);
      const dy = tf.tensor4d(dys, [b, h, w, c]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maxPoolSame(a as tf.Tensor4D, k), dy)))(x);
      return [maxPoolSame(x, k).dataSync(), g.dataSync()];
    });
    close(y, refY, 1e-6, 'maxpool value');
    close(dx, refDx, 1e-5, 'maxpool grad');
  });

  test(`upsample2x value and gradient on ${backend} match a reference loop (batch 2)`, async () => {
    await tf.setBackend(backend);
    const [b, h, w, c] = [2, 3, 4, 2];
    const xs = rand(b * h * w * c, 5);
    const dys = rand(b * h * 2 * w * 2 * c, 6);
    const refY = new Float32Array(dys.length);
    const refDx = new Float32Array(xs.length);
    for (let n = 0; n < b; n++)
      for (let i = 0; i < 2 * h; i++)
        for (let j = 0; j < 2 * w; j++)
          for (let ch = 0; ch < c; ch++) {
            const src = ((n * h + (i >> 1)) * w + (j >> 1)) * c + ch;
            const dst = ((n * 2 * h + i) * 2 * w + j) * c + ch;
            refY[dst] = xs[src];
            refDx[src] += dys[dst];
          }
    const [y, dx] = tf.tidy(() => {
      const x = tf.tensor4d(xs, [b, h, w, c]);
      const dy = tf.tensor4d(dys, [b, 2 * h, 2 * w, c]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(upsample2x(a as tf.Tensor4D), dy)))(x);
      return [upsample2x(x).dataSync(), g.dataSync()];
    });
    close(y, refY, 1e-6, 'upsample value');
    close(dx, refDx, 1e-5, 'upsample grad');
  });
}
