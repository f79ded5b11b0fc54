import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listRuns, newestRunSince, runKey, runsUnder, timestampOf } from '../../client/runs/run-dirs';

function makeRun(workDir: string, ts: string, withScalars = true): string {
  const vis = path.join(workDir, ts, 'vis_data');
  fs.mkdirSync(vis, { recursive: true });
  if (withScalars) fs.writeFileSync(path.join(vis, 'scalars.json'), '{"loss": 1, "step": 1}\n');
  return vis;
}

test('a work dir lists its TIMESTAMP runs oldest first and ignores other folders', () => {
  const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-wd-'));
  makeRun(wd, '20240102_030405');
  makeRun(wd, '20231231_235959');
  fs.mkdirSync(path.join(wd, 'best_ckpts'));
  fs.writeFileSync(path.join(wd, 'epoch_1.pth'), '');
  assert.deepEqual(
    listRuns(wd).map((r) => r.timestamp),
    ['20231231_235959', '20240102_030405'],
  );
  assert.equal(listRuns(wd)[0].label, `${path.basename(wd)}/20231231_235959`);
});

test('Open Run accepts a scalars.json, a vis_data or TIMESTAMP folder, a work dir, a checkpoint in it, or a folder of work dirs', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-root-'));
  const a = path.join(root, 'yolov8_n'),
    b = path.join(root, 'rtmdet_tiny');
  const vis = makeRun(a, '20240101_000001');
  makeRun(a, '20240101_000002', false); // started, nothing written yet
  makeRun(b, '20240101_000003');
  assert.deepEqual(
    runsUnder(path.join(vis, 'scalars.json')).map((r) => r.timestamp),
    ['20240101_000001'],
  );
  assert.deepEqual(
    runsUnder(vis).map((r) => r.timestamp),
    ['20240101_000001'],
  );
  assert.deepEqual(
    runsUnder(path.dirname(vis)).map((r) => r.workDir),
    [a],
  );
  assert.deepEqual(
    runsUnder(a).map((r) => r.timestamp),
    ['20240101_000001'],
  );
  assert.deepEqual(
    runsUnder(root)
      .map((r) => r.label)
      .sort(),
    ['rtmdet_tiny/20240101_000003', 'yolov8_n/20240101_000001'],
  );
  assert.deepEqual(runsUnder(path.join(root, 'nope')), []);
  assert.deepEqual(runsUnder(path.join(__dirname, 'fixtures/work_dirs')).length, 1);
  // A checkpoint picked with Browse… opens the runs of its work dir (MMYOLO's and ours are .pth).
  fs.writeFileSync(path.join(a, 'epoch_3.pth'), '');
  assert.deepEqual(
    runsUnder(path.join(a, 'epoch_3.pth')).map((r) => r.timestamp),
    ['20240101_000001'],
  );
  fs.writeFileSync(path.join(a, 'notes.txt'), '');
  assert.deepEqual(runsUnder(path.join(a, 'notes.txt')), []);
});

test('a live run is the newest TIMESTAMP folder created since it started, not an older one', () => {
  const wd = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-wd-'));
  const started = new Date();
  makeRun(wd, '20000101_000000');
  assert.equal(newestRunSince(wd, started), undefined);
  const ts = timestampOf(new Date(started.getTime() + 1000));
  makeRun(wd, ts);
  assert.equal(newestRunSince(wd, started)?.timestamp, ts);
  assert.match(timestampOf(new Date(2024, 0, 2, 3, 4, 5)), /^20240102_030405$/);
});

test('one run has one key whichever way its path is spelled, before and after scalars.json exists', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-key-'));
  const wd = path.join(root, 'work');
  const vis = makeRun(wd, '20240102_030405', false);
  const file = path.join(vis, 'scalars.json');
  const before = runKey(file);
  fs.writeFileSync(file, '{"loss": 1, "step": 1}\n');
  assert.equal(runKey(file), before);
  fs.symlinkSync(wd, path.join(root, 'link'));
  assert.equal(runKey(path.join(root, 'link', '20240102_030405', 'vis_data', 'scalars.json')), before);
  assert.equal(runKey(path.join(wd, '.', '20240102_030405', 'vis_data', '..', 'vis_data', 'scalars.json')), before);
  assert.equal(runsUnder(wd).map((r) => runKey(r.scalarsFile))[0], before);
  assert.notEqual(runKey(path.join(wd, '20240102_030406', 'vis_data', 'scalars.json')), before);
});
