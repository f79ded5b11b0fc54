// Training from the editor, checked inside a real VS Code through the commands and the extension's
// API (runs, hub, status bar text, what each run's output channel shows): the built-in trainer, the
// mmyolo runner against the stand-in MMYOLO (test/client/fixtures/mmyolo-standin), Open Run…, and
// `yololab doctor` in the output when a run cannot use the backend the user picked.
// YOLOLAB_E2E_FIXTURES points at test/client/fixtures.
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TrainingRun } from '../../../client/runs/training-run';
import { Check, extensionApi, poll, ws } from './helpers';

const fixtures = () => {
  const f = process.env.YOLOLAB_E2E_FIXTURES;
  assert.ok(f, 'YOLOLAB_E2E_FIXTURES is set');
  return f;
};

// The ids of the hub's runs whose scalars.json lies under dir, once each
async function hubRunsUnder(dir: string): Promise<string[]> {
  const { hub } = await extensionApi();
  const real = fs.realpathSync(dir);
  return hub.replay().flatMap((m) => (m.type === 'run' && (m.id.includes(dir) || m.id.includes(real)) ? [m.id] : []));
}

async function recordsUnder(dir: string) {
  const { hub } = await extensionApi();
  const real = fs.realpathSync(dir);
  return hub
    .replay()
    .flatMap((m) => (m.type === 'records' && (m.id.includes(dir) || m.id.includes(real)) ? m.records : []));
}

async function withSettings<T>(values: Record<string, unknown>, fn: () => Promise<T>): Promise<T> {
  const cfg = vscode.workspace.getConfiguration('yololab');
  const before = Object.fromEntries(Object.keys(values).map((k) => [k, cfg.inspect(k)?.workspaceValue]));
  for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Workspace);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(before))
      await vscode.workspace.getConfiguration('yololab').update(k, v, vscode.ConfigurationTarget.Workspace);
  }
}

let builtinWorkDir = ''; // the first check's run, opened again by the second

