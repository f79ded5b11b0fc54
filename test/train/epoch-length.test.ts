// Iterations per epoch when the training set is not a multiple of the batch size: MMEngine's
// len(train_dataloader) is PyTorch's DataLoader length, ceil(n / b) with the short last batch
// (drop_last=False, the default) and floor(n / b) without it (drop_last=True). Epochs end there,
// and YOLOv5ParamSchedulerHook's warm-up lasts max(round(warmup_epochs * len), warmup_mim_iter)
// iterations of that length (yolov5_param_scheduler_hook.py L90-92): 5 images in batches of 2
// with warmup_epochs=1 warm up over 3 iterations, or over 2 with drop_last.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { train } from '../../src/train/runner';
import { tinyConfig } from './fixtures/tiny-config';

const dir = mkdtempSync(join(tmpdir(), 'yololab-epoch-len-'));
const data = join(dir, 'data');
const IMAGES = 5;
const BATCH = 2;
const LR = 0.01;
const MAX_EPOCHS = 8; // the tiny config's
const LR_FACTOR = 0.1;

before(async () => {
  await makeDemoDataset(data, { train: IMAGES, val: 1, size: 64, seed: 4 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** One epoch and the first iteration of the next: the log lines and per-iteration lr. */
async function run(dropLast: boolean, iters: number) {
  const cfg = join(dir, `drop_last_${dropLast}.py`);
  writeFileSync(
    cfg,
    tinyConfig(
      data,
      `val_evaluator = None
custom_hooks = []
train_dataloader['batch_size'] = ${BATCH}
train_dataloader['drop_last'] = ${dropLast ? 'True' : 'False'}
optim_wrapper['optimizer']['lr'] = ${LR}
optim_wrapper['optimizer']['batch_size_per_gpu'] = ${BATCH}
default_hooks['param_scheduler'].update(warmup_epochs=1, warmup_mim_iter=1, lr_factor=${LR_FACTOR})
`,
    ),
  );
  const lines: string[] = [];
  const r = await train({
    config: cfg,
    workDir: join(dir, `wd-${dropLast}`),
    seed: 1,
    echo: (s) => lines.push(s),
    tty: false,
    backend: 'wasm',
    maxIters: iters,
  });
  const scalars = readFileSync(join(r.runDir, 'vis_data', 'scalars.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { epoch: number; iter: number; lr: number });
  const progress = lines.flatMap((l) =>
    [...l.matchAll(/Epoch\(train\) \[(\d+)\]\[\s*(\d+)\/(\d+)\]/g)].map((m) => m[0]),
  );
  return { scalars, progress };
}

for (const dropLast of [false, true]) {
  // PyTorch's DataLoader.__len__ for a batch sampler.
  const len = dropLast ? Math.floor(IMAGES / BATCH) : Math.ceil(IMAGES / BATCH);
  test(`${IMAGES} images in batches of ${BATCH}, drop_last=${dropLast ? 'True' : 'False'}: ${len} iterations per epoch, warm-up over ${len}`, async () => {
    const { scalars, progress } = await run(dropLast, len + 1);
    const label = `drop_last=${dropLast}`;
    assert.deepEqual(
      progress,
      [...Array.from({ length: len }, (_, i) => `Epoch(train) [1][${i + 1}/${len}]`), `Epoch(train) [2][1/${len}]`],
      `${label}: the epoch ends after ${len} iterations`,
    );
    assert.deepEqual(
      scalars.map((s) => [s.epoch, s.iter]),
      [...Array.from({ length: len }, (_, i) => [1, i + 1]), [2, len + 1]],
      label,
    );
    // Warm-up over W = len iterations: the conv group's lr rises linearly from 0 (np.interp of
    // the 0-based iteration over [0, W]) and reaches the epoch's lr at iteration W, the first of
    // epoch 2, whose linear factor is (1 - 1/max_epochs) * (1 - lr_factor) + lr_factor.
    const want = [
      ...Array.from({ length: len }, (_, i) => (LR * i) / len),
      LR * ((1 - 1 / MAX_EPOCHS) * (1 - LR_FACTOR) + LR_FACTOR),
    ];
    scalars.forEach((s, i) =>
      assert.ok(Math.abs(s.lr - want[i]) < 1e-12, `${label}: iteration ${i + 1} lr ${s.lr}, want ${want[i]}`),
    );
  });
}
