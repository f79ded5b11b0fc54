// The fused updates on wasm (src/train/kernels/fused-updates.ts: SGD over every parameter in
// one kernel call, the gradients' sums of squares for clip_grad, the EMA) give the same bits as the
// per-parameter tfjs ops it replaces (tfjs's own wasm kernels, YOLO Lab's stopped, are the
// reference: the cpu backend sums in double precision); and it never
// changes a tensor that shares a parameter's data (a clone, an EMA copy).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/train/backend';
import { kernelRuntime, startKernels, stopKernels } from '../../src/train/kernels/tf-kernels';
import { ExpMomentumEMA } from '../../src/train/ema';
import { Optimizer } from '../../src/train/optim';
import { ParamStore } from '../../src/train/params';
import { Rng } from '../../src/data/rng';
import type { OptimWrapperCfg } from '../../src/train/config-types';

before(async () => {
  const choice = await selectBackend('wasm');
  assert.match(choice.label, /YOLO Lab kernels/, choice.label);
});
after(() => stopKernels());

/** Conv weights (one over two tasks of 16384, sizes not multiples of 4), norm weights, biases. */
function makeStore(): ParamStore {
  const s = new ParamStore(new Rng(5));
  s.convWeight('a.conv.weight', 3, 3, 5); // 135
  s.convWeight('b.conv.weight', 3, 64, 61); // 35136: three tasks
  s.convWeight('c.conv.weight', 1, 7, 3); // 21
  s.norm('a.bn.weight', 5, 1);
  s.norm('a.bn.bias', 5, 0, 'bias');
  s.bias('head.bias', 3, 7);
  return s;
}

function gradsFor(s: ParamStore, seed: number, big = 1): Record<string, tf.Tensor> {
  const rng = new Rng(seed);
  const out: Record<string, tf.Tensor> = {};
  for (const p of s.trainable())
    out[p.name] = tf.tensor(
      Float32Array.from({ length: p.variable.size }, () => rng.normal() * big),
      p.variable.shape,
    );
  return out;
}

const bits = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).slice().buffer);

/** Runs steps of one optimizer setup; returns every parameter and momentum buffer and the norms. */
function run(wrapper: OptimWrapperCfg, steps: number): { values: Map<string, Buffer>; norms: number[] } {
  const s = makeStore();
  const opt = new Optimizer(s, wrapper);
  const norms: number[] = [];
  for (let i = 0; i < steps; i++) {
    // Large gradients in the second step: clip_grad scales them.
    const grads = gradsFor(s, 10 + i, i === 1 ? 30 : 1);
    // The momentum group's lr changes between steps (as the schedulers do).
    opt.groups.forEach((g, k) => (g.lr = 0.01 * (k + 1) * (i + 1)));
    const n = opt.step(grads);
    if (n !== undefined) norms.push(n);
    tf.dispose(Object.values(grads));
  }
  const values = new Map<string, Buffer>();
  for (const p of s.trainable()) {
    values.set(p.name, bits(p.variable));
    values.set(`${p.name} momentum`, bits(opt.state.slots.get(p.name)![0]));
  }
  for (const slots of opt.state.slots.values()) tf.dispose(slots);
  s.dispose();
  return { values, norms };
}

const setups: Array<[string, OptimWrapperCfg]> = [
  [
    'SGD Nesterov, weight decay, YOLOv5 groups, clip_grad',
    {
      optimizer: { type: 'SGD', lr: 0.01, momentum: 0.937, nesterov: true, weight_decay: 5e-4, batch_size_per_gpu: 16 },
      constructor: 'YOLOv5OptimizerConstructor',
      clip_grad: { max_norm: 10 },
    },
  ],
  [
    'SGD momentum, no Nesterov, weight decay on every parameter',
    { optimizer: { type: 'SGD', lr: 0.02, momentum: 0.9, weight_decay: 1e-3 } },
  ],
  [
    'SGD without momentum or weight decay, clip_grad',
    { optimizer: { type: 'SGD', lr: 0.05 }, clip_grad: { max_norm: 5 } },
  ],
];

