// YOLOv5's matching and loss (mmyolo/models/dense_heads/yolov5_head.py loss_by_feat): the
// shape match and the neighbour cells on a case worked by hand, the anchors and decode of
// YOLOAnchorGenerator / YOLOv5BBoxCoder, and the dense loss (no gathers, for wasm) against a
// direct per-match formulation with gathers: same value, same gradients.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits } from '../../src/train/loss';
import { bboxOverlaps } from '../../src/train/iou-loss';
import { decodeYOLOv5Boxes, defaultYOLOv5Anchors, makeAnchorPriors } from '../../src/train/model/yolov5-head';
import { Match, defaultYOLOv5Loss, matchYOLOv5, yolov5Loss } from '../../src/train/yolov5-loss';

const one = (boxes: number[], labels: number[]) => ({
  boxes: [Float32Array.from(boxes)],
  labels: [Int32Array.from(labels)],
});

test('anchors as YOLOAnchorGenerator: cells row by row, base anchors fastest, centres at stride/2', () => {
  const p = makeAnchorPriors(64, 96, [8, 16, 32], defaultYOLOv5Anchors);
  assert.equal(p.count, 3 * (8 * 12 + 4 * 6 + 2 * 3));
  // Level 0, cell (x=1, y=0), third base anchor (33, 23): prior index (0 * 12 + 1) * 3 + 2.
  assert.deepEqual([p.cx[5], p.cy[5], p.w[5], p.h[5], p.stride[5]], [12, 4, 33, 23, 8]);
  const l2 = p.levels[2];
  assert.deepEqual([l2.start, l2.h, l2.w], [3 * (96 + 24), 2, 3]);
  assert.deepEqual([p.cx[l2.start + 3], p.cy[l2.start + 3], p.w[l2.start + 3]], [48, 16, 116]);
});

test('YOLOv5BBoxCoder.decode: centre (s - 0.5) * 2 * stride + anchor centre, size (2 s)^2 * anchor', () => {
  const p = makeAnchorPriors(32, 32, [8, 16, 32], defaultYOLOv5Anchors);
  const raw = tf.zeros([1, p.count, 4]) as tf.Tensor3D; // sigmoid 0.5: centre on the anchor, size = anchor
  const b = decodeYOLOv5Boxes(raw, p).dataSync();
  // prior 4: level 0, cell (1, 0), anchor (16, 30) centred at (12, 4).
  assert.deepEqual(Array.from(b.subarray(16, 20)), [4, -11, 20, 19]);
});

test('matching: shape ratio below prior_match_thr, plus the left/up neighbours when the centre sits in their half', () => {
  // 64x64 input; gt centre (18.4, 17.6) px, size 12x14: on the stride-8 grid centre (2.3, 2.2),
  // size (1.5, 1.75) cells. Anchors in cells: (1.25, 1.625), (2, 3.75), (4.125, 2.875): worst
  // ratios 1.2, 2.14, 2.75, all below 4 (yolov5_head.py L561-566). The stride-16 and 32 anchors
  // are more than 4x too big. Fractions 0.3 and 0.2 are below near_neighbor_thr 0.5 and the
  // centre is beyond cell 1: left and up neighbours too; from the far side (5.7, 5.8) the
  // fractions are 0.7 and 0.8: no right/bottom (L571-576).
  const p = makeAnchorPriors(64, 64, [8, 16, 32], defaultYOLOv5Anchors);
  const m = matchYOLOv5(one([12.4, 10.6, 24.4, 24.6], [3]), p, 64, 64, defaultYOLOv5Loss);
  const cells = m.map((x) => [Math.floor(x.prior / 3) % 8, Math.floor(x.prior / 3 / 8), x.prior % 3]);
  // Order: centre for anchors 0,1,2, then left for 0,1,2, then up for 0,1,2 (offset-major).
  assert.deepEqual(cells, [
    [2, 2, 0],
    [2, 2, 1],
    [2, 2, 2],
    [1, 2, 0],
    [1, 2, 1],
    [1, 2, 2],
    [2, 1, 0],
    [2, 1, 1],
    [2, 1, 2],
  ]);
  assert.ok(m.every((x) => x.level === 0 && x.label === 3 && x.image === 0));
  // Targets relative to the claimed cell: (0.3, 0.2) in the centre cell, (1.3, 0.2) from the left one.
  const t = (i: number) => m[i].target.map((v) => Math.round(v * 1e5) / 1e5);
  assert.deepEqual(t(0), [0.3, 0.2, 1.5, 1.75]);
  assert.deepEqual(t(3), [1.3, 0.2, 1.5, 1.75]);
  assert.deepEqual(t(6), [0.3, 1.2, 1.5, 1.75]);
  // A box 5x smaller than every anchor matches nothing.
  assert.deepEqual(matchYOLOv5(one([30, 30, 31, 31], [0]), p, 64, 64, defaultYOLOv5Loss), []);
});

