// Model assembly: MMYOLO channel/depth scaling, output shapes per level, the YOLOv5
// backbone/neck variants, and parameter counts that match MMYOLO's YOLOv8-n.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { makeDivisible, makeRound } from '../../src/train/model/layers';
import { ParamStore } from '../../src/train/params';
import { YOLODetector } from '../../src/train/model/detector';
import type { HeadOutputs } from '../../src/train/model/head';
import { Rng } from '../../src/data/rng';

const head = (w: number, nc = 80) => ({
  type: 'YOLOv8Head',
  head_module: {
    type: 'YOLOv8HeadModule',
    num_classes: nc,
    in_channels: [256, 512, 1024],
    widen_factor: w,
    reg_max: 16,
  },
});

test('make_divisible / make_round as MMYOLO', () => {
  assert.equal(makeDivisible(64, 0.25), 16);
  assert.equal(makeDivisible(1024, 0.25), 256);
  assert.equal(makeDivisible(64, 0.0625), 8);
  assert.equal(makeRound(3, 0.33), 1);
  assert.equal(makeRound(6, 0.33), 2);
  assert.equal(makeRound(9, 0.67), 6);
  assert.equal(makeRound(1, 0.33), 1);
  // Python's round() sends halves to the even neighbour (mmyolo/models/utils/misc.py:L21 make_round):
  // 9 blocks at deepen 0.5 are 4, not 5; 3 at 0.5 are 2.
  assert.equal(makeRound(9, 0.5), 4);
  assert.equal(makeRound(3, 0.5), 2);
});

test('YOLOv8-n (80 classes) has the 3.16 M parameters of YOLOv8n and P3-P5 outputs', async () => {
  await tf.setBackend('cpu');
  const store = new ParamStore(new Rng(0));
  const det = new YOLODetector(store, {
    type: 'YOLODetector',
    backbone: { type: 'YOLOv8CSPDarknet', deepen_factor: 0.33, widen_factor: 0.25 },
    neck: {
      type: 'YOLOv8PAFPN',
      deepen_factor: 0.33,
      widen_factor: 0.25,
      in_channels: [256, 512, 1024],
      out_channels: [256, 512, 1024],
      num_csp_blocks: 3,
    },
    bbox_head: head(0.25),
  });
  const n = store.count([...store.params.values()]);
  // Ultralytics reports 3,157,200 for YOLOv8n: that count includes the DFL's fixed 16-weight
  // projection conv, which MMYOLO (and this trainer) keep as a constant, not a parameter.
  assert.equal(n, 3157200 - 16);
  const out = tf.tidy(() => {
    const o = det.forward(tf.zeros([1, 64, 96, 3]) as tf.Tensor4D, { training: false, bnUpdates: [] }) as HeadOutputs;
    return [o.cls.shape, o.reg.shape];
  });
  const anchors = 8 * 12 + 4 * 6 + 2 * 3;
  assert.deepEqual(out, [
    [1, anchors, 80],
    [1, anchors, 4, 16],
  ]);
});

test('YOLOv5CSPDarknet + YOLOv5PAFPN build, run and give the head matching channels', async () => {
  await tf.setBackend('cpu');
  const store = new ParamStore(new Rng(0));
  const det = new YOLODetector(store, {
    type: 'YOLODetector',
    backbone: { type: 'YOLOv5CSPDarknet', deepen_factor: 0.33, widen_factor: 0.125 },
    neck: {
      type: 'YOLOv5PAFPN',
      deepen_factor: 0.33,
      widen_factor: 0.125,
      in_channels: [256, 512, 1024],
      out_channels: [256, 512, 1024],
      num_csp_blocks: 3,
    },
    bbox_head: head(0.125, 3),
  });
  assert.deepEqual(det.neck.outChannels, [32, 64, 128]);
  const shapes = tf.tidy(
    () => det.forward(tf.zeros([2, 64, 64, 3]) as tf.Tensor4D, { training: true, bnUpdates: [] }).cls.shape,
  );
  assert.deepEqual(shapes, [2, 64 + 16 + 4, 3]);
  assert.ok(
    store.params.has('backbone.stem.conv.weight') &&
      store.params.get('backbone.stem.conv.weight')!.variable.shape[0] === 6,
    '6x6 stem',
  );
  assert.ok(store.params.has('neck.reduce_layers.2.conv.weight'));
});

test('inference leaves no tensors behind (YOLOv8 and YOLOv5 heads)', async () => {
  await tf.setBackend('cpu');
  const neck = (t: string) => ({
    type: t,
    deepen_factor: 0.33,
    widen_factor: 0.125,
    in_channels: [256, 512, 1024],
    out_channels: [256, 512, 1024],
    num_csp_blocks: 3,
  });
  const heads = [
    { backbone: 'YOLOv8CSPDarknet', neck: 'YOLOv8PAFPN', head: head(0.125, 3) },
    {
      backbone: 'YOLOv5CSPDarknet',
      neck: 'YOLOv5PAFPN',
      head: {
        type: 'YOLOv5Head',
        head_module: { type: 'YOLOv5HeadModule', num_classes: 3, in_channels: [256, 512, 1024], widen_factor: 0.125 },
      },
    },
  ];
  for (const h of heads) {
    const det = new YOLODetector(new ParamStore(new Rng(0)), {
      type: 'YOLODetector',
      backbone: { type: h.backbone, deepen_factor: 0.33, widen_factor: 0.125 },
      neck: neck(h.neck),
      bbox_head: h.head,
    });
    const sample = {
      img: new Uint8Array(64 * 64 * 3).fill(90),
      height: 64,
      width: 64,
      bboxes: new Float32Array(0),
      labels: new Int32Array(0),
      ignore: new Uint8Array(0),
      meta: {
        file: 'x',
        imageId: 'x',
        oriHeight: 64,
        oriWidth: 64,
        scaleFactor: [1, 1] as [number, number],
        pad: [0, 0, 0, 0] as [number, number, number, number],
        flip: false,
      },
    };
    det.predict([sample]); // builds the prior caches
    const before = tf.memory().numTensors;
    det.predict([sample, sample]);
    assert.equal(tf.memory().numTensors, before, `${h.head.type}: tensors left after predict`);
  }
});
