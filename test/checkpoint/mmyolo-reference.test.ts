// The real MMYOLO's checkpoints load into the trainer's model and reproduce MMYOLO's head
// outputs for the same input (test/fixtures/mmyolo-reference, made by MMYOLO v0.6.0).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { openTorchFile, TorchTensor } from '../../src/checkpoint/torch-read';
import { readMMEngineCheckpoint } from '../../src/checkpoint/mmengine-read';
import { stateDictOrder, torchShape } from '../../src/checkpoint/mmyolo-params';
import { loadTrainConfig } from '../../src/train/config';
import { buildModel } from '../../src/train/prepare';
import { loadWeights, WeightMap } from '../../src/train/state';
import { distToSides, type HeadOutputs } from '../../src/train/model/head';
import { PyDict } from '../../src/checkpoint/pickle-read';

const REF = 'test/fixtures/mmyolo-reference';
const DEMO = 'configs/demo/yolov8_n-tiny_1xb8-10e_demo.py';
const w0125 = [
  'model.backbone.widen_factor=0.125',
  'model.neck.widen_factor=0.125',
  'model.bbox_head.head_module.widen_factor=0.125',
];

function keysTsv(file: string): Array<{ name: string; shape: number[]; dtype: string }> {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const [name, shape, dtype] = l.split('\t');
      return { name, shape: JSON.parse(shape), dtype };
    });
}

async function weightsOf(file: string) {
  const f = await openTorchFile(file);
  const ck = await readMMEngineCheckpoint(f);
  const weights: WeightMap = new Map(
    [...ck.stateDict].map(([n, t]) => [n, { shape: t.shape, layout: 'torch' as const, read: () => f.readFloat32(t) }]),
  );
  return { f, weights };
}

/** NCHW per-level reference maps -> [B, sum(H*W), C] in the trainer's anchor order. */
function levelsToAnchors(levels: Float32Array[], shapes: number[][]): Float32Array {
  const [B, C] = shapes[0];
  const A = shapes.reduce((s, sh) => s + sh[2] * sh[3], 0);
  const out = new Float32Array(B * A * C);
  for (let b = 0; b < B; b++) {
    let a0 = 0;
    levels.forEach((d, l) => {
      const [, , H, W] = shapes[l];
      for (let c = 0; c < C; c++)
        for (let p = 0; p < H * W; p++) out[(b * A + a0 + p) * C + c] = d[(b * C + c) * H * W + p];
      a0 += H * W;
    });
  }
  return out;
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  for (const x of b) scale = Math.max(scale, Math.abs(x));
  let err = 0;
  for (let i = 0; i < a.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / scale;
}

test('the trainer writes state_dict entries in MMYOLO order and shapes (YOLOv8 demo at widen 0.125, released YOLOv8-n)', async () => {
  await tf.setBackend('cpu');
  for (const [file, opts] of [
    [`${REF}/demo_yolov8_w0125.keys.tsv`, w0125],
    [`${REF}/yolov8_n_coco.keys.tsv`, ['model.bbox_head.head_module.num_classes=80']],
  ] as const) {
    const { store } = buildModel(loadTrainConfig(DEMO, [...opts]), 0);
    const ref = keysTsv(file);
    const ours = stateDictOrder(store.params.keys(), store.buffers.keys()).map((e) => {
      const v = store.params.get(e.name)?.variable ?? store.buffers.get(e.name);
      return {
        name: e.name,
        shape: v ? torchShape(e.name, v.shape) : [],
        dtype: e.kind === 'count' ? 'int64' : 'float32',
      };
    });
    assert.equal(ours.length, ref.length, `${file}: ${ours.length} entries vs ${ref.length}`);
    ref.forEach((r, i) => assert.deepEqual(ours[i], r, `${file}: entry ${i}`));
    store.dispose();
  }
});

test('MMYOLO YOLOv8 checkpoint loads completely and reproduces the head outputs of real MMYOLO', async () => {
  await tf.setBackend('cpu');
  const { store, det } = buildModel(loadTrainConfig(DEMO, w0125), 0);
  const { f, weights } = await weightsOf(`${REF}/demo_yolov8_w0125.pth`);
  const counts = new Map<string, number>();
  const r = await loadWeights(weights, store.stateDict(), counts);
  assert.deepEqual([r.missing, r.unexpected, r.mismatched], [[], [], []]);
  assert.equal(r.loaded.length, store.stateDict().size);
  assert.equal(counts.size, 57, 'num_batches_tracked of every BatchNorm');
  await f.close();

  const io = await openTorchFile(`${REF}/demo_yolov8_w0125.io.pt`);
  const root = io.root as PyDict;
  const input = root.get('input') as TorchTensor;
  const inp = tf.transpose(
    tf.tensor4d(await io.readFloat32(input), input.shape as [number, number, number, number]),
    [0, 2, 3, 1],
  ) as tf.Tensor4D;
  const out = det.forward(inp, { training: false, bnUpdates: [] }) as HeadOutputs;
  const cls = out.cls.dataSync() as Float32Array;
  const sides = distToSides(out.reg).dataSync() as Float32Array;
  const [refCls, refBox] = root.get('outputs') as TorchTensor[][];
  const refClsAll = levelsToAnchors(
    await Promise.all(refCls.map((t) => io.readFloat32(t))),
    refCls.map((t) => t.shape),
  );
  const refBoxAll = levelsToAnchors(
    await Promise.all(refBox.map((t) => io.readFloat32(t))),
    refBox.map((t) => t.shape),
  );
  const eCls = maxRelErr(cls, refClsAll);
  const eBox = maxRelErr(sides, refBoxAll);
  assert.ok(eCls < 1e-4, `cls_scores differ by ${eCls} (relative to the largest)`);
  assert.ok(eBox < 1e-4, `bbox_preds differ by ${eBox} (relative to the largest)`);
  await io.close();
  store.dispose();
});

test("the YOLOv5-s model writes its state_dict in MMYOLO order and shapes, head included, and MMYOLO's YOLOv5 .pth loads completely", async () => {
  await tf.setBackend('cpu');
  const v5 = [
    'model.backbone.widen_factor=0.125',
    'model.neck.widen_factor=0.125',
    'model.bbox_head.head_module.widen_factor=0.125',
    'model.bbox_head.head_module.num_classes=4',
  ];
  const { store } = buildModel(loadTrainConfig('configs/yolov5/yolov5_s-v61_syncbn_fast_8xb16-300e_coco.py', v5), 0);
  const ref = keysTsv(`${REF}/yolov5_s_w0125_c4.keys.tsv`);
  const ours = stateDictOrder(store.params.keys(), store.buffers.keys()).map((e) => {
    const v = store.params.get(e.name)?.variable ?? store.buffers.get(e.name);
    return {
      name: e.name,
      shape: v ? torchShape(e.name, v.shape) : [],
      dtype: e.kind === 'count' ? 'int64' : 'float32',
    };
  });
  assert.equal(ours.length, ref.length);
  ref.forEach((r, i) => assert.deepEqual(ours[i], r, `entry ${i}`));
  const { f, weights } = await weightsOf(`${REF}/yolov5_s_w0125_c4.pth`);
  const r = await loadWeights(weights, store.stateDict(), new Map());
  assert.deepEqual([r.missing, r.unexpected, r.mismatched], [[], [], []]);
  assert.equal(r.loaded.length, store.stateDict().size);
  await f.close();
  store.dispose();
});
