// The builtin runner end to end: the command line the extension builds, run on the real CLI
// (bin/yololab.js -> dist/cli.js, as the extension runs it) with loader worker threads, stopped
// like the Stop command does. The trainer must answer Ctrl-C at the end of the step it is in, save,
// and exit 0; the run is "stopped" and the checkpoint it saved is named with the resume command.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTrainCommand, renderCommandLine, TrainRequest } from '../../client/runs/command-line';
import { TrainingRun } from '../../client/runs/training-run';
import { checkpointReport } from '../../client/runs/checkpoints';
import type { ScalarRecord } from '../../client/runs/scalars-tail';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tinyConfig } from '../train/fixtures/tiny-config';

const repo = path.resolve(__dirname, '../..');
const noDist = fs.existsSync(path.join(repo, 'dist/cli.js')) ? false : 'dist/cli.js is not built (npm run build)';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-builtin-'));
let config = '';

before(async () => {
  await makeDemoDataset(path.join(dir, 'data'), { train: 64, val: 4, size: 96, seed: 3 });
  config = path.join(dir, 'tiny_workers.py');
  // many iterations per epoch, logged each, a loader worker thread where there is a core for it
  fs.writeFileSync(
    config,
    tinyConfig(
      path.join(dir, 'data'),
      "max_epochs = 50\ntrain_dataloader['num_workers'] = 1\ntrain_cfg['max_epochs'] = 50\n",
    ),
  );
});

test(
  'Stop during a built-in run: Ctrl-C is answered after the current step, a checkpoint is saved, the run is "stopped"',
  { skip: noDist, timeout: 180_000 },
  async () => {
    const workDir = path.join(dir, 'work');
    const runner = {
      kind: 'builtin' as const,
      node: process.execPath,
      cli: path.join(repo, 'bin/yololab.js'),
      cwd: dir,
    };
    const req: TrainRequest = { config, workDir, amp: false, seed: 1, backend: 'wasm' };
    let log = '';
    const records: ScalarRecord[] = [];
    const run = new TrainingRun(
      'tiny_workers',
      buildTrainCommand(runner, req),
      workDir,
      {
        output: (t) => (log += t),
        progress: () => {},
        records: (_r, read) => records.push(...read.records),
        exit: () => {},
      },
      { graceMs: 60_000, followDebounceMs: 20, followSafetyMs: 500 },
    );
    const end = Date.now() + 150_000;
    while (!records.some((r) => 'loss' in r) && run.running && Date.now() < end)
      await new Promise((r) => setTimeout(r, 50));
    assert.ok(run.running, `the trainer ended before its first logged step:\n${log.slice(-2000)}`);
    const t0 = Date.now();
    const seen = Math.max(...records.map((r) => r.iter ?? 0));
    assert.equal(await run.stop(), 'graceful');
    const seconds = (Date.now() - t0) / 1000;
    assert.equal(run.exitCode, 0, log.slice(-2000));
    assert.deepEqual(run.outcome, { kind: 'stopped', killed: false });
    assert.match(
      log,
      /\[yololab\] sending SIGINT: the built-in trainer finishes its step, saves a checkpoint and exits/,
    );
    assert.match(log, /SIGINT: finishing this step/);
    // Answered at the end of the step in flight (a logged step can lag one behind), not at the epoch's end
    const at = /interrupted at epoch \d+, iteration (\d+): checkpoint (\S+)/.exec(log);
    assert.ok(at, `no 'interrupted at' line:\n${log.slice(-2000)}`);
    assert.ok(
      Number(at[1]) <= seen + 2,
      `Ctrl-C sent after iteration ${seen} was answered at iteration ${at[1]} (${seconds.toFixed(1)} s)`,
    );
    const report = checkpointReport(workDir, run.startedAt, (ck) =>
      renderCommandLine(buildTrainCommand(runner, { ...req, resume: ck })),
    );
    assert.equal(report[0].replace(/ \(saved .*/, ''), `last checkpoint on disk: ${at[2]}`);
    assert.match(report[0], /by this run\)$/);
    assert.match(
      report[1],
      new RegExp(
        `^resume with: \\S+ \\S+yololab\\.js train \\S+tiny_workers\\.py --work-dir \\S+ --seed 1 --backend wasm --resume \\S+$`,
      ),
    );
  },
);
