import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProgress, progressFromLogLine, progressFromRecord, statusText } from '../../client/runs/progress';
import { outcomeLogLine, runOutcome } from '../../client/runs/outcome';

test('an MMEngine training log line gives epoch, iteration, ETA and loss', () => {
  const line =
    '01/15 09:31:07 - mmengine - INFO - Epoch(train)  [3][ 50/1833]  base_lr: 1.0000e-02 lr: 6.6e-04  eta: 2 days, 10:53:21  time: 0.4012  data_time: 0.0274  memory: 7520  loss: 0.2019  loss_cls: 0.0413';
  const p = progressFromLogLine({}, line);
  assert.deepEqual(p, { epoch: 3, iter: 50, itersPerEpoch: 1833, eta: '2 days, 10:53:21', loss: 0.2019 });
});

test('plain progress lines (built-in trainer style) and a redrawn bar are understood', () => {
  const p = progressFromLogLine({}, 'epoch 2/30 iter 7/12 loss=3.25e+0 eta 0:04:10');
  assert.deepEqual(p, { epoch: 2, maxEpochs: 30, iter: 7, itersPerEpoch: 12, loss: 3.25, eta: '0:04:10' });
  const bar = progressFromLogLine({}, 'epoch 1/30 iter 1/12 loss 9\repoch 1/30 iter 2/12 loss 8.5');
  assert.equal(bar.iter, 2);
  assert.equal(bar.loss, 8.5);
});

test('lines without progress leave the state as it was', () => {
  const prev = { epoch: 4, loss: 1 };
  assert.equal(progressFromLogLine(prev, 'loading annotations into memory... lossy'), prev);
  assert.equal(progressFromLogLine(prev, 'Saving checkpoint at 4 epochs'), prev);
});

test('scalars records update loss and epoch; validation records give mAP', () => {
  let p = progressFromRecord({}, { loss: 2.5, epoch: 1, iter: 40, step: 40 });
  assert.deepEqual(p, { loss: 2.5, epoch: 1, iter: 40 });
  p = progressFromRecord(p, { 'pascal_voc/mAP': 0.62, step: 1 });
  assert.equal(p.mAP, 0.62);
  p = progressFromRecord(p, { 'coco/bbox_mAP': 0.31, 'coco/bbox_mAP_50': 0.5, step: 2 });
  assert.equal(p.mAP, 0.31);
});

test('the status text shows what is known and nothing else', () => {
  assert.equal(
    formatProgress({ epoch: 3, maxEpochs: 100, iter: 20, itersPerEpoch: 50, loss: 1.23456, eta: '0:12:03' }),
    'e3/100 it 20/50 · loss 1.235 · ETA 0:12:03',
  );
  assert.equal(formatProgress({ loss: 0.00001 }), 'loss 1.00e-5');
  assert.equal(formatProgress({}), '');
});

test('status bar text: spinner and ETA while running; how it ended, without a stale ETA, afterwards', () => {
  const progress = { epoch: 1, iter: 10, itersPerEpoch: 30, loss: 2, eta: '0:01:37' };
  const base = { name: 'train_tiny', progress };
  assert.equal(
    statusText({ ...base, running: true, outcome: undefined }),
    '$(sync~spin) train_tiny: e1 it 10/30 · loss 2 · ETA 0:01:37',
  );
  assert.equal(
    statusText({ ...base, running: false, outcome: { kind: 'stopped', killed: false } }),
    '$(debug-stop) train_tiny: stopped · e1 it 10/30 · loss 2',
  );
  assert.equal(
    statusText({ ...base, running: false, outcome: { kind: 'stopped', killed: true } }),
    '$(debug-stop) train_tiny: stopped (killed) · e1 it 10/30 · loss 2',
  );
  assert.equal(
    statusText({ ...base, running: false, outcome: { kind: 'done' } }),
    '$(check) train_tiny: done · e1 it 10/30 · loss 2',
  );
  assert.equal(
    statusText({ ...base, running: false, outcome: { kind: 'failed', code: 3, signal: null } }),
    '$(error) train_tiny: failed (exit 3) · e1 it 10/30 · loss 2',
  );
  assert.equal(
    statusText({ ...base, running: false, outcome: { kind: 'failed', code: null, signal: 'SIGSEGV' } }),
    '$(error) train_tiny: failed (SIGSEGV) · e1 it 10/30 · loss 2',
  );
  assert.equal(
    statusText({ ...base, progress: {}, running: true, outcome: undefined }),
    '$(sync~spin) train_tiny: starting…',
  );
});

test('a run the user stopped is stopped whatever the exit convention; one that ends on its own is done or failed', () => {
  const stopped = { requested: true, killed: false };
  const own = { requested: false, killed: false };
  // built-in trainer: exit 0 after its checkpoint; Python: re-raises SIGINT; a shell wrapper: 130
  for (const [code, signal] of [
    [0, null],
    [null, 'SIGINT'],
    [130, null],
    [1, null],
  ] as const) {
    assert.deepEqual(runOutcome(code, signal, stopped), { kind: 'stopped', killed: false }, `${code} ${signal}`);
  }
  assert.deepEqual(runOutcome(null, 'SIGKILL', { requested: true, killed: true }), { kind: 'stopped', killed: true });
  assert.deepEqual(runOutcome(0, null, own), { kind: 'done' });
  assert.deepEqual(runOutcome(null, 'SIGINT', own), { kind: 'failed', code: null, signal: 'SIGINT' });
  assert.deepEqual(runOutcome(1, null, own), { kind: 'failed', code: 1, signal: null });
  assert.equal(
    outcomeLogLine(runOutcome(null, 'SIGINT', stopped), null, 'SIGINT'),
    'training stopped by the user (the process ended by SIGINT)',
  );
  assert.equal(outcomeLogLine(runOutcome(1, null, own), 1, null), 'training failed: the process exited with code 1');
});
