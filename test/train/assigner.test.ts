// BatchTaskAlignedAssigner and the dense targets built from it, on hand-computed cases.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { assignTaskAligned } from '../../src/train/assigner';
import { makePriors } from '../../src/train/model/head';
import { prepareTargets } from '../../src/train/loss';

// A 16x16 input with one stride-8 level: anchor points (4,4) (12,4) (4,12) (12,12).
const priors = makePriors(16, 16, [8]);
const iouCfg = { topk: 10, alpha: 0.5, beta: 6, eps: 1e-9, use_ciou: false };

test('priors are the cell centres of each level', () => {
  assert.deepEqual([...priors.x], [4, 12, 4, 12]);
  assert.deepEqual([...priors.y], [4, 4, 12, 12]);
  const two = makePriors(32, 32, [8, 16]);
  assert.equal(two.count, 16 + 4);
  assert.deepEqual([two.x[16], two.y[16], two.stride[16]], [8, 8, 16]);
});

test('only anchors whose centre lies inside the gt are candidates; soft targets are normalised alignment metrics', () => {
  // gt [0,0,10,16] contains anchors 0 (4,4) and 2 (4,12), not 1 or 3 (x = 12 > 10).
  const gt = [0, 0, 10, 16];
  const predBoxes = new Float32Array([0, 0, 10, 16, 0, 0, 10, 16, 0, 0, 10, 8, 0, 0, 10, 16]);
  // Class-0 scores: anchor0 0.25, anchor2 0.64 (anchors 1 and 3 score high but are outside).
  const scores = new Float32Array([0.25, 0, 0.9, 0, 0.64, 0, 0.9, 0]);
  const a = assignTaskAligned(scores, predBoxes, priors, gt, [0], 2, iouCfg);
  assert.deepEqual([...a.fg], [1, 0, 1, 0]);
  // metric = s^0.5 * iou^6: anchor0 0.5*1 = 0.5; anchor2 0.8*0.5^6 = 0.0125.
  // normalised by the gt's best metric (0.5), times its best IoU (1).
  assert.ok(Math.abs(a.scores[0 * 2 + 0] - 1) < 1e-6, `anchor0 ${a.scores[0]}`);
  assert.ok(Math.abs(a.scores[2 * 2 + 0] - 0.025) < 1e-6, `anchor2 ${a.scores[4]}`);
  assert.equal(a.scores[0 * 2 + 1], 0);
  assert.deepEqual([...a.boxes.subarray(8, 12)], gt);
});

test('topk keeps the k best-aligned candidates', () => {
  const gt = [0, 0, 10, 16];
  const predBoxes = new Float32Array([0, 0, 10, 16, 0, 0, 1, 1, 0, 0, 10, 8, 0, 0, 1, 1]);
  const scores = new Float32Array([0.25, 0, 0, 0, 0.64, 0, 0, 0]);
  const a = assignTaskAligned(scores, predBoxes, priors, gt, [0], 2, { ...iouCfg, topk: 1 });
  assert.deepEqual([...a.fg], [1, 0, 0, 0]);
});

