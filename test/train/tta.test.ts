// TTA: view expansion of MMYOLO's det_p5_tta pipeline, a flipped + letterboxed view's boxes
// mapped back exactly to the original image, and the NMS merge of views.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { expandTtaPipeline, mergeViews, ttaCfgOf } from '../../src/train/tta';
import { YOLODetector } from '../../src/train/model/detector';
import { ParamStore } from '../../src/train/params';
import { Rng } from '../../src/data/rng';
import type { DetSample } from '../../src/data/types';

const resize = (s: number) => ({
  type: 'Compose',
  transforms: [
    { type: 'YOLOv5KeepRatioResize', scale: [s, s] },
    { type: 'LetterResize', scale: [s, s] },
  ],
});

test('TestTimeAug expands into scale x flip linear pipelines', () => {
  const views = expandTtaPipeline([
    { type: 'LoadImageFromFile' },
    {
      type: 'TestTimeAug',
      transforms: [
        [resize(640), resize(320), resize(960)],
        [
          { type: 'mmdet.RandomFlip', prob: 1 },
          { type: 'mmdet.RandomFlip', prob: 0 },
        ],
        [{ type: 'mmdet.LoadAnnotations' }],
        [{ type: 'mmdet.PackDetInputs' }],
      ],
    },
  ]);
  assert.equal(views.length, 6);
  assert.deepEqual(
    views[0].map((t) => t.type),
    [
      'LoadImageFromFile',
      'YOLOv5KeepRatioResize',
      'LetterResize',
      'mmdet.RandomFlip',
      'mmdet.LoadAnnotations',
      'mmdet.PackDetInputs',
    ],
  );
  assert.deepEqual(
    views.map((v) => [(v[1].scale as number[])[0], v[3].prob]),
    [
      [640, 1],
      [640, 0],
      [320, 1],
      [320, 0],
      [960, 1],
      [960, 0],
    ],
  );
  assert.deepEqual(
    ttaCfgOf({ type: 'mmdet.DetTTAModel', tta_cfg: { nms: { type: 'nms', iou_threshold: 0.65 }, max_per_img: 300 } }),
    { iouThr: 0.65, maxPerImg: 300 },
  );
  assert.throws(() => ttaCfgOf({ type: 'SegTTAModel' }), /unsupported type 'SegTTAModel'/);
});

function detector(): YOLODetector {
  const model = {
    type: 'YOLODetector',
    backbone: { type: 'YOLOv8CSPDarknet', deepen_factor: 0.33, widen_factor: 0.0625 },
    neck: {
      type: 'YOLOv8PAFPN',
      deepen_factor: 0.33,
      widen_factor: 0.0625,
      in_channels: [256, 512, 1024],
      out_channels: [256, 512, 1024],
    },
    bbox_head: {
      type: 'YOLOv8Head',
      head_module: { type: 'YOLOv8HeadModule', num_classes: 2, in_channels: [256, 512, 1024], widen_factor: 0.0625 },
    },
  };
  return new YOLODetector(new ParamStore(new Rng(0)), model);
}

function sample(flip: boolean): DetSample {
  // Original 200x100 image letterboxed to 64x64: scale 0.32, 16 px padding top and bottom.
  return {
    img: new Uint8Array(64 * 64 * 3),
    height: 64,
    width: 64,
    bboxes: new Float32Array(0),
    labels: new Int32Array(0),
    ignore: new Uint8Array(0),
    meta: {
      file: 'x.jpg',
      imageId: 'x',
      oriHeight: 100,
      oriWidth: 200,
      scaleFactor: [0.32, 0.32],
      pad: [16, 16, 0, 0],
      flip,
    },
  };
}

