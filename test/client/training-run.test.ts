import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrainingRun } from '../../client/runs/training-run';
import { Progress } from '../../client/runs/progress';
import { ScalarRecord } from '../../client/runs/scalars-tail';

const trainer = path.join(__dirname, 'fixtures/scripted-trainer.js');

function start(iters: number, extra: string[] = [], graceMs = 5000) {
  const workDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-run-')), 'work');
  let log = '';
  const records: ScalarRecord[] = [];
  const progress: Progress[] = [];
  let exit: { code: number | null } | undefined;
  const run = new TrainingRun(
    'scripted',
    {
      command: process.execPath,
      args: [trainer, workDir, String(iters), ...extra],
      cwd: os.tmpdir(),
      stopStyle: 'interrupt',
      stopNotice: 'sending SIGINT: the scripted trainer saves and exits',
    },
    workDir,
    {
      output: (t) => (log += t),
      progress: (p) => progress.push(p),
      records: (_run, read) => records.push(...read.records),
      exit: (code) => (exit = { code }),
    },
    { graceMs, followDebounceMs: 30, followSafetyMs: 0 },
  );
  return { run, workDir, log: () => log, records, progress, exit: () => exit };
}

test('a run streams its log, its scalars and its progress, and reports its exit', async () => {
  const t = start(10);
  await t.run.whenExited();
  assert.deepEqual(t.exit(), { code: 0 });
  assert.match(t.log(), /^\$ .*scripted-trainer\.js/); // the command line heads the log
  assert.match(t.log(), /iter 10\/10 loss 0\.4000/);
  assert.match(t.log(), /done\n/); // stderr too
  assert.deepEqual(
    t.records.map((r) => r.iter),
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
  ); // all of them, once, in order
  assert.equal(t.run.progress.iter, 10);
  assert.equal(t.run.progress.itersPerEpoch, 10);
  assert.equal(t.run.progress.loss, 0.4);
  assert.ok(t.progress.length > 1);
  assert.equal(t.run.run?.workDir, t.workDir);
});

test('Stop sends SIGINT and the trainer exits cleanly after saving', async () => {
  const t = start(100000);
  while (t.records.length < 3) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await t.run.stop(), 'graceful');
  assert.deepEqual(t.exit(), { code: 0 });
  assert.match(t.log(), /sending SIGINT/);
  assert.match(t.log(), /checkpoint saved/);
  assert.equal(t.run.running, false);
});

test('a trainer that ignores SIGINT is killed after the grace period, and the log says so', async () => {
  const t = start(100000, ['--ignore-sigint'], 300);
  while (t.records.length < 1) await new Promise((r) => setTimeout(r, 20));
  assert.equal(await t.run.stop(), 'killed');
  assert.match(t.log(), /still running after 0 s: killing it/);
  assert.notEqual(t.exit()?.code, 0);
});

test('a command that does not exist ends the run with a clear message, not a crash', async () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-run-'));
  let log = '';
  let code: number | null | undefined;
  const run = new TrainingRun(
    'missing',
    {
      command: 'yololab-no-such-python',
      args: [],
      cwd: workDir,
      stopStyle: 'interrupt',
      stopNotice: 'sending SIGINT: the scripted trainer saves and exits',
    },
    workDir,
    {
      output: (t) => (log += t),
      progress: () => {},
      records: () => {},
      exit: (c) => (code = c),
    },
    { followSafetyMs: 0 },
  );
  await run.whenExited();
  assert.match(
    log,
    /cannot start yololab-no-such-python: .*ENOENT.*is 'yololab-no-such-python' installed and on PATH\?/,
  );
  assert.equal(run.exitCode, 127);
  assert.equal(code, 127);
});

test('interruptNow sends Ctrl-C without waiting, and the trainer still saves and exits', async () => {
  const t = start(100000);
  while (t.records.length < 2) await new Promise((r) => setTimeout(r, 20));
  t.run.interruptNow();
  await t.run.whenExited();
  assert.match(t.log(), /checkpoint saved/);
  assert.deepEqual(t.exit(), { code: 0 });
});

test('a failed run names the line that says why it failed', async () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-run-'));
  const script =
    "console.log('loading'); console.error('cfg.py:3:7: error: no such base'); console.log('bye'); process.exit(1)";
  const run = new TrainingRun(
    'failing',
    {
      command: process.execPath,
      args: ['-e', script],
      cwd: workDir,
      stopStyle: 'interrupt',
      stopNotice: 'sending SIGINT: the scripted trainer saves and exits',
    },
    workDir,
    {
      output: () => {},
      progress: () => {},
      records: () => {},
      exit: () => {},
    },
    { followSafetyMs: 0 },
  );
  await run.whenExited();
  assert.equal(run.exitCode, 1);
  assert.equal(run.failureLine(), 'cfg.py:3:7: error: no such base');
});

test('a colour escape cut between two output chunks leaves no trace in the log, and progress still parses', async () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-run-'));
  // MMEngine's coloured level name, split inside its first escape (ESC[4 | m), the halves 300 ms apart
  const line =
    '01/15 09:30:12 - mmengine - \x1b[4m\x1b[37mINFO\x1b[0m - Epoch(train) [1][10/50]  eta: 0:01:00  loss: 1.2345';
  const cut = line.indexOf('\x1b[4') + 3;
  const script = `process.stdout.write(${JSON.stringify(line.slice(0, cut))}); setTimeout(() => process.stdout.write(${JSON.stringify(line.slice(cut) + '\n')}), 300)`;
  let log = '';
  const run = new TrainingRun(
    'coloured',
    {
      command: process.execPath,
      args: ['-e', script],
      cwd: workDir,
      stopStyle: 'interrupt',
      stopNotice: 'sending SIGINT',
    },
    workDir,
    { output: (t) => (log += t), progress: () => {}, records: () => {}, exit: () => {} },
    { followSafetyMs: 0 },
  );
  await run.whenExited();
  assert.equal(
    log.split('\n').find((l) => l.startsWith('01/15')),
    '01/15 09:30:12 - mmengine - INFO - Epoch(train) [1][10/50]  eta: 0:01:00  loss: 1.2345',
  );
  assert.deepEqual(run.progress, { epoch: 1, iter: 10, itersPerEpoch: 50, eta: '0:01:00', loss: 1.2345 });
});

test('output that never ends a line (a \\r-only progress bar) is shown once it passes 64 KiB, not kept forever', async () => {
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-cr-'));
  // 3,000 '\r'-updates of a bar (about 150 KB, no '\n') at once, then 2 s before exiting.
  const script =
    "let s = ''; for (let i = 0; i < 3000; i++) s += '\\r[' + '#'.repeat(i % 40) + '] ' + i; " +
    'process.stdout.write(s); setTimeout(() => {}, 2000)';
  let log = '';
  const run = new TrainingRun(
    'carriage-returns',
    { command: process.execPath, args: ['-e', script], cwd: workDir, stopStyle: 'interrupt', stopNotice: 'SIGINT' },
    workDir,
    { output: (t) => (log += t), progress: () => {}, records: () => {}, exit: () => {} },
    { followSafetyMs: 0 },
  );
  await new Promise((r) => setTimeout(r, 1200));
  const whileRunning = log.length;
  await run.whenExited();
  assert.ok(whileRunning > 64 * 1024, `shown while running: ${whileRunning} characters`);
  assert.ok(log.includes('] 2999'), 'the rest is shown when the run ends');
});