for (const [name, wrapper] of setups) {
  test(`fused SGD equals tfjs's per-parameter ops, bit for bit: ${name}`, async () => {
    await tf.setBackend('wasm');
    await stopKernels();
    let ref;
    try {
      assert.equal(kernelRuntime(), null);
      ref = run(wrapper, 4);
    } finally {
      assert.equal(startKernels(), null);
    }
    assert.ok(kernelRuntime(), 'the kernels run');
    const got = run(wrapper, 4);
    assert.deepEqual(got.norms, ref.norms, 'gradient norms');
    if (wrapper.clip_grad) assert.ok(ref.norms[1] > wrapper.clip_grad.max_norm!, 'the second step is clipped');
    for (const [k, v] of ref.values) assert.ok(got.values.get(k)!.equals(v), `${name}: ${k} differs`);
  });
}

test("fused SGD leaves tensors that share a parameter's data alone (a clone, the EMA copy) and is the same on 1 and 3 threads", async () => {
  await tf.setBackend('wasm');
  const results: Buffer[][] = [];
  for (const threads of [1, 3]) {
    await stopKernels();
    assert.equal(startKernels(threads), null);
    const s = makeStore();
    const w = s.params.get('b.conv.weight')!.variable;
    const before = bits(w);
    const clone = w.clone(); // shares w's data on wasm (tfjs-overrides.ts Identity)
    const ema = new ExpMomentumEMA(s.stateDict(), 0.0002, 2000);
    const opt = new Optimizer(s, {
      optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01 },
    });
    for (let i = 0; i < 3; i++) {
      const grads = gradsFor(s, 20 + i);
      opt.step(grads);
      tf.dispose(Object.values(grads));
    }
    assert.ok(bits(clone).equals(before), 'the clone keeps the old value');
    assert.ok(bits(ema.shadow.get('b.conv.weight')!).equals(before), 'the EMA copy keeps the old value');
    assert.ok(!bits(w).equals(before), 'the parameter moved');
    results.push(s.trainable().map((p) => bits(p.variable)));
    clone.dispose();
    ema.dispose();
    for (const slots of opt.state.slots.values()) tf.dispose(slots);
    s.dispose();
  }
  results[1].forEach((b, i) => assert.ok(b.equals(results[0][i]), `parameter ${i} differs between 1 and 3 threads`));
  await stopKernels();
  startKernels();
});

test('AdamW keeps the per-parameter ops on wasm and still updates', async () => {
  await tf.setBackend('wasm');
  const s = makeStore();
  const opt = new Optimizer(s, { optimizer: { type: 'AdamW', lr: 0.01, weight_decay: 0.05 } });
  const w = s.params.get('a.conv.weight')!.variable;
  const before = bits(w);
  const grads = gradsFor(s, 3);
  opt.step(grads);
  tf.dispose(Object.values(grads));
  assert.ok(!bits(w).equals(before));
  for (const slots of opt.state.slots.values()) tf.dispose(slots);
  s.dispose();
});

/** EMA over a store whose parameters move between updates; the averaged values after each. */
function emaRun(updateBuffers: boolean): Buffer[][] {
  const s = makeStore();
  s.buffer('a.bn.running_mean', 5, 0);
  const ema = new ExpMomentumEMA(s.stateDict(), 0.0001, 2000, updateBuffers, new Set(s.buffers.keys()));
  const out: Buffer[][] = [];
  for (let i = 0; i < 4; i++) {
    const grads = gradsFor(s, 40 + i);
    for (const [name, v] of s.stateDict()) v.assign(tf.tidy(() => tf.add(v, grads[name] ?? tf.onesLike(v))));
    tf.dispose(Object.values(grads));
    ema.update();
    out.push([...ema.shadow.values()].map(bits));
  }
  ema.dispose();
  s.dispose();
  return out;
}

for (const updateBuffers of [true, false])
  test(`fused EMA update equals tfjs's ops, bit for bit; the first update copies (update_buffers=${updateBuffers})`, async () => {
    await tf.setBackend('wasm');
    await stopKernels();
    let ref;
    try {
      ref = emaRun(updateBuffers);
    } finally {
      assert.equal(startKernels(), null);
    }
    const got = emaRun(updateBuffers);
    got.forEach((step, i) =>
      step.forEach((b, k) => assert.ok(b.equals(ref[i][k]), `update ${i + 1}, tensor ${k} differs`)),
    );
    // The first update copies the model exactly (BaseAveragedModel: steps == 0).
    const s = makeStore();
    const ema = new ExpMomentumEMA(s.stateDict(), 0.0001, 2000);
    const w = s.params.get('b.conv.weight')!.variable;
    w.assign(tf.tidy(() => tf.mul(w, 1.37)));
    ema.update();
    assert.ok(bits(ema.shadow.get('b.conv.weight')!).equals(bits(w)));
    ema.dispose();
    s.dispose();
  });
