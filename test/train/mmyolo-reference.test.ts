// The trainer against the real MMYOLO v0.6.0 (test/fixtures/mmyolo-reference, made by MMYOLO
// itself): MMYOLO's weights load under MMYOLO's names with nothing left over on either side,
// the head's raw outputs for MMYOLO's input match to 1e-4, and so do the losses
// (bbox_head.loss in train mode, values as MMYOLO logs them, x batch size).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../src/data/rng';
import { loadTrainConfig } from '../../src/train/config';
import { YOLODetector } from '../../src/train/model/detector';
import type { HeadOutputs } from '../../src/train/model/head';
import type { YOLOv5HeadOutputs } from '../../src/train/model/yolov5-head';
import { YOLOv5Head, YOLOv8Head } from '../../src/train/model/heads';
import type { DetSample } from '../../src/data/types';
import { ParamStore } from '../../src/train/params';
import {
  REFERENCE_DIR,
  ReferenceCase,
  loadReferenceState,
  maxRelDiff,
  nchwToNhwc,
  readReference,
} from '../helpers/reference-tensors';

const ROOT = join(__dirname, '..', '..');

function build(config: string, options: string[]): YOLODetector {
  const l = loadTrainConfig(join(ROOT, config), options);
  return new YOLODetector(new ParamStore(new Rng(0)), l.cfg.model);
}

function input(ref: ReferenceCase): tf.Tensor4D {
  const t = nchwToNhwc(ref.tensors.get('input')!);
  return tf.tensor4d(t.data, t.shape as [number, number, number, number]);
}

function targets(ref: ReferenceCase) {
  const gt = ref.tensors.get('gt')!.data;
  const boxes: number[][] = [[], []];
  const labels: number[][] = [[], []];
  for (let i = 0; i < gt.length / 6; i++) {
    boxes[gt[i * 6]].push(...gt.subarray(i * 6 + 2, i * 6 + 6));
    labels[gt[i * 6]].push(gt[i * 6 + 1]);
  }
  return { boxes: boxes.map((b) => Float32Array.from(b)), labels: labels.map((l) => Int32Array.from(l)) };
}

/** MMYOLO's per-level NCHW maps with channel = prior * k + j, flattened as the trainer orders
 * priors (image, level, row, column, prior) with k values each. */
function flattenLevels(ref: ReferenceCase, name: string, k: number): Float32Array {
  const out: number[] = [];
  const levels = [...ref.tensors.keys()].filter((n) => n.startsWith(`outputs.${name}.`)).length;
  const batch = ref.tensors.get(`outputs.${name}.0`)!.shape[0];
  for (let b = 0; b < batch; b++)
    for (let lv = 0; lv < levels; lv++) {
      const t = ref.tensors.get(`outputs.${name}.${lv}`)!;
      const [, ch, H, W] = t.shape;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let a = 0; a < ch / k; a++)
            for (let j = 0; j < k; j++) out.push(t.data[((b * ch + a * k + j) * H + y) * W + x]);
    }
  return Float32Array.from(out);
}

function lossesOf(det: YOLODetector, ref: ReferenceCase): Record<string, number> {
  return tf.tidy(() => {
    const t = det.loss(input(ref), targets(ref), { training: true, bnUpdates: [] });
    return Object.fromEntries(Object.entries(t.terms).map(([k, v]) => [k, v.dataSync()[0]]));
  });
}

function assertClose(got: Record<string, number>, want: Record<string, number>, what: string): void {
  assert.deepEqual(Object.keys(got).sort(), Object.keys(want).sort(), `${what}: loss names`);
  for (const k of Object.keys(want))
    assert.ok(Math.abs(got[k] - want[k]) <= 1e-4 * Math.abs(want[k]), `${what}: ${k} = ${got[k]}, MMYOLO ${want[k]}`);
}

