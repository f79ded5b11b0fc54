// Issue 5 techniques, each with a test that fails without it: seeds, freezing
// (frozen_stages, norm_eval, freeze_all, lr_mult=0), AMP dynamic loss scaling.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { buildModel } from '../../src/train/prepare';
import { train } from '../../src/train/runner';
import { checkpointTensors } from '../helpers/checkpoint-tensors';
import { loadTrainConfig } from '../../src/train/config';
import { selectBackend } from '../../src/train/backend';
import { tinyConfig } from './fixtures/tiny-config';
import { runLogText } from '../helpers/cli-output';
import { WorkerPool } from '../../src/data/worker-pool';
import { availableParallelism } from 'node:os';

const dir = mkdtempSync(join(tmpdir(), 'yololab-tech-'));
const quiet = () => undefined;
let n = 0;

before(async () => {
  await makeDemoDataset(join(dir, 'data'), { train: 8, val: 4, size: 96, seed: 2 });
});

function config(extra: string): string {
  const f = join(dir, `cfg${n++}.py`);
  // No validation: these tests look at weights and losses only.
  writeFileSync(f, tinyConfig(join(dir, 'data'), `val_evaluator = None\n${extra}`));
  return f;
}

function scalars(runDir: string): any[] {
  return readFileSync(join(runDir, 'vis_data', 'scalars.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

/** Initial weights of a config for a seed (the same init the trainer builds). */
async function initialWeights(cfgFile: string, seed: number): Promise<Map<string, Float32Array>> {
  await selectBackend('wasm');
  const { store } = buildModel(loadTrainConfig(cfgFile), seed);
  const m = new Map([...store.stateDict()].map(([k, v]) => [k, Float32Array.from(v.dataSync() as Float32Array)]));
  store.dispose();
  return m;
}

const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => v === b[i]);

test('seed: same seed => identical losses and weights; another seed differs; the seed is logged', async () => {
  const cfg = config('');
  const run = (seed: number, tag: string) =>
    train({ config: cfg, workDir: join(dir, tag), seed, echo: quiet, tty: false, backend: 'wasm', maxIters: 3 });
  const a = await run(11, 's-a');
  const b = await run(11, 's-b');
  const c = await run(12, 's-c');
  assert.deepEqual(a.losses, b.losses);
  assert.notDeepEqual(a.losses, c.losses);
  assert.deepEqual(
    scalars(a.runDir).map((l) => l.loss),
    scalars(b.runDir).map((l) => l.loss),
  );
  const ka = await checkpointTensors(a.lastCheckpoint!);
  const kb = await checkpointTensors(b.lastCheckpoint!);
  const kc = await checkpointTensors(c.lastCheckpoint!);
  for (const [name, t] of ka.tensors)
    assert.ok(same(t.data, kb.tensors.get(name)!.data), `${name} differs between identical seeds`);
  assert.ok([...ka.tensors].some(([name, t]) => !same(t.data, kc.tensors.get(name)!.data)));
  assert.match(runLogText(a.runDir), /seed: 11/);
  // Without any seed one is drawn and logged.
  const d = await train({
    config: config('randomness = dict()'),
    workDir: join(dir, 's-d'),
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 1,
  });
  assert.match(runLogText(d.runDir), /seed: \d+ \(drawn at random/);
});

test('freezing: frozen_stages, norm_eval, freeze_all and lr_mult=0 keep those tensors bit-identical', async () => {
  const cfg = config(
    "model['backbone']['frozen_stages'] = 1\n" +
      "model['backbone']['norm_eval'] = True\n" +
      // custom_keys are read by MMEngine's default constructor (YOLOv5OptimizerConstructor ignores them).
      "optim_wrapper['constructor'] = 'DefaultOptimWrapperConstructor'\n" +
      "optim_wrapper['paramwise_cfg'] = dict(custom_keys={'bbox_head.head_module.cls_preds.0': dict(lr_mult=0.0)})\n",
  );
  const init = await initialWeights(cfg, 5);
  const r = await train({
    config: cfg,
    workDir: join(dir, 'f-a'),
    seed: 5,
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 3,
  });
  const ck = await checkpointTensors(r.lastCheckpoint!);
  const changed = (name: string) => !same(ck.tensors.get(name)!.data, init.get(name)!);
  // lr_mult=0 freezes parameters only: as in MMEngine, that branch's BN statistics still update.
  const frozen = [...init.keys()].filter(
    (k) =>
      k.startsWith('backbone.stem.') ||
      k.startsWith('backbone.stage1.') ||
      (k.startsWith('bbox_head.head_module.cls_preds.0.') && !/running_/.test(k)) ||
      (k.startsWith('backbone.') && /running_(mean|var)$/.test(k)),
  );
  assert.ok(frozen.length > 20);
  for (const k of frozen) assert.ok(!changed(k), `${k} must stay bit-identical`);
  // Everything else trains, including the backbone's conv weights after stage 1 (norm_eval freezes statistics only).
  assert.ok(changed('backbone.stage2.0.conv.weight'));
  assert.ok(changed('backbone.stage2.0.bn.weight'));
  assert.ok(changed('neck.top_down_layers.0.main_conv.conv.weight'));
  assert.ok(changed('neck.top_down_layers.0.main_conv.bn.running_mean'), 'neck BN statistics still update');
  assert.match(runLogText(r.runDir), /parameters: (\d+) total, (\d+) trainable, (\d+) frozen/);
  const [, total, trainable, frozenCount] = runLogText(r.runDir)
    .match(/parameters: (\d+) total, (\d+) trainable, (\d+) frozen/)!
    .map(Number);
  assert.equal(total, trainable + frozenCount);
  assert.ok(frozenCount > 0);
});

test('freeze_all on the neck; nothing left to train is an error', async () => {
  const cfg = config("model['neck']['freeze_all'] = True\n");
  const init = await initialWeights(cfg, 6);
  const r = await train({
    config: cfg,
    workDir: join(dir, 'f-b'),
    seed: 6,
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 2,
  });
  const ck = await checkpointTensors(r.lastCheckpoint!);
  for (const k of init.keys())
    if (k.startsWith('neck.')) assert.ok(same(ck.tensors.get(k)!.data, init.get(k)!), `${k} must stay bit-identical`);
  assert.ok(!same(ck.tensors.get('backbone.stem.conv.weight')!.data, init.get('backbone.stem.conv.weight')!));
  const all = config(
    "model['backbone']['frozen_stages'] = 4\nmodel['neck']['freeze_all'] = True\noptim_wrapper['constructor'] = 'DefaultOptimWrapperConstructor'\noptim_wrapper['paramwise_cfg'] = dict(custom_keys={'bbox_head': dict(lr_mult=0.0)})\n",
  );
  await assert.rejects(
    () => train({ config: all, workDir: join(dir, 'f-c'), echo: quiet, tty: false, backend: 'wasm', maxIters: 1 }),
    /nothing left to train/,
  );
});

test('AMP: an overflowing loss scale skips steps and halves, then grows back; weights never NaN; scale logged', async () => {
  const cfg = config(
    "optim_wrapper['type'] = 'AmpOptimWrapper'\noptim_wrapper['loss_scale'] = dict(init_scale=2.0**126, growth_interval=2)\n",
  );
  const r = await train({
    config: cfg,
    workDir: join(dir, 'amp'),
    seed: 1,
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 14,
  });
  const scales = scalars(r.runDir)
    .filter((l) => 'loss' in l)
    .map((l) => l.loss_scale);
  assert.equal(scales.length, 14);
  assert.ok(scales[0] < 2 ** 126, 'the first step overflowed and the scale was halved');
  const grew = scales.some((s, i) => i > 0 && s > scales[i - 1]);
  assert.ok(grew, `after clean steps the scale grows again: ${scales.map((s) => s.toExponential(1))}`);
  const ck = await checkpointTensors(r.lastCheckpoint!);
  for (const [name, t] of ck.tensors) assert.ok(t.data.every(Number.isFinite), `${name} has inf/NaN`);
  assert.match(runLogText(r.runDir), /AMP: loss scaling on \(dynamic, initial scale .*\), compute in float32 on wasm/);
  const init = await initialWeights(cfg, 1);
  assert.ok(
    !same(ck.tensors.get('backbone.stem.conv.weight')!.data, init.get('backbone.stem.conv.weight')!),
    'clean steps updated the weights',
  );
});

test('--amp rewrites the optimizer wrapper as MMYOLO does', async () => {
  const r = await train({
    config: config(''),
    workDir: join(dir, 'amp2'),
    seed: 1,
    amp: true,
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 1,
  });
  assert.ok('loss_scale' in scalars(r.runDir)[0]);
  assert.equal(scalars(r.runDir)[0].loss_scale, 65536);
  void tf;
});

test("PipelineSwitchHook swaps the training pipeline at switch_epoch, and closes the old pipeline's loader workers", async () => {
  // With a loader worker thread, so that the old dataset has a pool to close (the trainer leaves one
  // core for the model: on a 1-core machine there are no workers and nothing to close).
  const cfg = config(
    "custom_hooks = custom_hooks + [dict(type='mmdet.PipelineSwitchHook', switch_epoch=1, switch_pipeline=test_pipeline)]\n" +
      "train_dataloader['num_workers'] = 1\n",
  );
  const openBefore = WorkerPool.openPools;
  const r = await train({
    config: cfg,
    workDir: join(dir, 'switch'),
    seed: 1,
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 4,
  });
  assert.match(runLogText(r.runDir), /PipelineSwitchHook: switched the training pipeline at epoch 2/);
  if (availableParallelism() > 1) {
    assert.match(runLogText(r.runDir), /data: [1-9]\d* samples decoded in loader worker threads/);
    // The run closes the pools of the datasets it ends with; the first pipeline's is the hook's to close.
    assert.equal(WorkerPool.openPools, openBefore, 'a loader pool is left open after the run');
  }
});

test('load_from: matching tensors load, a head with another num_classes is skipped with a warning listing the keys', async () => {
  const src = await train({
    config: config(''),
    workDir: join(dir, 'lf-src'),
    seed: 1,
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 2,
  });
  const warnings: string[] = [];
  const three =
    "metainfo = dict(classes=('circle', 'square', 'triangle'))\ntrain_dataloader['dataset']['metainfo'] = metainfo\nmodel['bbox_head']['head_module']['num_classes'] = 3\n";
  await assert.rejects(
    () =>
      train({
        config: config("model['bbox_head']['head_module']['num_classes'] = 3\n"),
        workDir: join(dir, 'lf-bad'),
        echo: quiet,
        tty: false,
        backend: 'wasm',
        maxIters: 1,
      }),
    /num_classes is 3 but the training set has 4 classes/,
  );
  const cfg = config(`${three}load_from = '${src.lastCheckpoint}'\n`);
  const r = await train({
    config: cfg,
    workDir: join(dir, 'lf-dst'),
    seed: 9,
    echo: (s) => warnings.push(s),
    tty: false,
    backend: 'wasm',
    maxIters: 1,
  });
  const log = runLogText(r.runDir);
  const loaded = log.match(/load_from .*: loaded (\d+) of (\d+) tensors/);
  assert.ok(loaded, log);
  assert.equal(Number(loaded[2]) - Number(loaded[1]), 6, 'all but cls_preds.{0,1,2}.2.{weight,bias}');
  const skipped = log.match(/load_from: size mismatch, skipped: (.*)/);
  assert.ok(skipped, log);
  assert.equal(skipped[1].split('), ').length, 6, skipped[1]);
  assert.match(
    skipped[1],
    /bbox_head\.head_module\.cls_preds\.0\.2\.weight \(checkpoint \[4,\d+,1,1\], model \[3,\d+,1,1\]\)/,
  );
  // With lr 0 nothing moves, so the loaded backbone equals the source's EMA weights.
  const cfg0 = config(
    `${three}load_from = '${src.lastCheckpoint}'\noptim_wrapper['optimizer']['lr'] = 0.0\nmodel['backbone']['frozen_stages'] = 4\n`,
  );
  const z = await train({
    config: cfg0,
    workDir: join(dir, 'lf-0'),
    seed: 9,
    echo: quiet,
    tty: false,
    backend: 'wasm',
    maxIters: 1,
  });
  const a = (await checkpointTensors(src.lastCheckpoint!)).tensors.get(
    'ema.backbone.stage3.1.main_conv.conv.weight',
  )!.data;
  const b = (await checkpointTensors(z.lastCheckpoint!)).tensors.get('backbone.stage3.1.main_conv.conv.weight')!.data;
  assert.ok(same(a, b));
});
