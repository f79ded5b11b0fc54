// Engine pieces on hand-computed cases: SGD (nesterov, weight decay) and AdamW updates,
// YOLOv5OptimizerConstructor's groups, YOLOv5ParamSchedulerHook's warm-up and decay,
// ExpMomentumEMA, and the old .ckpt reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../../src/train/params';
import { Optimizer } from '../../src/train/optim';
import { YOLOv5ParamScheduler } from '../../src/train/schedule';
import { ExpMomentumEMA } from '../../src/train/ema';
import { readCheckpoint } from '../../src/train/checkpoint';
import { Rng } from '../../src/data/rng';
import { writeOldCkpt } from '../helpers/old-ckpt';

function store(): ParamStore {
  const s = new ParamStore(new Rng(0));
  s.convWeight('a.conv.weight', 1, 1, 2).assign(tf.tensor4d([1, -2], [1, 1, 1, 2]));
  s.norm('a.bn.weight', 2, 1);
  s.norm('a.bn.bias', 2, 0, 'bias');
  return s;
}

const close = (a: ArrayLike<number>, b: number[], tol = 1e-6) =>
  b.forEach((v, i) => assert.ok(Math.abs(a[i] - v) < tol, `${Array.from(a)} vs ${b}`));

test('YOLOv5OptimizerConstructor: conv weights decay (scaled to the nominal batch 64), norm weights and biases do not', async () => {
  await tf.setBackend('cpu');
  const opt = new Optimizer(store(), {
    optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9, weight_decay: 0.0005, batch_size_per_gpu: 16 },
    constructor: 'YOLOv5OptimizerConstructor',
  });
  assert.deepEqual(
    opt.groups.map((g) => [opt.groupIndex(g), g.params.map((p) => p.name), g.weightDecay]),
    [
      [0, ['a.conv.weight'], (0.0005 * (16 * 4)) / 64],
      [1, ['a.bn.weight'], 0],
      [2, ['a.bn.bias'], 0],
    ],
  );
  const big = new Optimizer(store(), {
    optimizer: { type: 'SGD', lr: 0.01, weight_decay: 0.0005, batch_size_per_gpu: 128 },
    constructor: 'YOLOv5OptimizerConstructor',
  });
  assert.ok(Math.abs(big.groups[0].weightDecay - 0.0005 * 2) < 1e-12, 'batch 128 doubles the decay');
});

test('YOLOv5OptimizerConstructor: paramwise_cfg.base_total_batch_size sets the nominal batch the decay is scaled to', async () => {
  await tf.setBackend('cpu');
  // MMYOLO (yolov5_optim_constructor.py L84-98): accumulate = max(round(base / batch), 1) with
  // Python's round (halves to even), weight_decay *= batch * accumulate / base. The expected
  // numbers are what the real constructor gives for these settings.
  const cases: Array<[base: number, batch: number | undefined, decay: number, why: string]> = [
    [16, 4, 0.0005, '16 = 4 x 4: no scaling'],
    [80, 32, (0.0005 * (32 * 2)) / 80, 'round(2.5) is 2 in Python (Math.round gives 3)'],
    [64, 24, (0.0005 * (24 * 3)) / 64, 'round(2.67) = 3: scaled up although 24 < 64'],
    [48, 32, (0.0005 * (32 * 2)) / 48, 'round(1.5) = 2'],
    [32, 128, (0.0005 * 128) / 32, 'round(0.25) = 0, so accumulate 1: linear above the base'],
    [32, undefined, 0.0005, 'no batch_size_per_gpu: never scaled'],
  ];
  for (const [base, batch, decay, why] of cases) {
    const opt = new Optimizer(store(), {
      optimizer: {
        type: 'SGD',
        lr: 0.01,
        weight_decay: 0.0005,
        ...(batch === undefined ? {} : { batch_size_per_gpu: batch }),
      },
      constructor: 'YOLOv5OptimizerConstructor',
      paramwise_cfg: { base_total_batch_size: base },
    });
    const got = opt.groups.map((g) => g.weightDecay);
    const label = `base_total_batch_size=${base}, batch_size_per_gpu=${batch} (${why}): ${got}`;
    assert.ok(Math.abs(got[0] - decay) < 1e-15, label);
    assert.deepEqual(got.slice(1), [0, 0], label);
  }
  assert.throws(
    () =>
      new Optimizer(store(), {
        optimizer: { type: 'SGD', lr: 0.01, weight_decay: 0.0005, batch_size_per_gpu: 16 },
        constructor: 'YOLOv5OptimizerConstructor',
        paramwise_cfg: { custom_keys: {} },
      }),
    /optim_wrapper\.paramwise_cfg: YOLOv5OptimizerConstructor needs base_total_batch_size/,
  );
});