test('boxes of a flipped, letterboxed view map back exactly to the original image', async () => {
  await tf.setBackend('cpu');
  const det = detector();
  // One anchor, one class above threshold; the box in network pixels.
  const netBox = [8, 20, 24, 36];
  const scores = new Float32Array(2).fill(0);
  scores[1] = 0.9;
  const plain = det.postprocess(scores, Float32Array.from(netBox), 0, 1, sample(false));
  assert.deepEqual(
    Array.from(plain.bboxes),
    [8 / 0.32, (20 - 16) / 0.32, 24 / 0.32, (36 - 16) / 0.32].map(Math.fround),
  );
  // The same object seen in the flipped view sits at x' = 64 - x.
  const flipped = det.postprocess(scores, Float32Array.from([64 - 24, 20, 64 - 8, 36]), 0, 1, sample(true));
  assert.deepEqual(Array.from(flipped.bboxes), Array.from(plain.bboxes));
  assert.deepEqual(Array.from(flipped.labels), [1]);
});

test('views are merged by class-aware NMS with max_per_img', () => {
  const v = (boxes: number[], scores: number[], labels: number[]) => ({
    imageId: 'a',
    bboxes: Float32Array.from(boxes),
    scores: Float32Array.from(scores),
    labels: Int32Array.from(labels),
  });
  const merged = mergeViews(
    [v([0, 0, 10, 10, 50, 50, 60, 60], [0.9, 0.5], [0, 1]), v([1, 0, 10, 10, 0, 0, 10, 10], [0.8, 0.7], [0, 1])],
    { iouThr: 0.65, maxPerImg: 2 },
  );
  // [1,0,10,10] (IoU 0.9 with the 0.9 box, same class) is suppressed; the class-1 box at the same place is kept.
  assert.deepEqual(
    Array.from(merged.scores).map((s) => +s.toFixed(2)),
    [0.9, 0.7],
  );
  assert.deepEqual(Array.from(merged.labels), [0, 1]);
});

test('a flipped view is flipped back about the original width after un-padding, as DetTTAModel does', async () => {
  await tf.setBackend('cpu');
  const det = detector();
  // 134x200 original letterboxed to 64x64 with 10 px left and 11 px right padding. MMYOLO
  // un-pads with the view's pad_param and rescales (yolov5_head.py L420-427), clips (L436-437),
  // then DetTTAModel flips about ori_shape (mmdet/models/test_time_augs/det_tta.py L67-75,
  // bbox_flip: x1' = W - x2): the asymmetric padding is not mirrored.
  const s = sample(true);
  s.meta = { ...s.meta, oriWidth: 134, oriHeight: 200, pad: [0, 0, 10, 11] };
  const scores = Float32Array.from([0, 0.9]);
  const out = det.postprocess(scores, Float32Array.from([20, 8, 40, 24]), 0, 1, s);
  const want = [134 - (40 - 10) / 0.32, 8 / 0.32, 134 - (20 - 10) / 0.32, 24 / 0.32].map(Math.fround);
  Array.from(out.bboxes).forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-3, `${out.bboxes} vs ${want}`));
});

test('boxes are clipped to the image after NMS, not before (predict_by_feat, yolov5_head.py L430-437)', async () => {
  await tf.setBackend('cpu');
  const det = detector();
  // Two same-class boxes reaching past the right edge of a 200x100 image (scale 1, no padding):
  // unclipped their IoU is 0.5 < 0.7, so both survive NMS; clipped first they would be identical.
  const s = sample(false);
  s.meta = { ...s.meta, oriWidth: 200, oriHeight: 100, scaleFactor: [1, 1], pad: [0, 0, 0, 0] };
  const scores = Float32Array.from([0.9, 0, 0.8, 0]);
  const out = det.postprocess(scores, Float32Array.from([180, 0, 260, 50, 180, 0, 340, 50]), 0, 2, s);
  assert.deepEqual(
    Array.from(out.scores).map((v) => +v.toFixed(2)),
    [0.9, 0.8],
  );
  assert.deepEqual(Array.from(out.bboxes), [180, 0, 200, 50, 180, 0, 200, 50]);
});
