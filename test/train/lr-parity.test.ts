// The lr YOLO Lab logs against the lr the real MMYOLO logged for the same config and data
// (test/fixtures/mmyolo-runs/demo_yolov8_lr.json: MMYOLO v0.6.0 training
// configs/demo/yolov8_n-tiny_1xb8-10e_demo.py with a log line every iteration). Same
// iterations per epoch (240 images, batch 8, drop_last False: 30), the same warm-up, and the
// per-epoch factor of the epoch MMEngine reports (yolov5_param_scheduler_hook.py L117-130,
// loops.py L103-124): the lr of every logged iteration of the first three epochs agrees.
// Model and images are shrunk (neither changes the schedule) so the run takes seconds per epoch.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { train } from '../../src/train/runner';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'yololab-lr-'));
const reference = JSON.parse(
  readFileSync(join(ROOT, 'test', 'fixtures', 'mmyolo-runs', 'demo_yolov8_lr.json'), 'utf8'),
) as { train: Array<{ epoch: number; iter: number; lr: number }> };

before(async () => {
  // The demo's split sizes (240 train images) at a small image size; the pipeline resizes to 160.
  await makeDemoDataset(join(dir, 'data'), { train: 240, val: 4, size: 48, seed: 1 });
});

test('the demo config logs the lr MMYOLO logs, at every iteration of the first 3 epochs', async () => {
  const data = join(dir, 'data') + '/';
  const epochs = 3;
  const r = await train({
    config: join(ROOT, 'configs', 'demo', 'yolov8_n-tiny_1xb8-10e_demo.py'),
    workDir: join(dir, 'wd'),
    cfgOptions: [
      `train_dataloader.dataset.data_root=${data}`,
      `val_dataloader.dataset.data_root=${data}`,
      'default_hooks.logger.interval=1',
      'train_cfg.val_interval=100',
      'model.backbone.widen_factor=0.0625',
      'model.neck.widen_factor=0.0625',
      'model.bbox_head.head_module.widen_factor=0.0625',
      // 32x32 inputs: resize and letterbox of the train pipeline (its steps 2 and 3).
      'train_dataloader.dataset.pipeline.2.scale=[32,32]',
      'train_dataloader.dataset.pipeline.3.scale=[32,32]',
    ],
    echo: () => undefined,
    tty: false,
    backend: 'wasm',
    maxIters: 30 * epochs,
  });
  const lines = readFileSync(join(r.runDir, 'vis_data', 'scalars.json'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => 'lr' in l);
  const want = reference.train.slice(0, 30 * epochs);
  assert.deepEqual(
    lines.map((l) => [l.epoch, l.iter]),
    want.map((l) => [l.epoch, l.iter]),
    'a line at the same (epoch, iteration) as MMYOLO',
  );
  lines.forEach((l, i) =>
    assert.ok(
      Math.abs(l.lr - want[i].lr) <= 1e-12 + 1e-9 * want[i].lr,
      `iteration ${want[i].iter}: lr ${l.lr}, MMYOLO ${want[i].lr}`,
    ),
  );
});