test("YOLOv5OptimizerConstructor with AdamW: the norm and bias groups get AdamW's own weight_decay 0.01, an unset one is 0 for conv weights", async () => {
  await tf.setBackend('cpu');
  // The constructor pops weight_decay (default 0) for group 0 only; groups 1 and 2 name none, so
  // torch.optim.AdamW gives them its default 0.01 (the real constructor: [0, 0.01, 0.01] and
  // [0.05, 0.01, 0.01]). SGD's default is 0, as the test above shows.
  const decays = (weight_decay?: number) =>
    new Optimizer(store(), {
      optimizer: {
        type: 'AdamW',
        lr: 0.001,
        batch_size_per_gpu: 64,
        ...(weight_decay === undefined ? {} : { weight_decay }),
      },
      constructor: 'YOLOv5OptimizerConstructor',
    }).groups.map((g) => g.weightDecay);
  assert.deepEqual(decays(), [0, 0.01, 0.01], 'AdamW without weight_decay');
  assert.deepEqual(decays(0.05), [0.05, 0.01, 0.01], 'AdamW with weight_decay=0.05');
  // Without the YOLOv5 constructor every parameter gets the optimizer's weight_decay (default 0.01).
  assert.deepEqual(
    new Optimizer(store(), { optimizer: { type: 'AdamW', lr: 0.001 } }).groups.map((g) => g.weightDecay),
    [0.01],
  );
});

test('SGD nesterov with weight decay: two steps by hand', async () => {
  await tf.setBackend('cpu');
  const s = store();
  const opt = new Optimizer(s, {
    optimizer: { type: 'SGD', lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01 },
  });
  const w = s.params.get('a.conv.weight')!.variable;
  const g = () => ({ 'a.conv.weight': tf.tensor4d([0.5, 0.5], [1, 1, 1, 2]) });
  // step 1: d = g + wd*w = [0.51, 0.48]; buf = d; step = d + 0.9*buf = 1.9*d; w -= 0.1*step
  opt.apply(g());
  const w1 = [1 - 0.1 * 1.9 * 0.51, -2 - 0.1 * 1.9 * 0.48];
  close(w.dataSync(), w1);
  // step 2: d = g + wd*w1; buf = 0.9*buf + d; step = d + 0.9*buf
  opt.apply(g());
  const d2 = [0.5 + 0.01 * w1[0], 0.5 + 0.01 * w1[1]];
  const buf2 = [0.9 * 0.51 + d2[0], 0.9 * 0.48 + d2[1]];
  close(w.dataSync(), [w1[0] - 0.1 * (d2[0] + 0.9 * buf2[0]), w1[1] - 0.1 * (d2[1] + 0.9 * buf2[1])]);
});

test('AdamW: decoupled decay and bias-corrected moments', async () => {
  await tf.setBackend('cpu');
  const s = store();
  const opt = new Optimizer(s, {
    optimizer: { type: 'AdamW', lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0.05 },
  });
  const w = s.params.get('a.conv.weight')!.variable;
  opt.apply({ 'a.conv.weight': tf.tensor4d([0.5, -0.25], [1, 1, 1, 2]) });
  // t=1: mhat = g, vhat = g^2 -> step = sign(g) (up to eps); w = w*(1-lr*wd) - lr*sign(g)
  close(w.dataSync(), [1 * (1 - 0.005) - 0.1, -2 * (1 - 0.005) + 0.1], 1e-5);
});

