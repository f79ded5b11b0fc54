// ContextBlock (GCNet) and NonLocal2d: shapes, a fresh block is not an identity (in MMYOLO the
// backbone resets every Conv2d, the plugins' too: csp_darknet.py L290-299), gradients reach
// every parameter, and the backbone inserts them after the chosen stages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { ContextBlock, NonLocal2d } from '../../src/train/model/plugins';
import { CSPDarknet } from '../../src/train/model/backbone';
import { ParamStore } from '../../src/train/params';
import { Rng } from '../../src/data/rng';

const variants: Array<[string, (s: ParamStore) => { forward(x: tf.Tensor4D): tf.Tensor4D }]> = [
  ['ContextBlock att/add', (s) => new ContextBlock(s, 'p', 16, { ratio: 1 / 4 })],
  [
    'ContextBlock avg/mul',
    (s) => new ContextBlock(s, 'p', 16, { ratio: 1 / 4, pooling_type: 'avg', fusion_types: ['channel_mul'] }),
  ],
  [
    'ContextBlock att/add+mul',
    (s) => new ContextBlock(s, 'p', 16, { ratio: 1 / 4, fusion_types: ['channel_add', 'channel_mul'] }),
  ],
  ...(['embedded_gaussian', 'dot_product', 'gaussian', 'concatenation'] as const).map(
    (mode) =>
      [`NonLocal2d ${mode}`, (s: ParamStore) => new NonLocal2d(s, 'p', 16, { mode, reduction: 2 })] as [
        string,
        (s: ParamStore) => { forward(x: tf.Tensor4D): tf.Tensor4D },
      ],
  ),
  ['NonLocal2d sub_sample', (s) => new NonLocal2d(s, 'p', 16, { sub_sample: true })],
];

for (const [name, make] of variants) {
  test(`${name}: not an identity when fresh (PyTorch's default init everywhere), same shape, gradients reach every parameter`, async () => {
    await tf.setBackend('cpu');
    const store = new ParamStore(new Rng(0));
    const block = make(store);
    const x = tf.randomNormal([2, 6, 6, 16], 0, 1, 'float32', 1) as tf.Tensor4D;
    const y = block.forward(x);
    assert.deepEqual(y.shape, x.shape);
    const [ya, xa] = [y.dataSync(), x.dataSync()];
    assert.ok(
      xa.some((v, i) => Math.abs(ya[i] - v) > 1e-3),
      'a fresh block changes its input',
    );
    const R = tf.randomNormal(x.shape, 0, 1, 'float32', 2);
    const params = [...store.params.values()];
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.mul(block.forward(x), R)) as tf.Scalar,
      params.map((p) => p.variable),
    );
    const missed = params
      .filter((p) => !tf.any(tf.notEqual(grads[p.variable.name], 0)).dataSync()[0])
      .map((p) => p.name);
    assert.deepEqual(missed, [], 'every parameter gets a gradient at once');
  });
}

test('NonLocal2d after one update is no longer an identity and gradients reach theta/phi/g', async () => {
  await tf.setBackend('cpu');
  const store = new ParamStore(new Rng(0));
  const block = new NonLocal2d(store, 'p', 8, {});
  const x = tf.randomNormal([1, 4, 4, 8], 0, 1, 'float32', 3) as tf.Tensor4D;
  const out = store.params.get('p.conv_out.conv.weight')!.variable;
  out.assign(tf.fill(out.shape, 0.1));
  const params = [...store.params.values()];
  const { grads } = tf.variableGrads(
    () => tf.sum(tf.square(block.forward(x))) as tf.Scalar,
    params.map((p) => p.variable),
  );
  for (const n of ['p.g.conv.weight', 'p.theta.conv.weight', 'p.phi.conv.weight'])
    assert.ok(tf.any(tf.notEqual(grads[store.params.get(n)!.variable.name], 0)).dataSync()[0], `${n} gets a gradient`);
});

test('backbone plugins are appended after the stages marked True', () => {
  const store = new ParamStore(new Rng(0));
  new CSPDarknet(store, {
    type: 'YOLOv8CSPDarknet',
    deepen_factor: 0.33,
    widen_factor: 0.125,
    plugins: [
      { cfg: { type: 'ContextBlock', ratio: 1 / 16 }, stages: [false, true, true, true] },
      { cfg: { type: 'NonLocal2d' }, stages: [false, false, false, true] },
    ],
  });
  const names = [...store.params.keys()];
  assert.ok(!names.some((n) => n.startsWith('backbone.stage1.2.')), 'no plugin after stage 1');
  assert.ok(
    names.some((n) => n.startsWith('backbone.stage2.2.conv_mask')),
    'ContextBlock after stage 2',
  );
  assert.ok(
    names.some((n) => n.startsWith('backbone.stage4.3.channel_add_conv')),
    'ContextBlock after SPPF in stage 4',
  );
  assert.ok(
    names.some((n) => n.startsWith('backbone.stage4.4.theta')),
    'NonLocal2d after it',
  );
  assert.throws(
    () =>
      new CSPDarknet(new ParamStore(new Rng(0)), {
        type: 'YOLOv8CSPDarknet',
        plugins: [{ cfg: { type: 'DropBlock' } }],
      }),
    /unknown plugin type 'DropBlock' \(known: ContextBlock, NonLocal2d\)/,
  );
});

test('the configs in configs/plugins load and build models with their plugin', async () => {
  const { loadTrainConfig } = await import('../../src/train/config');
  const { YOLODetector } = await import('../../src/train/model/detector');
  for (const [file, key] of [
    ['configs/plugins/yolov8_n-tiny-gcb_1xb8-10e_demo.py', 'backbone.stage2.2.conv_mask.weight'],
    ['configs/plugins/yolov8_n-tiny-nonlocal_1xb8-10e_demo.py', 'backbone.stage4.3.theta.conv.weight'],
  ]) {
    const store = new ParamStore(new Rng(0));
    new YOLODetector(store, loadTrainConfig(file).cfg.model);
    assert.ok(store.params.has(key), `${file} builds ${key}`);
  }
});
