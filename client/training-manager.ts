// Training from the editor: Start (quick picks: work dir, AMP, seed, backend), Stop (SIGINT then kill),
// Open Run…; one child process, output channel and metrics series per run; a status bar item for the
// latest active run. Runs outlive the panels; deactivating the extension stops them cleanly.
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import * as vscode from 'vscode';
import { buildTrainCommand, renderCommandLine, Runner, RunnerSetupError, TrainRequest } from './runs/command-line';
import { formatProgress, statusText } from './runs/progress';
import { RunFollower } from './runs/run-follower';
import { RunLocation, runKey, runsUnder } from './runs/run-dirs';
import { outcomeLogLine, outcomeText } from './runs/outcome';
import { checkpointReport, lastCheckpointOnDisk, savedByRun } from './runs/checkpoints';
import { BackendWatch, runDoctor } from './runs/backend-check';
import { RunChannel } from './run-channel';
import { TrainingRun } from './runs/training-run';
import { MetricsHub } from './runs/metrics-hub';
import { MetricsPanel } from './metrics-panel';
import { readSettings, resolveSettingPath, YololabSettings } from './settings';
import { configName } from './config-detect';

export interface StartOptions {
  workDir?: string;
  amp?: boolean;
  seed?: number | null; // null: the config's own seed
  backend?: string | null;
  prompt?: boolean; // false: take the options as given, ask nothing (automation, tests)
}

const BACKENDS = [
  { label: 'auto', description: 'the trainer picks the best available (tfjs-node-gpu, tfjs-node, wasm)' },
  { label: 'wasm', description: 'TensorFlow.js WebAssembly (SIMD), ships with npm' },
  { label: 'cpu', description: 'TensorFlow.js plain JavaScript (slow; reference)' },
  { label: 'tensorflow', description: '@tensorflow/tfjs-node(-gpu) when installed' },
];

