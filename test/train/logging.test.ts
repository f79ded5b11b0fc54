// Run output: MMEngine's WORK_DIR/TIMESTAMP/{TIMESTAMP.log, vis_data/scalars.json}, a
// progress bar only on a terminal, plain lines otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunLog, formatEta, timestamp } from '../../src/train/logging';

test('layout, scalars lines, and the log file', () => {
  const wd = mkdtempSync(join(tmpdir(), 'yololab-log-'));
  const out: string[] = [];
  const log = new RunLog(wd, (s) => out.push(s), false, '20260101_120000');
  log.info('backend: wasm');
  log.scalars({ loss: 1.5, step: 1 });
  log.scalars({ 'pascal_voc/mAP': 0.5, step: 1 });
  assert.ok(existsSync(join(wd, '20260101_120000', '20260101_120000.log')));
  const lines = readFileSync(join(wd, '20260101_120000', 'vis_data', 'scalars.json'), 'utf8')
    .trim()
    .split('\n');
  assert.deepEqual(
    lines.map((l) => JSON.parse(l)),
    [
      { loss: 1.5, step: 1 },
      { 'pascal_voc/mAP': 0.5, step: 1 },
    ],
  );
  assert.match(readFileSync(log.logFile, 'utf8'), / - yololab - INFO - backend: wasm\n$/);
  // Warnings in the .log file have the same layout as MMEngine's (time, logger, level).
  log.warn('data: 2 samples skipped');
  assert.match(
    readFileSync(log.logFile, 'utf8'),
    /\n\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d - yololab - WARNING - data: 2 samples skipped\n$/,
  );
  assert.equal(out.at(-1), 'warning: data: 2 samples skipped\n', 'the terminal gets the short form');
  log.progress(1, 10, 3, 30, 2.5, 100);
  assert.equal(out.length, 2, 'no progress bar when not a terminal');
});

test('on a terminal: a carriage-return progress bar, cleared before the next log line', () => {
  const wd = mkdtempSync(join(tmpdir(), 'yololab-log-'));
  const out: string[] = [];
  const log = new RunLog(wd, (s) => out.push(s), true, '20260101_120001');
  log.progress(2, 10, 15, 30, 1.25, 3725);
  assert.match(out[0], /^\r\x1b\[KEpoch 2\/10 \[#{12}\.{12}\] 15\/30 loss 1\.2500 eta 1:02:05$/);
  log.info('x');
  assert.equal(out[1], '\r\x1b[K');
  assert.equal(formatEta(59.6), '0:01:00');
  assert.match(timestamp(new Date(2026, 0, 2, 3, 4, 5)), /^20260102_030405$/);
});
