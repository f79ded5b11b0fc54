// .pth checkpoints written in MMEngine's layout: PyTorch's torch.load reads them with the names,
// shapes and dtypes of MMYOLO's state_dict, and --resume restores every tensor bit for bit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTrainConfig } from '../../src/train/config';
import { buildModel } from '../../src/train/prepare';
import { ExpMomentumEMA } from '../../src/train/ema';
import { Optimizer } from '../../src/train/optim';
import { LossScaler } from '../../src/train/amp';
import { openCheckpoint, savePthCheckpoint } from '../../src/train/checkpoint';
import { BatchCounts, restoreEma, restoreTraining } from '../../src/train/state';
import { Rng } from '../../src/data/rng';

const REF = 'test/fixtures/mmyolo-reference';
const DEMO = 'configs/demo/yolov8_n-tiny_1xb8-10e_demo.py';
const w0125 = [
  'model.backbone.widen_factor=0.125',
  'model.neck.widen_factor=0.125',
  'model.bbox_head.head_module.widen_factor=0.125',
];
const PY = '/usr/bin/python3';
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

function trainer(seed: number) {
  const loaded = loadTrainConfig(DEMO, w0125);
  const { store, det } = buildModel(loaded, seed);
  const ema = new ExpMomentumEMA(store.stateDict(), 0.0001, 2000, true, new Set(store.buffers.keys()));
  const opt = new Optimizer(store, loaded.cfg.optim_wrapper!);
  return { loaded, store, det, ema, opt, scaler: new LossScaler(), counts: new BatchCounts(store) };
}

/** Fills every variable with seeded noise so that nothing matches by accident. */
function scramble(vars: Iterable<tf.Variable>, seed: number) {
  const r = new Rng(seed);
  for (const v of vars)
    v.assign(
      tf.tensor(
        Float32Array.from({ length: v.size }, () => r.uniform(-1, 1)),
        v.shape,
      ),
    );
}

const values = (vars: Iterable<tf.Variable>) => [...vars].map((v) => Array.from(v.dataSync()));