export class TrainingManager implements vscode.Disposable {
  private runs = new Map<number, { run: TrainingRun; channel: RunChannel; hubId: string }>();
  private opened = new Map<string, RunFollower>(); // runs opened from disk, still followed in case they grow
  private status: vscode.StatusBarItem;
  private lastActive: number | undefined;
  private lastConfig: vscode.TextDocument | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly hub: MetricsHub,
    private readonly panel: () => MetricsPanel,
  ) {
    this.status = vscode.window.createStatusBarItem('yololab.training', vscode.StatusBarAlignment.Left, 50);
    this.status.name = 'YOLO Lab training';
    this.status.command = 'yololab.showMetrics';
    this.lastConfig = pythonFile(vscode.window.activeTextEditor?.document);
    this.editorWatch = vscode.window.onDidChangeActiveTextEditor((e) => {
      const doc = pythonFile(e?.document);
      if (doc) this.lastConfig = doc;
    });
  }

  private editorWatch: vscode.Disposable;

  // What the user sees of a run: its output channel's last lines, and the status bar (for the tests)
  outputOf(runId: number): string[] {
    return this.runs.get(runId)?.channel.tail() ?? [];
  }

  get statusBarText(): string {
    return this.status.text;
  }

  get activeRuns(): TrainingRun[] {
    return [...this.runs.values()].map((r) => r.run).filter((r) => r.running);
  }

  settings(): YololabSettings {
    const c = vscode.workspace.getConfiguration('yololab');
    return readSettings((k) => c.get(k));
  }

  async start(target?: vscode.Uri, opts: StartOptions = {}): Promise<TrainingRun | undefined> {
    if (!vscode.workspace.isTrusted) {
      void vscode.window.showErrorMessage(
        'YOLO Lab: training runs the code in your config; trust this workspace first (Workspaces: Manage Workspace Trust).',
      );
      return;
    }
    // With the metrics panel focused there is no active text editor: use the config last edited
    const doc = target
      ? await vscode.workspace.openTextDocument(target)
      : (pythonFile(vscode.window.activeTextEditor?.document) ?? this.lastConfig);
    if (!doc || doc.uri.scheme !== 'file' || !doc.fileName.endsWith('.py')) {
      void vscode.window.showErrorMessage(
        'YOLO Lab: open a config (.py) to train, or run the command from a config file’s context menu.',
      );
      return;
    }
    if (doc.isDirty) await doc.save();
    const config = doc.uri.fsPath;
    const s = this.settings();
    const wsFolder = vscode.workspace.getWorkspaceFolder(doc.uri)?.uri.fsPath ?? path.dirname(config);
    const defaultWorkDir = path.join(resolveSettingPath(s.workDirRoot, wsFolder, os.homedir()), configName(config));

    const req =
      opts.prompt === false
        ? fromOptions(config, defaultWorkDir, opts)
        : await this.ask(config, defaultWorkDir, s, opts);
    if (!req) return;

    let runner: Runner;
    let env: NodeJS.ProcessEnv | undefined;
    if (s.runner === 'builtin') {
      // In desktop VS Code process.execPath is Electron; ELECTRON_RUN_AS_NODE makes it a plain node
      runner = {
        kind: 'builtin',
        node: process.execPath,
        cli: this.context.asAbsolutePath(path.join('bin', 'yololab.js')),
        cwd: wsFolder,
      };
      if (process.versions.electron) env = { ELECTRON_RUN_AS_NODE: '1' };
      // A user-installed tfjs-node(-gpu) for the trainer to find (src/train/native-backend.ts).
      const tfjsNodePath = vscode.workspace.getConfiguration('yololab', doc.uri).get<string>('tfjsNodePath', '');
      if (tfjsNodePath)
        env = { ...env, YOLOLAB_TFJS_NODE_PATH: resolveSettingPath(tfjsNodePath, wsFolder, os.homedir()) };
    } else {
      runner = {
        kind: 'mmyolo',
        // a bare name ('python3') is looked up on PATH; a path may be relative to the workspace
        python: /[\\/~$]/.test(s.python) ? resolveSettingPath(s.python, wsFolder, os.homedir()) : s.python,
        root: s.mmyolo.root ? resolveSettingPath(s.mmyolo.root, wsFolder, os.homedir()) : '',
        gpus: s.mmyolo.gpus,
        launcher: s.mmyolo.launcher,
        partition: s.mmyolo.partition,
        masterPort: s.mmyolo.launcher !== 'slurm' && s.mmyolo.gpus > 1 ? await freePort() : undefined,
      };
    }
    let cmd;
    try {
      cmd = buildTrainCommand(runner, req);
    } catch (e) {
      if (e instanceof RunnerSetupError) {
        void vscode.window.showErrorMessage(`YOLO Lab: ${e.message}`);
        return;
      }
      throw e;
    }
    const name = configName(config);
    const channel = new RunChannel(`YOLO Lab: ${name} #${this.runs.size + 1}`);
    let hubId = '';
    let runRef: TrainingRun | undefined;
    let run: TrainingRun;
    const backendWatch = new BackendWatch(runner.kind === 'builtin' ? req.backend : undefined);
    const resumeCommand = (ckpt: string) => renderCommandLine(buildTrainCommand(runner, { ...req, resume: ckpt }));
    try {
      run = new TrainingRun(
        name,
        cmd,
        req.workDir,
        {
          output: (t) => {
            channel.append(t);
            for (const line of t.split('\n')) {
              const why = backendWatch.feed(line);
              if (why && runner.kind === 'builtin') void this.showDoctor(channel, req.backend!, why, runner, env);
            }
          },
          progress: (p) => {
            if (runRef) this.showStatus(runRef);
            if (hubId)
              this.hub.setProgress(hubId, {
                epoch: p.epoch,
                maxEpochs: p.maxEpochs,
                itersPerEpoch: p.itersPerEpoch,
                eta: p.eta,
              });
          },
          records: (loc: RunLocation, read) => {
            // The same key as Open Run… gives this scalars.json, so opening the live run adds nothing
            const key = runKey(loc.scalarsFile);
            if (hubId !== key) {
              hubId = key;
              this.hub.addRun(hubId, path.basename(loc.workDir) === name ? loc.label : `${loc.label} (${name})`, true);
            }
            this.hub.addRecords(hubId, read.records, read.reset);
            for (const p of read.problems) channel.appendLine(`[yololab] ${p}`);
            const entry = runRef && this.runs.get(runRef.id);
            if (entry) entry.hubId = hubId;
          },
          exit: (code, signal, outcome) => {
            channel.appendLine(`[yololab] ${outcomeLogLine(outcome, code, signal)}`);
            if (outcome.kind !== 'done')
              for (const l of checkpointReport(req.workDir, runRef?.startedAt ?? new Date(), resumeCommand))
                channel.appendLine(`[yololab] ${l}`);
            if (hubId) this.hub.endRun(hubId, outcomeText(outcome));
            if (runRef) this.showStatus(runRef);
            if (outcome.kind === 'failed') {
              const why = runRef?.failureLine();
              void vscode.window
                .showErrorMessage(
                  `YOLO Lab: training ${name} ${outcomeText(outcome)}${why ? ': ' + why : '; see its output'}`,
                  'Show Output',
                )
                .then((a) => a && channel.show());
            }
          },
        },
        { env, graceMs: s.stopGraceSeconds * 1000 },
      );
    } catch (e) {
      // e.g. the work dir cannot be created
      channel.dispose();
      void vscode.window.showErrorMessage(
        `YOLO Lab: cannot start training ${name}: ${e instanceof Error ? e.message : String(e)}`,
      );
      return;
    }
    runRef = run;
    this.runs.set(run.id, { run, channel, hubId });
    channel.show(true);
    this.showStatus(run);
    this.panel().show(true);
    return run;
  }

  async stop(runId?: number): Promise<void> {
    const active = this.activeRuns;
    if (!active.length) {
      void vscode.window.showInformationMessage('YOLO Lab: no training is running.');
      return;
    }
    let chosen = active.find((r) => r.id === runId);
    if (!chosen && active.length === 1) chosen = active[0];
    if (!chosen) {
      const pick = await vscode.window.showQuickPick(
        active.map((r) => ({ label: r.name, description: `#${r.id} · ${formatProgress(r.progress)}`, run: r })),
        { title: 'Stop which training?' },
      );
      chosen = pick?.run;
    }
    if (!chosen) return;
    const outcome = await chosen.stop();
    const ckpt = lastCheckpointOnDisk(chosen.workDir);
    const saved =
      ckpt && savedByRun(ckpt, chosen.startedAt)
        ? `last checkpoint ${path.basename(ckpt.file)}`
        : 'this run saved no checkpoint';
    void vscode.window.showInformationMessage(
      outcome === 'killed'
        ? `YOLO Lab: ${chosen.name} did not stop in time and was killed; ${saved}.`
        : `YOLO Lab: ${chosen.name} stopped; ${saved}.`,
    );
  }

  // The user picked a backend and the run is not on it: say why, with what `yololab doctor` finds here.
  private async showDoctor(
    channel: RunChannel,
    requested: string,
    why: string,
    runner: Runner & { kind: 'builtin' },
    env: NodeJS.ProcessEnv | undefined,
  ): Promise<void> {
    channel.appendLine(`[yololab] you asked for the '${requested}' backend and this run cannot use it: ${why}`);
    const report = await runDoctor(runner.node, runner.cli, { env, cwd: runner.cwd });
    // header and report in one piece: the run's own last lines may arrive while doctor runs
    channel.append(['[yololab] yololab doctor says:', ...report.split('\n').map((l) => `    ${l}`)].join('\n') + '\n');
    channel.show(true);
  }

  async openRun(picked?: vscode.Uri): Promise<void> {
    let folder = picked;
    if (!folder) {
      const s = this.settings();
      const ws = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
      const root = ws ? resolveSettingPath(s.workDirRoot, ws, os.homedir()) : undefined;
      const found = root ? runsUnder(root, 2) : [];
      const browse = {
        label: '$(folder-opened) Browse…',
        description: 'a work_dir, TIMESTAMP folder or scalars.json (MMYOLO runs too)',
        run: undefined as RunLocation | undefined,
      };
      const items = [
        browse,
        ...found.reverse().map((r) => ({ label: r.label, description: r.workDir, run: r as RunLocation | undefined })),
      ];
      const choice = await vscode.window.showQuickPick(items, {
        title: 'Open Run…',
        placeHolder: root ? `runs under ${root}` : undefined,
      });
      if (!choice) return;
      if (choice.run) {
        this.followOpened([choice.run]);
        return;
      }
      const uris = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: true,
        canSelectMany: false,
        openLabel: 'Open Run',
      });
      folder = uris?.[0];
      if (!folder) return;
    }
    const runs = runsUnder(folder.fsPath, 2);
    if (!runs.length) {
      void vscode.window.showErrorMessage(
        `YOLO Lab: no run found in ${folder.fsPath} (expected WORK_DIR/TIMESTAMP/vis_data/scalars.json).`,
      );
      return;
    }
    this.followOpened(runs);
  }

  private followOpened(runs: RunLocation[]): void {
    for (const run of runs) {
      const id = runKey(run.scalarsFile);
      // already shown: a live run of this session, or opened before
      if (this.hub.has(id)) continue;
      this.hub.addRun(id, run.label, false);
      const f = new RunFollower(
        { kind: 'fixed', run },
        (_loc, read) => this.hub.addRecords(id, read.records, read.reset),
        { safetyMs: 10000 },
      );
      f.start();
      this.opened.set(id, f);
    }
    this.panel().show();
  }

  private showStatus(run: TrainingRun): void {
    if (run.running) this.lastActive = run.id;
    const shown = this.runs.get(this.lastActive ?? run.id)?.run ?? run;
    const others = this.activeRuns.length - (shown.running ? 1 : 0);
    this.status.text = statusText(shown) + (others > 0 ? ` (+${others})` : '');
    this.status.tooltip = `YOLO Lab training ${shown.name} (pid ${shown.pid ?? '?'})${shown.outcome ? `: ${outcomeText(shown.outcome)}` : ''}\nClick to show the metrics.`;
    this.status.show();
  }

  // VS Code is closing: give each run a short grace, it must not outlive the editor.
  async stopAll(graceMs: number): Promise<void> {
    await Promise.all(this.activeRuns.map((r) => r.stop(graceMs)));
  }

  // The extension host is exiting without deactivate() (a server shutdown, a crash): there is no time
  // left to wait, but a synchronous Ctrl-C still lets the built-in trainer save a checkpoint and exit
  // (MMEngine's tools/train.py stops at once either way).
  interruptAllNow(): void {
    for (const r of this.activeRuns) r.interruptNow();
  }

  dispose(): void {
    this.editorWatch.dispose();
    for (const f of this.opened.values()) f.dispose();
    this.status.dispose();
    for (const { channel } of this.runs.values()) channel.dispose();
  }

  private async ask(
    config: string,
    defaultWorkDir: string,
    s: YololabSettings,
    opts: StartOptions,
  ): Promise<TrainRequest | undefined> {
    const title = (n: number, total: number) => `Start Training ${configName(config)} (${n}/${total})`;
    const total = s.runner === 'builtin' ? 4 : 3;
    const wdPick = await vscode.window.showQuickPick(
      [
        { label: opts.workDir ?? defaultWorkDir, description: 'work dir', value: 'default' },
        { label: '$(folder) Choose another folder…', value: 'browse' },
      ],
      { title: title(1, total), placeHolder: 'Where the run writes checkpoints and vis_data/scalars.json' },
    );
    if (!wdPick) return;
    let workDir = opts.workDir ?? defaultWorkDir;
    if (wdPick.value === 'browse') {
      const uris = await vscode.window.showOpenDialog({
        canSelectFolders: true,
        canSelectFiles: false,
        openLabel: 'Use as work dir',
      });
      if (!uris?.[0]) return;
      workDir = uris[0].fsPath;
    }
    const ampPick = await vscode.window.showQuickPick(
      [
        { label: 'AMP off', description: 'fp32', amp: false },
        { label: 'AMP on', description: 'mixed precision with dynamic loss scaling', amp: true },
      ].sort((a, b) => (a.amp === !!opts.amp ? -1 : b.amp === !!opts.amp ? 1 : 0)),
      { title: title(2, total) },
    );
    if (!ampPick) return;
    const seedPick = await vscode.window.showQuickPick(
      [
        { label: "the config's seed", description: 'randomness.seed as written', seed: null as number | null },
        { label: '0', seed: 0 },
        { label: '42', seed: 42 },
        { label: '$(edit) Other…', seed: -1 },
      ],
      { title: title(3, total), placeHolder: 'Random seed (same seed + backend = identical run)' },
    );
    if (!seedPick) return;
    let seed = seedPick.seed;
    if (seed === -1) {
      const typed = await vscode.window.showInputBox({
        title: title(3, total),
        prompt: 'Seed (a non-negative integer)',
        validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'a non-negative integer, e.g. 1234'),
      });
      if (typed === undefined) return;
      seed = Number(typed.trim());
    }
    let backend: string | undefined;
    if (s.runner === 'builtin') {
      const b = await vscode.window.showQuickPick(BACKENDS, {
        title: title(4, total),
        placeHolder: 'TensorFlow.js backend',
      });
      if (!b) return;
      backend = b.label === 'auto' ? undefined : b.label;
    }
    return { config, workDir, amp: ampPick.amp, seed: seed ?? undefined, backend };
  }
}

function pythonFile(doc: vscode.TextDocument | undefined): vscode.TextDocument | undefined {
  return doc && doc.uri.scheme === 'file' && doc.fileName.endsWith('.py') && !doc.isClosed ? doc : undefined;
}

function fromOptions(config: string, defaultWorkDir: string, o: StartOptions): TrainRequest {
  return {
    config,
    workDir: o.workDir ?? defaultWorkDir,
    amp: !!o.amp,
    seed: o.seed ?? undefined,
    backend: o.backend ?? undefined,
  };
}

// torchrun's default rendezvous port would collide between two runs on one machine
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', () => resolve(29500 + Math.floor(Math.random() * 1000)));
  });
}
