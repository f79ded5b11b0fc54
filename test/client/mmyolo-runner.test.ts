// The mmyolo runner end to end against the stand-in MMYOLO (fixtures/mmyolo-standin, see its README):
// the command line the extension builds, MMEngine's coloured log, the curves, a Stop that Python
// answers with KeyboardInterrupt and death by SIGINT, what the user is told, and the checkpoint left.
// Needs a python3 on PATH (any Python 3; no torch); skipped with a message otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTrainCommand, renderCommandLine, TrainRequest } from '../../client/runs/command-line';
import { TrainingRun } from '../../client/runs/training-run';
import { checkpointReport } from '../../client/runs/checkpoints';
import { outcomeLogLine, outcomeText } from '../../client/runs/outcome';
import { statusText } from '../../client/runs/progress';
import type { ScalarRecord } from '../../client/runs/scalars-tail';

const root = path.join(__dirname, 'fixtures/mmyolo-standin');
const python = process.env.PYTHON ?? 'python3';
const noPython =
  spawnSync(python, ['--version']).status === 0
    ? false
    : `no ${python} on PATH (set PYTHON to a Python 3): the stand-in MMYOLO is a Python script`;
const runner = { kind: 'mmyolo' as const, python, root, gpus: 1, launcher: 'none' as const };

function start(config: string, prepare?: (workDir: string) => void) {
  const workDir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-mmyolo-')), 'work');
  fs.mkdirSync(workDir, { recursive: true });
  prepare?.(workDir);
  const req: TrainRequest = { config: path.join(root, 'configs', config), workDir, amp: false, seed: 5 };
  let log = '';
  const records: ScalarRecord[] = [];
  const cmd = buildTrainCommand(runner, req);
  const run = new TrainingRun(
    config,
    cmd,
    workDir,
    {
      output: (t) => (log += t),
      progress: () => {},
      records: (_r, read) => records.push(...read.records),
      exit: (code, signal, outcome) => (log += `[yololab] ${outcomeLogLine(outcome, code, signal)}\n`),
    },
    { graceMs: 10000, followDebounceMs: 20, followSafetyMs: 0 },
  );
  const report = () =>
    checkpointReport(workDir, run.startedAt, (ck) =>
      renderCommandLine(buildTrainCommand(runner, { ...req, resume: ck })),
    );
  return { run, workDir, records, log: () => log, report };
}

async function until(what: string, fn: () => boolean, ms = 30000): Promise<void> {
  const end = Date.now() + ms;
  while (!fn()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

test(
  'a Stop of an MMYOLO run is "stopped", not a failure; the user is told what MMEngine does and which checkpoint is left',
  { skip: noPython },
  async () => {
    const t = start('standin_fast.py');
    await until(
      'two epochs with their checkpoints',
      () => fs.existsSync(path.join(t.workDir, 'epoch_2.pth')) && t.records.length >= 10,
    );
    const pgid = t.run.pid!;
    assert.equal(await t.run.stop(), 'graceful');
    // Python re-raises SIGINT after the KeyboardInterrupt: the process ends by that signal
    assert.equal(t.run.exitSignal, 'SIGINT');
    assert.deepEqual(t.run.outcome, { kind: 'stopped', killed: false });
    assert.match(statusText(t.run), /^\$\(debug-stop\) standin_fast\.py: stopped · e\d+ it \d+\/4/);
    const log = t.log();
    assert.match(
      log,
      /\[yololab\] sending SIGINT: MMEngine has no handler for it, so tools\/train\.py stops at once with a KeyboardInterrupt and saves nothing/,
    );
    assert.doesNotMatch(log, /saves a checkpoint/);
    assert.match(log, /KeyboardInterrupt/);
    assert.match(log, /\[yololab\] training stopped by the user \(the process ended by SIGINT\)/);
    // MMEngine's colours are gone, its words are there
    assert.doesNotMatch(log, /\x1b/);
    assert.match(log, /- mmengine - INFO - Epoch\(train\)  \[1\]\[1\/4\]/);
    // the progress parser read MMEngine's lines
    assert.equal(t.run.progress.itersPerEpoch, 4);
    assert.match(t.run.progress.eta ?? '', /^\d+:\d\d:\d\d$/);
    assert.ok((t.run.progress.mAP ?? 0) > 0, 'the validation metric reached the progress');
    // the checkpoint named by last_checkpoint, saved by this run, and the command that resumes from it
    const last = fs.readFileSync(path.join(t.workDir, 'last_checkpoint'), 'utf8');
    const report = t.report();
    assert.match(
      report[0],
      new RegExp(`^last checkpoint on disk: ${last.replace(/[.\\/]/g, '\\$&')} \\(saved .* by this run\\)$`),
    );
    assert.equal(
      report[1],
      `resume with: ${python} tools/train.py ${path.join(root, 'configs/standin_fast.py')} --work-dir ${t.workDir} --resume ${last} --cfg-options randomness.seed=5`,
    );
    // the dataloader worker went with the main process
    await until('the process group to be gone', () => !groupAlive(pgid), 5000);
  },
);

test('a Stop before the first checkpoint says there is none', { skip: noPython }, async () => {
  const t = start('standin_no_ckpt.py');
  await until('a few iterations', () => t.records.length >= 3);
  await t.run.stop();
  assert.equal(outcomeText(t.run.outcome!), 'stopped');
  assert.deepEqual(t.report(), [`no checkpoint on disk in ${t.workDir}: a new run starts from scratch`]);
});

test(
  'a checkpoint from an earlier run in the same work dir is named as such, found without last_checkpoint',
  { skip: noPython },
  async () => {
    const t = start('standin_no_ckpt.py', (wd) => {
      fs.writeFileSync(path.join(wd, 'epoch_2.pth'), 'PK');
      fs.writeFileSync(path.join(wd, 'iter_7.ckpt'), 'YLCK');
      const old = new Date(Date.now() - 3600_000);
      fs.utimesSync(path.join(wd, 'epoch_2.pth'), old, old);
      fs.utimesSync(path.join(wd, 'iter_7.ckpt'), new Date(old.getTime() - 60_000), new Date(old.getTime() - 60_000));
    });
    await until('a few iterations', () => t.records.length >= 2);
    await t.run.stop();
    const report = t.report();
    assert.match(
      report[0],
      new RegExp(
        `^this run saved no checkpoint; the last one on disk is ${path.join(t.workDir, 'epoch_2.pth').replace(/[.\\/]/g, '\\$&')}, from an earlier run`,
      ),
    );
    assert.match(report[1], /--resume \S+epoch_2\.pth/);
  },
);

test(
  'an MMYOLO run that dies on its own is "failed", with the line of the traceback that says why',
  { skip: noPython },
  async () => {
    const t = start('standin_crash.py');
    await t.run.whenExited();
    assert.equal(t.run.exitCode, 1);
    assert.deepEqual(t.run.outcome, { kind: 'failed', code: 1, signal: null });
    assert.equal(t.run.failureLine(), 'RuntimeError: CUDA out of memory (stand-in failure at iteration 3)');
    assert.match(t.log(), /\[yololab\] training failed: the process exited with code 1/);
    assert.equal(outcomeText(t.run.outcome!), 'failed (exit 1)');
  },
);
