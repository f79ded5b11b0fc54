// End to end: a tiny YOLOv8 trains on generated shapes through `train()` with a .py
// config; the loss falls, the MMEngine log layout is written, checkpoints are written,
// and an interrupted + resumed run ends bit-identical to an uninterrupted one.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { train } from '../../src/train/runner';
import { checkpointTensors } from '../helpers/checkpoint-tensors';
import { tinyConfig } from './fixtures/tiny-config';

const dir = mkdtempSync(join(tmpdir(), 'yololab-e2e-'));
const quiet = () => undefined;
let cfgFile = '';

before(async () => {
  await makeDemoDataset(join(dir, 'data'), { train: 16, val: 8, size: 96, seed: 1 });
  cfgFile = join(dir, 'tiny_demo.py');
  writeFileSync(cfgFile, tinyConfig(join(dir, 'data')));
});

function scalars(runDir: string): any[] {
  return readFileSync(join(runDir, 'vis_data', 'scalars.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

test('tiny model trains: loss falls, scalars.json/log/checkpoints in MMEngine layout', async () => {
  const r = await train({ config: cfgFile, workDir: join(dir, 'wd-full'), echo: quiet, tty: false, backend: 'wasm' });
  const n = r.losses.length;
  assert.equal(n, 32, '8 epochs x 4 iterations');
  // Per-batch losses are noisy (1-3 objects per image): compare the first and last quarter.
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b) / xs.length;
  const first = mean(r.losses.slice(0, 8));
  const last = mean(r.losses.slice(-8));
  assert.ok(
    last < 0.85 * first,
    `loss should fall: first ${first.toFixed(3)} last ${last.toFixed(3)} (${r.losses.map((l) => l.toFixed(1))})`,
  );
  const lines = scalars(r.runDir);
  const trainLines = lines.filter((l) => 'loss' in l);
  assert.equal(trainLines.length, 32);
  assert.deepEqual(Object.keys(trainLines[0]), [
    'lr',
    'data_time',
    'loss',
    'loss_cls',
    'loss_bbox',
    'loss_dfl',
    'time',
    'epoch',
    'iter',
    'memory',
    'grad_norm',
    'step',
  ]);
  assert.deepEqual(
    trainLines.map((l) => l.step),
    Array.from({ length: 32 }, (_, i) => i + 1),
  );
  const valLines = lines.filter((l) => 'pascal_voc/mAP' in l);
  assert.deepEqual(
    valLines.map((l) => l.step),
    [4, 8],
    'validation every val_interval epochs, step = epoch',
  );
  assert.ok(valLines.every((l) => l['pascal_voc/mAP'] >= 0 && l['pascal_voc/mAP'] <= 1));
  const log = readdirSync(r.runDir).find((f) => f.endsWith('.log'))!;
  const text = readFileSync(join(r.runDir, log), 'utf8');
  assert.match(text.split('\n')[0], /backend: wasm/);
  assert.match(text, /seed: 3/);
  assert.match(text, /parameters: \d+ total, \d+ trainable, 0 frozen/);
  const wd = join(dir, 'wd-full');
  assert.ok(existsSync(join(wd, 'epoch_4.pth')) && existsSync(join(wd, 'epoch_8.pth')));
  assert.equal(readFileSync(join(wd, 'last_checkpoint'), 'utf8'), join(wd, 'epoch_8.pth'));
  assert.ok(r.bestCheckpoint && existsSync(r.bestCheckpoint));
  const ck = await checkpointTensors(join(wd, 'epoch_8.pth'));
  assert.equal(ck.meta.epoch, 8);
  assert.equal(ck.meta.iter, 32);
});

test('stop mid-epoch, resume: the curve continues and the final weights equal the uninterrupted run', async () => {
  const wd = join(dir, 'wd-resume');
  const a = await train({ config: cfgFile, workDir: wd, echo: quiet, tty: false, backend: 'wasm', maxIters: 6 });
  assert.equal(a.losses.length, 6);
  assert.ok(a.lastCheckpoint?.endsWith('iter_6.pth'));
  const b = await train({ config: cfgFile, workDir: wd, echo: quiet, tty: false, backend: 'wasm', resume: true });
  assert.equal(b.losses.length, 26);
  const steps = scalars(b.runDir)
    .filter((l) => 'loss' in l)
    .map((l) => l.step);
  assert.deepEqual(
    steps,
    Array.from({ length: 26 }, (_, i) => i + 7),
  );
  const full = await checkpointTensors(join(dir, 'wd-full', 'epoch_8.pth'));
  const resumed = await checkpointTensors(join(wd, 'epoch_8.pth'));
  let differing = 0;
  for (const [name, t] of full.tensors) {
    const u = resumed.tensors.get(name)!;
    if (!t.data.every((v, i) => v === u.data[i])) differing++;
  }
  assert.equal(differing, 0, 'every tensor bit-identical');
});
