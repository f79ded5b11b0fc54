// The mmyolo runner against the real MMYOLO v0.6.0 (PyTorch, CPU): the extension's command line in
// the MMYOLO checkout, MMEngine's log and scalars.json, a Stop after the first checkpoint, and what
// the user is told. MMYOLO is found through MMYOLO_SRC (default /tmp/src) and started through the
// import shim test/helpers/mmyolo_env.py with /usr/bin/python3 (which has torch); the test is skipped
// with a message when either is missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildTrainCommand, renderCommandLine, TrainRequest } from '../../client/runs/command-line';
import { TrainingRun } from '../../client/runs/training-run';
import { checkpointReport } from '../../client/runs/checkpoints';
import { outcomeLogLine } from '../../client/runs/outcome';
import type { ScalarRecord } from '../../client/runs/scalars-tail';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { MMYOLO_SHIM, MMYOLO_SRC, TORCH_PYTHON, realMmyoloMissing } from '../helpers/real-mmyolo';

const repo = path.resolve(__dirname, '../..');
const skip = realMmyoloMissing();

test(
  'the real MMYOLO: curves arrive, Stop ends the whole process group as "stopped", and the checkpoint it left is named',
  { skip, timeout: 600_000 },
  async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-mmyolo-real-'));
    await makeDemoDataset(path.join(dir, 'data'), { train: 16, val: 4, size: 96, seed: 3 });
    // The extension runs `PYTHON tools/train.py ...`; here PYTHON is the shim that makes MMYOLO importable
    const python = path.join(dir, 'python');
    fs.writeFileSync(python, `#!/bin/sh\nexec ${TORCH_PYTHON} ${MMYOLO_SHIM} "$@"\n`, { mode: 0o755 });
    // The demo config as MMYOLO needs it (yolov5_collate), 2 iterations per epoch, a checkpoint and
    // validation every epoch, the log every iteration
    const config = path.join(dir, 'demo_mmyolo.py');
    fs.writeFileSync(
      config,
      `_base_ = '${path.join(repo, 'configs/demo/yolov8_n-tiny_1xb8-10e_demo.py')}'
data_root = '${path.join(dir, 'data')}/'
max_epochs = 50
train_dataloader = dict(collate_fn=dict(type='yolov5_collate'), num_workers=1, dataset=dict(data_root=data_root))
val_dataloader = dict(num_workers=0, persistent_workers=False, dataset=dict(data_root=data_root))
test_dataloader = val_dataloader
train_cfg = dict(max_epochs=max_epochs, val_interval=1)
default_hooks = dict(logger=dict(type='LoggerHook', interval=1), checkpoint=dict(interval=1, save_best=None, max_keep_ckpts=2),
                     param_scheduler=dict(max_epochs=max_epochs))
`,
    );
    const workDir = path.join(dir, 'work');
    const runner = {
      kind: 'mmyolo' as const,
      python,
      root: path.join(MMYOLO_SRC, 'mmyolo'),
      gpus: 1,
      launcher: 'none' as const,
    };
    const req: TrainRequest = { config, workDir, amp: false };
    let log = '';
    const records: ScalarRecord[] = [];
    const run = new TrainingRun(
      'demo_mmyolo',
      buildTrainCommand(runner, req),
      workDir,
      {
        output: (t) => (log += t),
        progress: () => {},
        records: (_r, read) => records.push(...read.records),
        exit: (code, signal, outcome) => (log += `[yololab] ${outcomeLogLine(outcome, code, signal)}\n`),
      },
      { graceMs: 30000, followDebounceMs: 50, followSafetyMs: 1000 },
    );
    const t0 = Date.now();
    const end = t0 + 300_000;
    const ready = () =>
      fs.existsSync(path.join(workDir, 'last_checkpoint')) &&
      records.some((r) => 'loss' in r) &&
      records.some((r) => 'pascal_voc/mAP' in r);
    while (!ready() && run.running && Date.now() < end) {
      await new Promise((r) => setTimeout(r, 200));
    }
    assert.ok(run.running, `MMYOLO ended before its first checkpoint:\n${log.slice(-3000)}`);
    assert.ok(ready(), `no checkpoint and validation after 300 s:\n${log.slice(-3000)}`);
    const pgid = run.pid!;
    const stoppedAt = Date.now();
    assert.equal(await run.stop(), 'graceful');
    const stopSeconds = (Date.now() - stoppedAt) / 1000;

    assert.deepEqual(run.outcome, { kind: 'stopped', killed: false }, `exit ${run.exitCode} ${run.exitSignal}`);
    assert.match(log, /KeyboardInterrupt/);
    assert.match(log, /MMEngine has no handler for it/);
    assert.doesNotMatch(log, /\x1b/, 'ANSI colour codes reached the output');
    assert.match(log, / - mmengine - INFO - Epoch\(train\) +\[1\]\[1\/2\]/);
    assert.equal(run.progress.itersPerEpoch, 2);
    // the whole group (the main process and its dataloader worker) has gone
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(-pgid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        alive = false;
      }
    }
    assert.equal(alive, false, 'a process of the run outlived the stop');
    const last = fs.readFileSync(path.join(workDir, 'last_checkpoint'), 'utf8').trim();
    assert.match(last, /epoch_\d+\.pth$/);
    const report = checkpointReport(workDir, run.startedAt, (ck) =>
      renderCommandLine(buildTrainCommand(runner, { ...req, resume: ck })),
    );
    assert.match(
      report[0],
      new RegExp(`^last checkpoint on disk: ${last.replace(/[.\\/]/g, '\\$&')} \\(saved .* by this run\\)$`),
    );
    assert.match(
      report[1],
      new RegExp(
        `tools/train\\.py ${config.replace(/[.\\/]/g, '\\$&')} --work-dir \\S+ --resume ${last.replace(/[.\\/]/g, '\\$&')}$`,
      ),
    );
    console.log(
      `# real MMYOLO: first checkpoint after ${((stoppedAt - t0) / 1000).toFixed(1)} s, stopped in ${stopSeconds.toFixed(1)} s (${run.exitSignal ?? 'exit ' + run.exitCode}); ${records.length} records`,
    );
  },
);
