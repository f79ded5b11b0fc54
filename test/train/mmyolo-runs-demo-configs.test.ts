// The demo configs are MMYOLO configs: the real MMYOLO v0.6.0 (PyTorch, CPU) trains each of them
// unchanged for one epoch and validates it, from a folder holding the demo data where the config
// expects it (data/demo/). Only the epoch count is set from the command line. MMYOLO is found
// through MMYOLO_SRC (default /tmp/src) and started through test/helpers/mmyolo_env.py with
// /usr/bin/python3; skipped with a message where either is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { MMYOLO_SHIM, MMYOLO_SRC, TORCH_PYTHON, realMmyoloMissing } from '../helpers/real-mmyolo';

const repo = path.resolve(__dirname, '../..');
const skip = realMmyoloMissing();

for (const config of [
  'configs/demo/yolov8_n-tiny_1xb8-10e_demo.py',
  'configs/demo-yolov5/yolov5_n-tiny_1xb8-10e_demo.py',
])
  test(`the real MMYOLO trains and validates ${config} unchanged`, { skip, timeout: 600_000 }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-mmyolo-demo-'));
    try {
      await makeDemoDataset(path.join(dir, 'data', 'demo'), { train: 16, val: 4, size: 96, seed: 5 });
      const r = spawnSync(
        TORCH_PYTHON,
        [
          MMYOLO_SHIM,
          path.join(MMYOLO_SRC, 'mmyolo/tools/train.py'),
          path.join(repo, config),
          '--work-dir',
          path.join(dir, 'work'),
          '--cfg-options',
          'train_cfg.max_epochs=1',
        ],
        {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, MMYOLO_SRC, OMP_NUM_THREADS: '2' },
          timeout: 540_000,
        },
      );
      const out = `${r.stdout}\n${r.stderr}`;
      assert.equal(r.status, 0, `${config}: MMYOLO exited ${r.status}:\n${out.split('\n').slice(-15).join('\n')}`);
      assert.match(out, /Epoch\(train\) +\[1\]\[2\/2\]/, `${config}: two training iterations (16 images, batch 8)`);
      assert.match(out, /Epoch\(val\) +\[1\]\[\d+\/\d+\] +pascal_voc\/mAP: \d\.\d{4}/, `${config}: validation`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