test('YOLOv5ParamSchedulerHook: warm-up interpolation, bias lr from warmup_bias_lr, per-epoch factor of the epoch just finished', async () => {
  await tf.setBackend('cpu');
  const opt = new Optimizer(store(), {
    optimizer: { type: 'SGD', lr: 0.01, momentum: 0.937 },
    constructor: 'YOLOv5OptimizerConstructor',
  });
  const sched = new YOLOv5ParamScheduler(
    {
      scheduler_type: 'linear',
      lr_factor: 0.01,
      max_epochs: 10,
      warmup_epochs: 1,
      warmup_bias_lr: 0.1,
      warmup_momentum: 0.8,
      warmup_mim_iter: 10,
    },
    opt.groups,
    20,
    true,
  );
  // warm-up length = max(round(1 * 20), 10) = 20 iterations
  sched.beforeTrainIter(0, 0);
  close(
    opt.groups.map((g) => g.lr),
    [0, 0, 0.1],
  );
  close([opt.groups[0].momentum], [0.8]);
  sched.beforeTrainIter(10, 0); // halfway; target lr = 0.01 * factor(0) = 0.01
  close(
    opt.groups.map((g) => g.lr),
    [0.005, 0.005, 0.1 + (0.01 - 0.1) * 0.5],
  );
  close([opt.groups[0].momentum], [0.8 + (0.937 - 0.8) * 0.5]);
  sched.afterTrainEpoch(0); // still in the warm-up: after_train_epoch does nothing (yolov5_param_scheduler_hook.py L123)
  close([opt.groups[0].lr], [0.005]);
  sched.beforeTrainIter(20, 1); // the warm-up's last iteration reaches base * factor(1)
  close([opt.groups[0].lr], [0.01 * 0.901]);
  sched.beforeTrainIter(21, 1); // past the warm-up: unchanged
  sched.afterTrainEpoch(1); // factor of runner.epoch = 1: (1 - 1/10) * (1 - 0.01) + 0.01
  close(
    opt.groups.map((g) => g.lr),
    [0.01 * 0.901, 0.01 * 0.901, 0.01 * 0.901],
  );
  assert.throws(() => new YOLOv5ParamScheduler({ scheduler_type: 'step' }, opt.groups, 20, true), /scheduler_type/);
});

test('ExpMomentumEMA: first update copies, then momentum (1-m)*exp(-(1+t)/gamma)+m', async () => {
  await tf.setBackend('cpu');
  const v = tf.variable(tf.tensor1d([0]));
  const ema = new ExpMomentumEMA(new Map([['w', v]]), 0.0002, 2000);
  v.assign(tf.tensor1d([10]));
  ema.update();
  close(ema.shadow.get('w')!.dataSync(), [10]);
  v.assign(tf.tensor1d([20]));
  ema.update();
  const m = (1 - 0.0002) * Math.exp(-2 / 2000) + 0.0002;
  close(ema.shadow.get('w')!.dataSync(), [10 + (20 - 10) * m], 1e-4);
  ema.swap();
  close(v.dataSync(), [10 + 10 * m], 1e-4);
});

test('old .ckpt files read back; truncated, foreign and missing ones are an error naming the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yololab-ck-'));
  const f = join(dir, 'epoch_1.ckpt');
  const tensors = new Map([
    ['a', { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) }],
    ['b', { shape: [1], data: Float32Array.from([-0.5]) }],
  ]);
  writeOldCkpt(f, { meta: { epoch: 1 }, tensors });
  const back = readCheckpoint(f);
  assert.equal(back.meta.epoch, 1);
  assert.deepEqual(Array.from(back.tensors.get('a')!.data), [1, 2, 3, 4]);
  assert.deepEqual(back.tensors.get('a')!.shape, [2, 2]);
  assert.deepEqual(Array.from(back.tensors.get('b')!.data), [-0.5]);
  const bytes = readFileSync(f);
  writeFileSync(join(dir, 'cut.ckpt'), bytes.subarray(0, bytes.length - 3));
  assert.throws(() => readCheckpoint(join(dir, 'cut.ckpt')), /cut\.ckpt: checkpoint is truncated \(tensor b\)/);
  writeFileSync(join(dir, 'junk.ckpt'), 'hello');
  assert.throws(() => readCheckpoint(join(dir, 'junk.ckpt')), /junk\.ckpt: not a YOLO Lab checkpoint/);
  assert.throws(() => readCheckpoint(join(dir, 'missing.ckpt')), /missing\.ckpt: cannot read checkpoint \(ENOENT\)/);
  rmSync(dir, { recursive: true, force: true });
});