// MMYOLO's yolov5_s-v61_syncbn_fast_8xb16-300e_coco.py with the cfg-options the reference was made with.
const yolov5Options = [
  'model.backbone.widen_factor=0.125',
  'model.neck.widen_factor=0.125',
  'model.bbox_head.head_module.widen_factor=0.125',
  'model.bbox_head.head_module.num_classes=4',
  'img_scale=[160,160]',
];
const yolov8Options = [
  'model.backbone.widen_factor=0.125',
  'model.neck.widen_factor=0.125',
  'model.bbox_head.head_module.widen_factor=0.125',
];

test('YOLOv5-s (w0.125, 4 classes): MMYOLO weights load by name, raw outputs and losses match MMYOLO to 1e-4', async () => {
  await tf.setBackend('cpu');
  const ref = await readReference('yolov5_s_w0125_c4');
  const det = build('configs/yolov5/yolov5_s-v61_syncbn_fast_8xb16-300e_coco.py', yolov5Options);
  assert.deepEqual(loadReferenceState(det.store, ref), { missingInModel: [], missingInReference: [] });
  const out = tf.tidy(() => {
    const o = det.forward(input(ref), { training: false, bnUpdates: [] }) as YOLOv5HeadOutputs;
    return { cls: o.cls.dataSync(), box: o.box.dataSync(), obj: o.obj.dataSync() };
  });
  assert.ok(maxRelDiff(out.cls, flattenLevels(ref, 'cls_scores', 4)) < 1e-4, 'cls_scores');
  assert.ok(maxRelDiff(out.box, flattenLevels(ref, 'bbox_preds', 4)) < 1e-4, 'bbox_preds');
  assert.ok(maxRelDiff(out.obj, flattenLevels(ref, 'objectnesses', 1)) < 1e-4, 'objectnesses');
  // The reference's loss weights: loss_obj keeps 1.0 although img_scale became 160, because the
  // base computed it from its own img_scale (MMEngine's propagation trap, reproduced here too).
  assertClose(lossesOf(det, ref), ref.losses, 'YOLOv5 losses');
});

test('YOLOv8 demo model (w0.125): MMYOLO weights load by name, raw outputs and losses match MMYOLO to 1e-4', async () => {
  await tf.setBackend('cpu');
  const ref = await readReference('demo_yolov8_w0125');
  const det = build('configs/demo/yolov8_n-tiny_1xb8-10e_demo.py', yolov8Options);
  assert.deepEqual(loadReferenceState(det.store, ref), { missingInModel: [], missingInReference: [] });
  const out = tf.tidy(() => {
    const o = det.forward(input(ref), { training: false, bnUpdates: [] }) as HeadOutputs;
    return { cls: o.cls.dataSync(), reg: o.reg.dataSync() };
  });
  assert.ok(maxRelDiff(out.cls, flattenLevels(ref, 'cls_scores', 4)) < 1e-4, 'cls_scores');
  // bbox_preds are the decoded side distances (softmax . [0..15]) per prior, 4 per prior.
  const sides = tf.tidy(() => {
    const reg = tf.tensor4d(out.reg, [2, out.reg.length / 2 / 64, 4, 16]);
    return tf.sum(tf.mul(tf.softmax(reg, -1), tf.range(0, 16, 1, 'float32')), -1).dataSync();
  });
  assert.ok(maxRelDiff(sides, flattenLevels(ref, 'bbox_preds', 4)) < 1e-4, 'bbox_preds');
  assertClose(lossesOf(det, ref), ref.losses, 'YOLOv8 losses');
});

test("full-size YOLOv5-s and YOLOv8-n from configs/ have exactly MMYOLO's state_dict names and shapes", () => {
  const cases: Array<[string, string]> = [
    ['configs/yolov5/yolov5_s-v61_syncbn_fast_8xb16-300e_coco.py', 'yolov5_s_coco.keys.tsv'],
    ['configs/yolov8/yolov8_n_syncbn_fast_8xb16-500e_coco.py', 'yolov8_n_coco.keys.tsv'],
  ];
  for (const [config, keys] of cases) {
    const det = build(config, []);
    const ours = [...det.store.stateDict()].map(
      ([n, v]) => `${n}\t${v.shape.length === 4 ? [v.shape[3], v.shape[2], v.shape[0], v.shape[1]] : v.shape}`,
    );
    const theirs = readFileSync(join(REFERENCE_DIR, keys), 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split('\t'))
      .filter(([n]) => !n.endsWith('num_batches_tracked'))
      .map(([n, shape]) => `${n}\t${JSON.parse(shape)}`);
    assert.deepEqual(ours.sort(), theirs.sort(), `${config} vs ${keys}`);
    det.store.dispose();
  }
});