test('an anchor claimed by two gts goes to the one it overlaps most', () => {
  // Both gts contain anchor 0 (4,4); its prediction matches gt B better.
  const gts = [0, 0, 16, 16, 0, 0, 8, 8];
  const predBoxes = new Float32Array([0, 0, 8, 8, 0, 0, 16, 16, 0, 0, 16, 16, 0, 0, 16, 16]);
  const scores = new Float32Array([0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
  const a = assignTaskAligned(scores, predBoxes, priors, gts, [0, 1], 2, iouCfg);
  assert.equal(a.gtIndex[0], 1);
  assert.equal(a.scores[0 * 2 + 1] > 0, true);
  assert.equal(a.scores[0 * 2 + 0], 0);
  assert.deepEqual([...a.fg], [1, 1, 1, 1]);
  assert.equal(a.gtIndex[3], 0);
});

test('a prior claimed by two gts goes to the gt it overlaps most of all, even one that did not claim it', () => {
  // select_highest_overlaps (mmyolo/models/task_modules/assigners/utils.py L61-75) takes
  // overlaps.argmax over every gt: gts A [0,0,16,16] and B [0,0,10,10] contain anchor 0 (4,4)
  // and claim it; gt C [5,0,16,8] does not contain (4,4), but anchor 0 predicts exactly C's box.
  const gts = [0, 0, 16, 16, 0, 0, 10, 10, 5, 0, 16, 8];
  const predBoxes = new Float32Array([5, 0, 16, 8, 0, 0, 16, 16, 0, 0, 16, 16, 0, 0, 16, 16]);
  const scores = new Float32Array(4 * 3).fill(0.5);
  const a = assignTaskAligned(scores, predBoxes, priors, gts, [0, 1, 2], 3, iouCfg);
  assert.equal(a.gtIndex[0], 2, 'anchor 0 goes to C');
  assert.deepEqual([...a.boxes.subarray(0, 4)], [5, 0, 16, 8]);
  // Its soft target is C's normalised metric: C's only positive, so metric / metric * IoU 1 = 1.
  assert.ok(Math.abs(a.scores[0 * 3 + 2] - 1) < 1e-6, `${a.scores[2]}`);
  assert.equal(a.scores[0 * 3 + 0] + a.scores[0 * 3 + 1], 0);
});

test('no ground truth: every anchor is negative with zero targets', () => {
  const a = assignTaskAligned(new Float32Array(8).fill(0.5), new Float32Array(16), priors, [], [], 2, iouCfg);
  assert.equal(
    a.fg.reduce((s, v) => s + v, 0),
    0,
  );
  assert.equal(
    a.scores.reduce((s, v) => s + v, 0),
    0,
  );
});

test('DFL targets: side distances in stride units split over the two nearest bins', async () => {
  await tf.setBackend('cpu');
  const R = 16;
  const out = { cls: tf.zeros([1, 4, 2]) as tf.Tensor3D, reg: tf.zeros([1, 4, 4, R]) as tf.Tensor4D };
  // gt [0,0,10,16] / stride 8 = [0,0,1.25,2]; anchor0 at (0.5,0.5): sides l,t,r,b = 0.5, 0.5, 0.75, 1.5.
  const t = prepareTargets(
    out,
    priors,
    { boxes: [Float32Array.from([0, 0, 10, 16])], labels: [Int32Array.from([1])] },
    iouCfg,
  );
  const dfl = t.dfl.arraySync()[0][0];
  const expect = (side: number, bins: Record<number, number>) => {
    for (let k = 0; k < R; k++)
      assert.ok(Math.abs(dfl[side][k] - (bins[k] ?? 0)) < 1e-6, `side ${side} bin ${k}: ${dfl[side][k]}`);
  };
  expect(0, { 0: 0.5, 1: 0.5 });
  expect(1, { 0: 0.5, 1: 0.5 });
  expect(2, { 0: 0.25, 1: 0.75 });
  expect(3, { 1: 0.5, 2: 0.5 });
  assert.equal(t.numPos, 2);
  const w = t.weight.arraySync()[0];
  assert.ok(w[0] > 0 && w[2] > 0 && w[1] === 0 && w[3] === 0);
  // The target box is stored in stride units.
  assert.deepEqual(t.boxes.arraySync()[0][0], [0, 0, 1.25, 2]);
});

test('a side beyond the last bin is clamped to reg_max - 1 - 0.01', async () => {
  await tf.setBackend('cpu');
  const R = 4;
  const out = { cls: tf.zeros([1, 4, 1]) as tf.Tensor3D, reg: tf.zeros([1, 4, 4, R]) as tf.Tensor4D };
  // gt spans far to the right: r side = (100-4)/8 = 12 bins > 3.
  const t = prepareTargets(
    out,
    priors,
    { boxes: [Float32Array.from([0, 0, 100, 8])], labels: [Int32Array.from([0])] },
    iouCfg,
  );
  const right = t.dfl.arraySync()[0][0][2];
  assert.ok(Math.abs(right[2] - 0.01) < 1e-6 && Math.abs(right[3] - 0.99) < 1e-6, JSON.stringify(right));
});
