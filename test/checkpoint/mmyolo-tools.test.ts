// The real MMYOLO's tools/test.py evaluates a .pth written by YOLO Lab, unchanged, and scores it
// as `yololab test` does. Runs where the MMYOLO sources ($MMYOLO_SRC, default /tmp/src) and
// /usr/bin/python3 with torch are present; skips with a message elsewhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { runTest } from '../../src/train/test-run';
import { MMYOLO_SHIM, MMYOLO_SRC, TORCH_PYTHON, realMmyoloMissing } from '../helpers/real-mmyolo';

const SRC = MMYOLO_SRC;
const PY = TORCH_PYTHON;
const TOOL = join(SRC, 'mmyolo/tools/test.py');
const missing = realMmyoloMissing();
const CONFIG = 'configs/finetune/yolov8_n-tiny_1xb8-10e_demo-2cls.py';
const CKPT = 'test/fixtures/checkpoints/tiny_2cls_source.pth';

test(
  "MMYOLO's tools/test.py loads a YOLO Lab .pth without missing or unexpected keys and scores it as yololab test does",
  { skip: missing },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mmyolo-tools-'));
    try {
      await makeDemoDataset(join(dir, 'data'), { train: 2, val: 24, size: 96, seed: 21 });
      const opts = [
        ...['backbone', 'neck', 'bbox_head.head_module'].map((m) => `model.${m}.widen_factor=0.0625`),
        `val_dataloader.dataset.data_root=${dir}/data/`,
        `test_dataloader.dataset.data_root=${dir}/data/`,
        'val_dataloader.num_workers=0',
        'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
      ];
      const ours = await runTest({
        config: CONFIG,
        checkpoint: CKPT,
        cfgOptions: opts,
        workDir: join(dir, 'yl'),
        backend: 'wasm',
        echo: () => {},
      });
      const r = spawnSync(
        PY,
        [MMYOLO_SHIM, TOOL, resolve(CONFIG), resolve(CKPT), '--work-dir', join(dir, 'mm'), '--cfg-options', ...opts],
        { encoding: 'utf8', timeout: 300000 },
      );
      const log = r.stdout + r.stderr;
      assert.equal(r.status, 0, log.slice(-3000));
      assert.match(log, /Load checkpoint from/);
      assert.doesNotMatch(log, /missing keys|unexpected key|size mismatch/i);
      const m = /Epoch\(test\) .*pascal_voc\/mAP: ([\d.]+)/.exec(log);
      assert.ok(m, log.slice(-2000));
      const theirs = Number(m[1]);
      process.stdout.write(
        `# pascal_voc/mAP: yololab test ${ours.metrics['pascal_voc/mAP'].toFixed(4)}, MMYOLO tools/test.py ${theirs.toFixed(4)}\n`,
      );
      assert.ok(
        ours.metrics['pascal_voc/mAP'] > 0.3,
        'a model that has learned something, so the comparison means something',
      );
      assert.ok(Math.abs(ours.metrics['pascal_voc/mAP'] - theirs) < 0.02);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
