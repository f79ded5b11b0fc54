// The checkpoint a stopped or failed run leaves: last_checkpoint first (MMEngine and the built-in
// trainer write it), else the newest .pth or .ckpt in the work dir.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { checkpointReport, lastCheckpointOnDisk } from '../../client/runs/checkpoints';
import { evaluateInChild } from '../helpers/evaluate-in-child';
import { hasMkfifo, makeFifo } from '../helpers/fifo';

function workDir(files: Record<string, number>): string {
  const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-ckpt-'));
  for (const [name, ageSeconds] of Object.entries(files)) {
    fs.writeFileSync(path.join(wd, name), 'x');
    const t = new Date(Date.now() - ageSeconds * 1000);
    fs.utimesSync(path.join(wd, name), t, t);
  }
  return wd;
}

test('last_checkpoint names the checkpoint, absolute (as MMEngine writes it) or relative to the work dir', () => {
  const wd = workDir({ 'epoch_3.pth': 30, 'epoch_4.pth': 20, 'best_coco_bbox_mAP_epoch_2.pth': 1 });
  fs.writeFileSync(path.join(wd, 'last_checkpoint'), path.join(wd, 'epoch_4.pth')); // no newline, as MMEngine
  assert.deepEqual(
    [lastCheckpointOnDisk(wd)?.file, lastCheckpointOnDisk(wd)?.via],
    [path.join(wd, 'epoch_4.pth'), 'last_checkpoint'],
  );
  fs.writeFileSync(path.join(wd, 'last_checkpoint'), 'epoch_3.pth\n');
  assert.equal(lastCheckpointOnDisk(wd)?.file, path.join(wd, 'epoch_3.pth'));
});

test('without a usable last_checkpoint, the newest .pth or .ckpt; nothing else counts', () => {
  const wd = workDir({ 'epoch_1.pth': 50, 'iter_7.ckpt': 10, 'scalars.json': 1, 'cfg.py': 1 });
  assert.deepEqual(
    [lastCheckpointOnDisk(wd)?.file, lastCheckpointOnDisk(wd)?.via],
    [path.join(wd, 'iter_7.ckpt'), 'newest file'],
  );
  fs.writeFileSync(path.join(wd, 'last_checkpoint'), path.join(wd, 'epoch_9.pth')); // removed by max_keep_ckpts
  assert.equal(lastCheckpointOnDisk(wd)?.file, path.join(wd, 'iter_7.ckpt'));
  assert.equal(lastCheckpointOnDisk(workDir({ 'cfg.py': 1 })), undefined);
  assert.equal(lastCheckpointOnDisk(path.join(wd, 'missing')), undefined);
});

test('the report says whether this run saved it, and how to resume; or that there is none', () => {
  const wd = workDir({ 'epoch_2.pth': 600 });
  const resume = (ck: string) => `yololab train cfg.py --resume ${ck}`;
  const started = new Date(Date.now() - 60_000);
  assert.match(
    checkpointReport(wd, started, resume)[0],
    /^this run saved no checkpoint; the last one on disk is \S+epoch_2\.pth, from an earlier run/,
  );
  fs.writeFileSync(path.join(wd, 'epoch_3.pth'), 'x');
  assert.deepEqual(
    checkpointReport(wd, started, resume).map((l) => l.replace(/saved .* by this run/, 'saved T by this run')),
    [
      `last checkpoint on disk: ${path.join(wd, 'epoch_3.pth')} (saved T by this run)`,
      `resume with: yololab train cfg.py --resume ${path.join(wd, 'epoch_3.pth')}`,
    ],
  );
  const empty = workDir({});
  assert.deepEqual(checkpointReport(empty, started, resume), [
    `no checkpoint on disk in ${empty}: a new run starts from scratch`,
  ]);
});

test(
  'a FIFO named last_checkpoint is not waited on: the newest checkpoint file is the answer',
  { skip: !hasMkfifo && 'mkfifo is not available' },
  () => {
    const wd = workDir({ 'epoch_1.pth': 50, 'epoch_2.pth': 10 });
    makeFifo(path.join(wd, 'last_checkpoint'));
    const module = path.resolve(__dirname, '../../client/runs/checkpoints.ts');
    // In a child process with a timeout: a blocking read here would hang the test runner itself
    const found = evaluateInChild(`require(${JSON.stringify(module)}).lastCheckpointOnDisk(${JSON.stringify(wd)})`) as {
      file: string;
      via: string;
    };
    assert.deepEqual([found.file, found.via], [path.join(wd, 'epoch_2.pth'), 'newest file']);
  },
);

test('a last_checkpoint too big to be a path is not read; the newest checkpoint file is the answer', () => {
  const wd = workDir({ 'epoch_1.pth': 50, 'epoch_2.pth': 10 });
  fs.writeFileSync(path.join(wd, 'last_checkpoint'), path.join(wd, 'epoch_1.pth') + ' '.repeat(100 * 1024));
  assert.equal(lastCheckpointOnDisk(wd)?.via, 'newest file');
});
