// One training run as a child process: spawns its command line in its own process group, streams its
// log line by line, follows its scalars.json, keeps its progress, and stops it with escalation.
// No vscode import: the extension wires these callbacks to an output channel, the status bar and the webview.
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import { stripVTControlCharacters } from 'node:util';
import { CommandLine, renderCommandLine } from './command-line';
import { Progress, progressFromLogLine, progressFromRecord } from './progress';
import { RunFollower } from './run-follower';
import { RunLocation } from './run-dirs';
import { signalGroup, stopProcess, StopOutcome } from './stop';
import { TailRead } from './scalars-tail';
import { RunOutcome, runOutcome } from './outcome';

/** Characters of output kept while waiting for the end of a line. */
const MAX_UNFINISHED_LINE = 64 * 1024;
export interface TrainingRunEvents {
  output(text: string): void; // log text, newline-terminated lines
  progress(p: Progress): void;
  records(run: RunLocation, read: TailRead): void;
  exit(code: number | null, signal: NodeJS.Signals | null, outcome: RunOutcome): void;
}

export interface TrainingRunOptions {
  env?: NodeJS.ProcessEnv;
  graceMs?: number; // how long Stop waits after SIGINT before killing
  followDebounceMs?: number;
  followSafetyMs?: number;
}

let nextId = 1;

export class TrainingRun {
  readonly id = nextId++;
  readonly startedAt = new Date();
  progress: Progress = {};
  exitCode: number | null | undefined; // undefined while running; 128 + n when ended by signal n, as a shell reports it
  exitSignal: NodeJS.Signals | null = null;
  outcome: RunOutcome | undefined; // undefined while running
  stopping = false; // the user asked it to stop (Stop, or the editor closing)
  private killed = false;
  private child: ChildProcess;
  private follower: RunFollower;
  private exited: Promise<void>;
  private partial = { stdout: '', stderr: '' };
  readonly recentLines: string[] = []; // the last lines of its log, for a failure message

  // The line that best says why a failed run failed: the last one naming an error, else the last one.
  failureLine(): string | undefined {
    const lines = this.recentLines.filter((l) => !l.startsWith('[yololab]'));
    return [...lines].reverse().find((l) => /\berror\b|Error:|Traceback|exception/i.test(l)) ?? lines[lines.length - 1];
  }

  private remember(text: string): void {
    for (const l of text.split('\n')) if (l.trim()) this.recentLines.push(l.trim());
    if (this.recentLines.length > 40) this.recentLines.splice(0, this.recentLines.length - 40);
  }

  constructor(
    readonly name: string,
    readonly commandLine: CommandLine,
    readonly workDir: string,
    private readonly events: TrainingRunEvents,
    private readonly opts: TrainingRunOptions = {},
  ) {
    // The work dir exists before the trainer starts so its TIMESTAMP folder can be watched for
    fs.mkdirSync(workDir, { recursive: true });
    this.follower = new RunFollower(
      { kind: 'live', workDir, startedAt: this.startedAt },
      (run, read) => {
        for (const r of read.records) this.progress = progressFromRecord(this.progress, r);
        events.records(run, read);
        if (read.records.length) events.progress(this.progress);
      },
      { debounceMs: opts.followDebounceMs, safetyMs: opts.followSafetyMs },
    );
    events.output(`$ ${renderCommandLine(commandLine)}\n  (in ${commandLine.cwd})\n`);
    this.child = spawn(commandLine.command, commandLine.args, {
      cwd: commandLine.cwd,
      env: { ...process.env, ...opts.env, PYTHONUNBUFFERED: '1' },
      detached: process.platform !== 'win32', // own process group: a stop reaches torchrun/srun children too
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err: NodeJS.ErrnoException) => {
        const hint = err.code === 'ENOENT' ? ` (is '${commandLine.command}' installed and on PATH?)` : '';
        events.output(`cannot start ${commandLine.command}: ${err.message}${hint}\n`);
        this.finish(127, null, resolve);
      });
      this.child.on('close', (code, signal) => this.finish(code, signal, resolve));
    });
    for (const stream of ['stdout', 'stderr'] as const) {
      this.child[stream]?.setEncoding('utf8');
      this.child[stream]?.on('data', (d: string) => this.onData(stream, d));
    }
    this.follower.start();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  get run(): RunLocation | undefined {
    return this.follower.current;
  }

  whenExited(): Promise<void> {
    return this.exited;
  }

  async stop(graceMs = this.opts.graceMs ?? 15000): Promise<StopOutcome> {
    if (!this.running) return 'already-exited';
    this.stopping = true;
    return stopProcess(
      { pid: this.child.pid, exited: this.exited, hasExited: () => !this.running },
      this.commandLine.stopStyle,
      graceMs,
      undefined,
      (step) => {
        if (step.signal === 'SIGKILL') this.killed = true;
        // the second SIGINT of a slurm stop needs no second notice
        if (step.signal === 'SIGKILL')
          this.events.output(
            `[yololab] still running after ${Math.round(graceMs / 1000)} s: killing it (nothing more is saved)\n`,
          );
        else if (step.afterMs === 0) this.events.output(`[yololab] ${this.commandLine.stopNotice}\n`);
      },
    );
  }

  // Fire-and-forget SIGINT to the run's process group, for when nothing can be awaited any more.
  interruptNow(): void {
    if (this.running && this.child.pid !== undefined) {
      this.stopping = true;
      signalGroup(this.child.pid, 'SIGINT');
    }
  }

  private onData(stream: 'stdout' | 'stderr', chunk: string): void {
    const text = this.partial[stream] + chunk;
    const cut = text.lastIndexOf('\n');
    // The unfinished line is kept as it came, escapes and all: an escape cut between chunks (ESC[4 | m)
    // is only whole, and so only strippable, once the next chunk arrives
    this.partial[stream] = text.slice(cut + 1);
    if (cut === -1) {
      // A process that never ends a line (a '\r'-only progress bar) would grow the kept text
      // without end: past MAX_UNFINISHED_LINE it is shown as a line of its own.
      if (text.length <= MAX_UNFINISHED_LINE) return;
      this.partial[stream] = '';
      return this.onData(stream, text + '\n');
    }
    // MMEngine's logger colours its level names (ESC[4mESC[37mINFO ESC[0m): an output channel shows
    // those escapes as boxes, and they would split the words the progress parser looks for
    const complete = stripVTControlCharacters(text.slice(0, cut + 1));
    this.events.output(complete);
    this.remember(complete);
    let p = this.progress;
    for (const line of complete.split('\n')) p = progressFromLogLine(p, line);
    if (p !== this.progress) {
      this.progress = p;
      this.events.progress(p);
    }
  }

  private finish(code: number | null, signal: NodeJS.Signals | null, resolve: () => void): void {
    if (this.exitCode !== undefined) return;
    for (const stream of ['stdout', 'stderr'] as const) {
      const last = stripVTControlCharacters(this.partial[stream]);
      if (last) {
        this.events.output(last + '\n');
        this.remember(last);
      }
      this.partial[stream] = '';
    }
    this.follower.check(); // the last lines written before exit
    this.follower.dispose();
    this.exitCode = code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1);
    this.exitSignal = signal;
    this.outcome = runOutcome(code, signal, { requested: this.stopping, killed: this.killed });
    this.events.exit(code, signal, this.outcome);
    resolve();
  }
}