export const checks: Check[] = [
  [
    'a built-in training started by command streams scalars, stops on SIGINT as "stopped", and names the checkpoint it saved',
    async () => {
      const { training } = await extensionApi();
      const workDir = (builtinWorkDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-exthost-')));
      const config = vscode.Uri.joinPath(ws(), 'configs/e2e/train_tiny.py');
      const run = await vscode.commands.executeCommand<TrainingRun>('yololab.startTraining', config, {
        prompt: false,
        workDir,
        seed: 1,
      });
      assert.ok(run, 'the command returns the run');
      const n = await poll(
        '2 loss records',
        async () => {
          const recs = await recordsUnder(workDir);
          return recs.filter((r) => 'loss' in r).length >= 2 ? recs.length : 0;
        },
        180000,
      );
      await vscode.commands.executeCommand('yololab.stopTraining', run.id);
      await poll('the run to exit', () => !run.running, 60000);
      assert.equal(run.exitCode, 0);
      assert.deepEqual(run.outcome, { kind: 'stopped', killed: false });
      assert.match(training.statusBarText, /train_tiny: stopped/);
      const out = training.outputOf(run.id).join('\n');
      assert.match(
        out,
        /\[yololab\] sending SIGINT: the built-in trainer finishes its step, saves a checkpoint and exits/,
      );
      assert.match(out, /\[yololab\] training stopped by the user/);
      const saved = /\[yololab\] last checkpoint on disk: (\S+) \(saved .* by this run\)/.exec(out);
      assert.ok(saved && fs.existsSync(saved[1]), `the checkpoint is named and exists:\n${out.slice(-1500)}`);
      assert.match(
        out,
        new RegExp(
          `\\[yololab\\] resume with: .*yololab\\.js train .*train_tiny\\.py .*--resume ${saved[1].replace(/[.\\/]/g, '\\$&')}`,
        ),
      );
      return `${n} records before stop; ${path.basename(saved[1])}; status bar: ${training.statusBarText}`;
    },
  ],
  [
    'Open Run… on the run already shown live adds no second entry',
    async () => {
      const { hub } = await extensionApi();
      const dir = builtinWorkDir;
      assert.ok(dir, 'the previous check ran a training');
      const before = await hubRunsUnder(dir);
      const records = (await recordsUnder(dir)).length;
      assert.equal(before.length, 1, `one entry before: ${before}`);
      await vscode.commands.executeCommand('yololab.openRun', vscode.Uri.file(dir));
      // through a symlink to the same folder too
      const link = path.join(os.tmpdir(), `yololab-link-${process.pid}`);
      fs.rmSync(link, { force: true });
      fs.symlinkSync(dir, link);
      await vscode.commands.executeCommand('yololab.openRun', vscode.Uri.file(link));
      await new Promise((r) => setTimeout(r, 500));
      assert.deepEqual(await hubRunsUnder(dir), before);
      assert.equal((await recordsUnder(dir)).length, records, 'no point was added twice');
      assert.equal(hub.replay().filter((m) => m.type === 'run' && m.id.includes(link)).length, 0);
      return `one entry (${records} records)`;
    },
  ],
  [
    'the mmyolo runner (the stand-in MMYOLO): MMEngine\'s log without colour codes, a Stop that is "stopped" everywhere, no promise of a checkpoint, the last one named',
    async () => {
      const { training, hub } = await extensionApi();
      const python = process.env.YOLOLAB_E2E_PYTHON ?? 'python3';
      if (spawnSync(python, ['--version']).status !== 0) return `skipped: no ${python} on PATH for the stand-in MMYOLO`;
      const root = path.join(fixtures(), 'mmyolo-standin');
      const config = vscode.Uri.joinPath(ws(), 'configs/e2e/standin_fast.py');
      fs.copyFileSync(path.join(root, 'configs/standin_fast.py'), config.fsPath);
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-exthost-mmyolo-'));
      return withSettings({ runner: 'mmyolo', python, 'mmyolo.root': root }, async () => {
        const run = await vscode.commands.executeCommand<TrainingRun>('yololab.startTraining', config, {
          prompt: false,
          workDir,
        });
        assert.ok(run, 'the command returns the run');
        await poll(
          'two epochs with a checkpoint and a validation',
          async () =>
            fs.existsSync(path.join(workDir, 'epoch_2.pth')) &&
            (await recordsUnder(workDir)).some((r) => 'pascal_voc/mAP' in r),
          60000,
        );
        await vscode.commands.executeCommand('yololab.stopTraining', run.id);
        await poll('the run to exit', () => !run.running, 30000);
        assert.equal(run.exitSignal, 'SIGINT', 'Python re-raised SIGINT');
        assert.deepEqual(run.outcome, { kind: 'stopped', killed: false });
        assert.match(training.statusBarText, /standin_fast: stopped/);
        assert.doesNotMatch(training.statusBarText, /failed/);
        const [id] = await hubRunsUnder(workDir);
        assert.ok(
          hub.replay().some((m) => m.type === 'runEnded' && m.id === id && m.outcome === 'stopped'),
          'the metrics view says stopped',
        );
        const out = training.outputOf(run.id);
        const text = out.join('\n');
        assert.ok(!text.includes('\x1b'), 'no ANSI escape reached the output channel');
        assert.match(text, / - mmengine - INFO - Epoch\(train\)  \[1\]\[1\/4\]/);
        assert.match(
          text,
          /\[yololab\] sending SIGINT: MMEngine has no handler for it, so tools\/train\.py stops at once with a KeyboardInterrupt and saves nothing/,
        );
        assert.doesNotMatch(text, /saves a checkpoint/);
        assert.match(text, /KeyboardInterrupt/);
        assert.match(text, /\[yololab\] training stopped by the user \(the process ended by SIGINT\)/);
        const last = fs.readFileSync(path.join(workDir, 'last_checkpoint'), 'utf8').trim();
        assert.ok(
          out.some((l) => l.startsWith(`[yololab] last checkpoint on disk: ${last} (saved `)),
          `names ${last}:\n${out.slice(-8).join('\n')}`,
        );
        assert.ok(
          out.some(
            (l) =>
              l ===
              `[yololab] resume with: ${python} tools/train.py ${config.fsPath} --work-dir ${workDir} --resume ${last}`,
          ),
          out.slice(-3).join('\n'),
        );
        return `${path.basename(last)}; status bar: ${training.statusBarText}`;
      });
    },
  ],
  [
    'a run that cannot use the backend the user picked shows `yololab doctor` in its output',
    async () => {
      const { training } = await extensionApi();
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-exthost-backend-'));
      const config = vscode.Uri.joinPath(ws(), 'configs/e2e/train_tiny.py');
      const run = await vscode.commands.executeCommand<TrainingRun>('yololab.startTraining', config, {
        prompt: false,
        workDir,
        backend: 'tensorflow',
      });
      assert.ok(run, 'the command returns the run');
      await poll('the run to end', () => !run.running, 120000);
      if (run.outcome?.kind === 'stopped' || run.exitCode === 0) return 'skipped: @tensorflow/tfjs-node loads here';
      assert.equal(run.outcome?.kind, 'failed');
      const out = await poll(
        'the doctor report',
        () => {
          const o = training.outputOf(run.id);
          return o.includes('[yololab] yololab doctor says:') ? o : undefined;
        },
        60000,
      );
      assert.match(
        out.join('\n'),
        /\[yololab\] you asked for the 'tensorflow' backend and this run cannot use it: backend 'tensorflow' is not usable: /,
      );
      const from = out.indexOf('[yololab] yololab doctor says:') + 1;
      let to = from;
      while (to < out.length && out[to].startsWith('    ')) to++;
      const report = out.slice(from, to).map((l) => l.slice(4));
      assert.ok(
        report.some((l) => l.trim()),
        `the report is not empty:\n${out.slice(from - 1).join('\n')}`,
      );
      return `${report.length} lines: ${report.slice(0, 3).join(' | ')}`;
    },
  ],
  [
    'a config the trainer rejects ends the run with its one-line error, and a bad work dir is refused',
    async () => {
      const broken = vscode.Uri.joinPath(ws(), 'configs/e2e/broken_missing_base.py');
      fs.writeFileSync(broken.fsPath, "_base_ = '../nowhere/missing.py'\n");
      const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-broken-'));
      const run = await vscode.commands.executeCommand<TrainingRun>('yololab.startTraining', broken, {
        prompt: false,
        workDir,
      });
      await poll('the failed run to exit', () => !run.running, 60000);
      assert.equal(run.exitCode, 1);
      assert.deepEqual(run.outcome, { kind: 'failed', code: 1, signal: null });
      const why = run.failureLine() ?? '';
      assert.match(why, /broken_missing_base\.py:1:\d+: error: .*missing\.py/);
      // a file where the work dir should be: refused with a message, no exception out of the command
      const file = path.join(workDir, 'not-a-dir');
      fs.writeFileSync(file, '');
      const none = await vscode.commands.executeCommand('yololab.startTraining', broken, {
        prompt: false,
        workDir: path.join(file, 'sub'),
      });
      assert.equal(none, undefined);
      return `exit ${run.exitCode}: ${why}`;
    },
  ],
  [
    'Open Run reads a run in real MMYOLO format',
    async () => {
      const { hub } = await extensionApi();
      await vscode.commands.executeCommand('yololab.openRun', vscode.Uri.file(path.join(fixtures(), 'work_dirs')));
      const recs = await poll('the MMYOLO run in the hub', () => {
        const m = hub.replay().find((x) => x.type === 'records' && x.id.includes('20230115_093012'));
        return m && m.type === 'records' ? m.records : undefined;
      });
      assert.equal(recs.length, 82);
      return `${recs.length} records`;
    },
  ],
];