// MMYOLO's predict_by_feat on seeded random raw outputs (predict_reference.json, from
// make_predict_reference.py): objectness filter and class x objectness scores (YOLOv5),
// multi-label candidates above score_thr, NMS, un-padding and rescale, clipping after NMS.
const predictRef = JSON.parse(readFileSync(join(REFERENCE_DIR, 'predict_reference.json'), 'utf8'));

function flattenRaw(levels: Array<{ shape: number[]; data: number[] }>, k: number): tf.Tensor3D {
  const out: number[] = [];
  const batch = levels[0].shape[0];
  for (let b = 0; b < batch; b++)
    for (const t of levels) {
      const [, ch, H, W] = t.shape;
      for (let y = 0; y < H; y++)
        for (let x = 0; x < W; x++)
          for (let a = 0; a < ch / k; a++)
            for (let j = 0; j < k; j++) out.push(t.data[((b * ch + a * k + j) * H + y) * W + x]);
    }
  return tf.tensor3d(out, [batch, out.length / batch / k, k]);
}

function samples(): DetSample[] {
  return (
    predictRef.metas as Array<{
      ori_shape: [number, number];
      scale_factor: [number, number];
      pad_param: [number, number, number, number];
    }>
  ).map((m, i) => ({
    img: new Uint8Array(64 * 64 * 3),
    height: 64,
    width: 64,
    bboxes: new Float32Array(0),
    labels: new Int32Array(0),
    ignore: new Uint8Array(0),
    meta: {
      file: `${i}.jpg`,
      imageId: String(i),
      oriHeight: m.ori_shape[0],
      oriWidth: m.ori_shape[1],
      scaleFactor: m.scale_factor,
      pad: m.pad_param,
      flip: false,
    },
  }));
}

for (const kind of ['yolov5', 'yolov8'] as const) {
  test(`${kind}: inference post-processing gives MMYOLO's detections (boxes, scores, labels, order)`, async () => {
    await tf.setBackend('cpu');
    const ref = predictRef[kind];
    const tc = predictRef.test_cfg;
    const options = [
      ...Object.entries(ref.cfg_options).map(([k, v]) => `${k}=${v}`),
      `model.test_cfg.score_thr=${tc.score_thr}`,
      `model.test_cfg.max_per_img=${tc.max_per_img}`,
      `model.test_cfg.nms.iou_threshold=${tc.nms.iou_threshold}`,
    ];
    const det = build(ref.config, options);
    const p = (() => {
      if (det.head instanceof YOLOv5Head) {
        const obj = flattenRaw(ref.raw.objectnesses, 1);
        return det.head.decode(
          {
            cls: flattenRaw(ref.raw.cls_scores, 4),
            box: flattenRaw(ref.raw.bbox_preds, 4),
            obj: obj.reshape([obj.shape[0], obj.shape[1]]) as tf.Tensor2D,
          },
          64,
          64,
          tc.score_thr,
        );
      }
      return (det.head as YOLOv8Head).decode(
        flattenRaw(ref.raw.cls_scores, 4),
        flattenRaw(ref.raw.bbox_preds, 4),
        64,
        64,
      );
    })();
    samples().forEach((s, n) => {
      const got = det.postprocess(p.scores, p.boxes, n, p.count, s);
      const want = ref.results[n];
      assert.deepEqual(Array.from(got.labels), want.labels, `image ${n}: labels in order`);
      assert.ok(maxRelDiff(got.scores, want.scores, 1e-6) < 1e-4, `image ${n}: scores`);
      assert.ok(maxRelDiff(got.bboxes, want.bboxes.flat(), 1e-2) < 1e-4, `image ${n}: boxes`);
    });
  });
}