test('a written .pth restores model, EMA, optimizer, scaler and counters bit for bit (--resume)', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'pth-'));
  try {
    const a = trainer(1);
    scramble(a.store.stateDict().values(), 1);
    scramble(a.ema.shadow.values(), 2);
    scramble([...a.opt.state.slots.values()].flat(), 3);
    a.opt.state.step = 7;
    a.ema.steps = 7;
    a.scaler.load({ scale: 512, clean: 3 });
    a.counts.steps = 7;
    a.opt.groups[2].lr = 0.0375;
    const file = join(dir, 'epoch_1.pth');
    savePthCheckpoint(file, {
      store: a.store,
      ema: a.ema,
      opt: a.opt,
      optimWrapper: a.loaded.cfg.optim_wrapper,
      scaler: a.scaler,
      batchCounts: (n) => a.counts.value(n),
      meta: {
        epoch: 1,
        iter: 7,
        seed: 1,
        experimentName: 'x',
        classes: ['circle', 'square', 'triangle', 'star'],
        yololab: { iter_in_epoch: 0, best_metric: 0.5 },
      },
    });

    const b = trainer(9);
    const ck = await openCheckpoint(file);
    const at = await restoreTraining(ck, {
      store: b.store,
      opt: b.opt,
      scaler: b.scaler,
      optimWrapper: b.loaded.cfg.optim_wrapper,
      counts: b.counts,
    });
    assert.deepEqual(await restoreEma(ck, b.ema, b.store, true), []);
    await ck.close();
    assert.deepEqual([at.epoch, at.iter, at.bestMetric, at.warnings], [1, 7, 0.5, []]);
    assert.deepEqual(values(b.store.stateDict().values()), values(a.store.stateDict().values()));
    assert.deepEqual(values(b.ema.shadow.values()), values(a.ema.shadow.values()));
    assert.deepEqual(values([...b.opt.state.slots.values()].flat()), values([...a.opt.state.slots.values()].flat()));
    assert.deepEqual(
      [b.ema.steps, b.scaler.state(), b.opt.groups[2].lr, b.counts.value('backbone.stem.bn.num_batches_tracked')],
      [7, { scale: 512, clean: 3 }, 0.0375, 7],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'torch.load reads a YOLO Lab .pth: MMYOLO names, shapes and dtypes, EMA swapped in as MMEngine does',
  { skip: hasTorch ? false : `${PY} with torch is not installed` },
  async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'pth-'));
    try {
      const a = trainer(1);
      scramble(a.ema.shadow.values(), 2);
      a.opt.state.step = 1;
      const file = join(dir, 'epoch_3.pth');
      savePthCheckpoint(file, {
        store: a.store,
        ema: a.ema,
        opt: a.opt,
        optimWrapper: a.loaded.cfg.optim_wrapper,
        scaler: a.scaler,
        batchCounts: () => 12,
        meta: {
          epoch: 3,
          iter: 30,
          seed: 1,
          experimentName: 'x',
          classes: ['circle', 'square', 'triangle', 'star'],
          yololab: {},
        },
      });
      const script = `
import json, sys, torch
c = torch.load(sys.argv[1], map_location='cpu')
sd, ema, o = c['state_dict'], c['ema_state_dict'], c['optimizer']
print(json.dumps({
  'keys': list(c.keys()),
  'meta': {k: c['meta'][k] for k in ('epoch', 'iter', 'seed')},
  'classes': list(c['meta']['dataset_meta']['classes']),
  'tsv': ''.join(f'{k}\\t{list(v.shape)}\\t{str(v.dtype).replace("torch.", "")}\\n' for k, v in sd.items()),
  'ema_keys': [k for k in ema.keys()][:2], 'ema_steps': int(ema['steps']),
  'stem': sd['backbone.stem.conv.weight'][1, 2, 0, 1].item(), 'raw_stem': ema['module.backbone.stem.conv.weight'][1, 2, 0, 1].item(),
  'nbt': int(sd['backbone.stem.bn.num_batches_tracked']),
  'groups': [len(g['params']) for g in o['param_groups']], 'nesterov': o['param_groups'][0]['nesterov'], 'state': len(o['state']),
  'momentum_shape': list(o['state'][0]['momentum_buffer'].shape),
}))`;
      const r = spawnSync(PY, ['-c', script, file], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.deepEqual(out.keys, ['meta', 'state_dict', 'message_hub', 'optimizer', 'ema_state_dict']);
      assert.deepEqual(
        [out.meta, out.classes],
        [{ epoch: 3, iter: 30, seed: 1 }, ['circle', 'square', 'triangle', 'star']],
      );
      assert.equal(out.tsv, readFileSync(`${REF}/demo_yolov8_w0125.keys.tsv`, 'utf8'));
      assert.deepEqual([out.ema_keys, out.ema_steps, out.nbt], [['steps', 'module.backbone.stem.conv.weight'], 0, 12]);
      // state_dict holds the EMA weights (OIHW), ema_state_dict the raw ones.
      const hwio = (v: tf.Variable) => v.dataSync()[((0 * 3 + 1) * 3 + 2) * v.shape[3]! + 1]; // [kh=0, kw=1, ci=2, co=1]
      assert.equal(out.stem, hwio(a.ema.shadow.get('backbone.stem.conv.weight')!));
      assert.equal(out.raw_stem, hwio(a.store.params.get('backbone.stem.conv.weight')!.variable));
      // MMYOLO's YOLOv5OptimizerConstructor groups of this model (as in a real MMYOLO training checkpoint): 63 weights, 57 BN weights, 63 biases.
      assert.deepEqual(
        [out.groups, out.nesterov, out.state, out.momentum_shape],
        [[63, 57, 63], true, a.opt.state.slots.size, [8, 3, 3, 3]],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