/** The loss written the direct way, per level and per match with gathers (as MMYOLO does it). */
function directLoss(
  box: tf.Tensor3D,
  obj: tf.Tensor2D,
  cls: tf.Tensor3D,
  matches: Match[],
  p: ReturnType<typeof makeAnchorPriors>,
) {
  const [B, A, C] = cls.shape;
  const cfg = defaultYOLOv5Loss;
  let lb = tf.scalar(0);
  let lo = tf.scalar(0);
  let lc = tf.scalar(0);
  p.levels.forEach((lv, i) => {
    const end = i + 1 < p.levels.length ? p.levels[i + 1].start : A;
    const ms = matches.filter((m) => m.level === i);
    const target = new Float32Array(B * A);
    if (ms.length) {
      const idx = tf.tensor1d(
        ms.map((m) => m.image * A + m.prior),
        'int32',
      );
      const s = tf.sigmoid(tf.gather(box.reshape([B * A, 4]), idx));
      const anchors = tf.tensor2d(
        ms.flatMap((m) => [p.w[m.prior] / lv.stride, p.h[m.prior] / lv.stride]),
        [ms.length, 2],
      );
      const [sxy, swh] = tf.split(s, 2, 1);
      const pred = tf.concat([tf.sub(tf.mul(sxy, 2), 0.5), tf.mul(tf.square(tf.mul(swh, 2)), anchors)], 1);
      const iou = bboxOverlaps(
        pred,
        tf.tensor2d(
          ms.flatMap((m) => m.target),
          [ms.length, 4],
        ),
        cfg.iou,
      );
      lb = tf.add(lb, tf.mul(tf.mean(tf.sub(1, iou)), cfg.bboxWeight));
      const v = iou.dataSync();
      ms.forEach((m, k) => (target[m.image * A + m.prior] = Math.max(v[k], 0)));
      const logits = tf.gather(cls.reshape([B * A, C]), idx);
      const hot = tf.oneHot(
        tf.tensor1d(
          ms.map((m) => m.label),
          'int32',
        ),
        C,
      );
      lc = tf.add(lc, tf.mul(tf.mean(bceWithLogits(logits, hot)), cfg.clsWeight));
    }
    const sl = (t: tf.Tensor) => t.reshape([B, A]).slice([0, lv.start], [B, end - lv.start]);
    lo = tf.add(
      lo,
      tf.mul(tf.mean(bceWithLogits(sl(obj), sl(tf.tensor2d(target, [B, A])))), cfg.objWeight * cfg.objLevelWeights[i]),
    );
  });
  return { loss_bbox: tf.mul(lb, B), loss_obj: tf.mul(lo, B), loss_cls: tf.mul(lc, B) };
}

test('the dense loss equals the per-match loss with gathers, values and gradients, with a prior matched twice', async () => {
  await tf.setBackend('cpu');
  const p = makeAnchorPriors(64, 64, [8, 16, 32], defaultYOLOv5Anchors);
  const A = p.count;
  const C = 3;
  const r = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);
  const box = tf.variable(r([2, A, 4], 1)) as tf.Variable<tf.Rank.R3>;
  const obj = tf.variable(r([2, A], 2)) as tf.Variable<tf.Rank.R2>;
  const cls = tf.variable(r([2, A, C], 3)) as tf.Variable<tf.Rank.R3>;
  // Two overlapping boxes in image 0 claim the same cells; one big box in image 1 matches the coarse levels.
  const targets = {
    boxes: [Float32Array.from([12.4, 10.6, 24.4, 24.6, 13, 11, 25, 23]), Float32Array.from([4, 6, 60, 58])],
    labels: [Int32Array.from([0, 2]), Int32Array.from([1])],
  };
  const matches = matchYOLOv5(targets, p, 64, 64, defaultYOLOv5Loss);
  const seen = new Map<number, number>();
  for (const m of matches) seen.set(m.image * A + m.prior, (seen.get(m.image * A + m.prior) ?? 0) + 1);
  assert.ok(
    [...seen.values()].some((n) => n > 1),
    'the case has a prior matched twice',
  );
  assert.ok(new Set(matches.map((m) => m.level)).size >= 2, 'matches on two levels');
  for (const term of ['loss_bbox', 'loss_obj', 'loss_cls'] as const) {
    const dense = tf.variableGrads(
      () => yolov5Loss({ box, obj, cls }, p, matches, defaultYOLOv5Loss)[term],
      [box, obj, cls],
    );
    const direct = tf.variableGrads(() => directLoss(box, obj, cls, matches, p)[term] as tf.Scalar, [box, obj, cls]);
    const [a, b] = [dense.value.dataSync()[0], direct.value.dataSync()[0]];
    assert.ok(Math.abs(a - b) < 1e-5 * Math.abs(b) + 1e-7, `${term}: dense ${a} vs direct ${b}`);
    for (const v of [box, obj, cls]) {
      const ga = dense.grads[v.name];
      const gb = direct.grads[v.name];
      if (!gb) continue;
      const diff = tf.max(tf.abs(tf.sub(ga, gb))).dataSync()[0];
      const scale = tf.max(tf.abs(gb)).dataSync()[0];
      assert.ok(diff <= 1e-4 * scale + 1e-8, `${term}: gradient wrt ${v.shape} differs by ${diff} (max ${scale})`);
    }
  }
});

test('no ground truth: only the objectness loss (towards 0 everywhere), box and class losses 0', async () => {
  await tf.setBackend('cpu');
  const p = makeAnchorPriors(32, 32, [8, 16, 32], defaultYOLOv5Anchors);
  const out = {
    box: tf.zeros([1, p.count, 4]) as tf.Tensor3D,
    obj: tf.zeros([1, p.count]) as tf.Tensor2D,
    cls: tf.zeros([1, p.count, 2]) as tf.Tensor3D,
  };
  const t = yolov5Loss(
    out,
    p,
    matchYOLOv5({ boxes: [new Float32Array(0)], labels: [new Int32Array(0)] }, p, 32, 32, defaultYOLOv5Loss),
    defaultYOLOv5Loss,
  );
  assert.equal(t.loss_bbox.dataSync()[0], 0);
  assert.equal(t.loss_cls.dataSync()[0], 0);
  // BCE(0, 0) = ln 2 per prior, mean per level, weighted 4 + 1 + 0.4.
  assert.ok(Math.abs(t.loss_obj.dataSync()[0] - Math.LN2 * 5.4) < 1e-5);
});
