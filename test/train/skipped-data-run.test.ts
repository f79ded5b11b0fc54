// A training run whose images are all unusable fails with the reason in one line (exit 1),
// instead of ending "done: 0 iterations" with exit 0; its log says which image decoder ran.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tinyConfig } from './fixtures/tiny-config';

test('every training image truncated: exit 1 with "epoch 1 yields no batch" and the first reason; the log names the decoder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'yololab-skipped-'));
  try {
    await makeDemoDataset(join(dir, 'data'), { train: 4, val: 2, size: 96, seed: 3 });
    const images = join(dir, 'data', 'VOC2007', 'JPEGImages');
    const train = readFileSync(join(dir, 'data', 'VOC2007', 'ImageSets', 'Main', 'train.txt'), 'utf8')
      .split('\n')
      .filter(Boolean);
    for (const id of train) {
      const f = join(images, `${id}.jpg`);
      writeFileSync(f, readFileSync(f).subarray(0, 600));
    }
    const cfg = join(dir, 'tiny.py');
    writeFileSync(cfg, tinyConfig(join(dir, 'data')));
    const r = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', 'train', cfg, '--work-dir', join(dir, 'wd'), '--backend', 'wasm'],
      { encoding: 'utf8', timeout: 120000 },
    );
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const err = r.stderr
      .split('\n')
      .filter((l) => l.trim() && !/^=+$|TensorFlow\.js in Node\.js|tfjs-node for more/.test(l));
    assert.equal(err.length, 1, err.join('\n'));
    const first = join(images, `${train[0]}.jpg`);
    const any = `(${train.map((id) => join(images, `${id}.jpg`).replace(/[.\\/]/g, '\\$&')).join('|')})`;
    assert.match(
      err[0],
      new RegExp(
        `^yololab train: error: epoch 1 yields no batch: all 4 samples were skipped \\(first: ${any}: truncated JPEG \\(600 bytes; the data ends before the end-of-image marker\\)\\); see the data warnings$`,
      ),
      first,
    );
    // Each bad image was reported once, as a warning naming it.
    for (const id of train) assert.equal(r.stdout.split(`${id}.jpg: warning: truncated JPEG`).length - 1, 1, id);
    assert.match(r.stdout, /INFO - data: images decoded by (sharp|jpeg-js\/pngjs)/);
    const runDir = readdirSync(join(dir, 'wd')).find((n) => /^\d{8}_\d{6}$/.test(n))!;
    assert.match(readFileSync(join(dir, 'wd', runDir, `${runDir}.log`), 'utf8'), /data: images decoded by/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
