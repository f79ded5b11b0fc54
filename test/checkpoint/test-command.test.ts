// `yololab test CONFIG x.pth` with checkpoints from the real MMYOLO, and the one-line errors of
// damaged or foreign files.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tinyConfig } from '../train/fixtures/tiny-config';
import { stderrLines } from '../helpers/cli-output';

const dir = mkdtempSync(join(tmpdir(), 'yololab-test-cmd-'));
const MMYOLO_TRAIN = 'test/fixtures/checkpoints/mmyolo_demo_w0625_train_epoch_1.pth';
let cfg = '';

before(async () => {
  await makeDemoDataset(join(dir, 'data'), { train: 2, val: 4, size: 96, seed: 3 });
  cfg = join(dir, 'tiny.py');
  writeFileSync(cfg, tinyConfig(join(dir, 'data')));
});
after(() => rmSync(dir, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 120000,
  });
  const err = stderrLines(r.stderr);
  return { code: r.status, err, out: r.stdout };
}

test('yololab test evaluates a checkpoint MMYOLO wrote while training (the same architecture as the tiny config)', () => {
  const r = cli('test', cfg, MMYOLO_TRAIN, '--work-dir', join(dir, 'wd'), '--backend', 'wasm');
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.match(r.out, /checkpoint: .*mmyolo_demo_w0625_train_epoch_1\.pth \(PyTorch, epoch 1, EMA weights\)/);
  assert.match(r.out, /Epoch\(test\) \[4\/4\]  pascal_voc\/mAP: \d\.\d{4}/);
  // VOCMetric's per-class table, as MMDetection logs it, before the metrics line.
  assert.match(r.out, /INFO - \n-{15}iou_thr: 0\.5-{15}\n/);
  assert.match(r.out, /\n\| class +\| gts \| dets \| recall \| ap +\|\n/);
  assert.match(r.out, /\n\| mAP +\| +\| +\| +\| \d\.\d{3} \|\n/);
});

test('a damaged or foreign .pth is one error line naming the file', () => {
  const bad = Buffer.from(readFileSync(MMYOLO_TRAIN));
  bad[bad.indexOf(Buffer.from('archive/data/0')) + 'archive/data/0'.length + 64 + 8] ^= 0x40;
  const flipped = join(dir, 'flipped.pth');
  writeFileSync(flipped, bad);
  const a = cli('test', cfg, flipped, '--work-dir', join(dir, 'wd'), '--backend', 'wasm');
  assert.equal(a.code, 1);
  assert.deepEqual(a.err.length, 1, a.err.join('\n'));
  assert.match(
    a.err[0],
    /flipped\.pth: error: entry 'archive\/data\/\d+' is corrupt \(CRC-32 mismatch\); the file is damaged$/,
  );
  const b = cli(
    'test',
    cfg,
    'test/fixtures/mmyolo-reference/yolov5_s_w0125_c4.pth',
    '--work-dir',
    join(dir, 'wd'),
    '--backend',
    'wasm',
  );
  assert.equal(b.code, 1);
  assert.equal(b.err.length, 1, b.err.join('\n'));
  assert.match(b.err[0], /yolov5_s_w0125_c4\.pth: error: does not fit this config's model: \d+ of 297 tensors match/);
  const c = cli('test', cfg, join(dir, 'missing.pth'), '--work-dir', join(dir, 'wd'), '--backend', 'wasm');
  assert.equal(c.err.length, 1);
  assert.match(c.err[0], /missing\.pth: error: checkpoint not found$/);
});
