// Follows one run's scalars.json while it is written. Change notifications come from fs.watch on the
// few paths involved (work dir, run dir, vis_data, the file), coalesced by a short debounce; a slow
// safety re-check covers file systems whose writers inotify cannot see (NFS on a Slurm cluster).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { newestRunSince, RunLocation } from './run-dirs';
import { ScalarsTail, TailRead } from './scalars-tail';

export type FollowTarget =
  | { kind: 'live'; workDir: string; startedAt: Date } // a process we started: pick up its TIMESTAMP folder
  | { kind: 'fixed'; run: RunLocation }; // a run the user opened

export interface FollowerOptions {
  debounceMs?: number;
  safetyMs?: number; // 0 disables the safety re-check
}

export type FollowerListener = (run: RunLocation, read: TailRead) => void;

export class RunFollower {
  private run: RunLocation | undefined;
  private tail: ScalarsTail | undefined;
  private watchers = new Map<string, fs.FSWatcher>();
  private timer: NodeJS.Timeout | undefined;
  private safety: NodeJS.Timeout | undefined;
  private disposed = false;
  checks = 0; // how many times the files were actually read: lets tests pin "no polling storm"

  constructor(
    private readonly target: FollowTarget,
    private readonly listener: FollowerListener,
    private readonly opts: FollowerOptions = {},
  ) {
    if (target.kind === 'fixed') this.switchTo(target.run);
  }

  get current(): RunLocation | undefined {
    return this.run;
  }

  start(): void {
    this.check();
    const safetyMs = this.opts.safetyMs ?? 5000;
    if (safetyMs > 0) {
      this.safety = setInterval(() => this.check(), safetyMs);
      this.safety.unref();
    }
  }

  // Reads what changed now (also called once more when a process exits, to get its last lines).
  check(): void {
    if (this.disposed) return;
    this.checks++;
    if (this.target.kind === 'live') {
      const newest = newestRunSince(this.target.workDir, this.target.startedAt);
      if (newest && newest.timestamp !== this.run?.timestamp) {
        this.switchTo(newest);
        this.listener(newest, { records: [], reset: true, problems: [] });
      }
    }
    if (this.run && this.tail) {
      const read = this.tail.read();
      if (read.records.length || read.reset || read.problems.length) this.listener(this.run, read);
      // A file bigger than one read: the rest soon, in turns with the editor, not in one long block
      if (!this.tail.caughtUp) this.schedule();
    }
    this.updateWatches();
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.safety) clearInterval(this.safety);
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private switchTo(run: RunLocation): void {
    this.run = run;
    this.tail = new ScalarsTail(run.scalarsFile);
  }

  private schedule = (): void => {
    if (this.disposed || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.check();
    }, this.opts.debounceMs ?? 150);
  };

  private updateWatches(): void {
    const want = new Set<string>();
    if (this.target.kind === 'live') want.add(this.target.workDir);
    if (this.run) {
      const runDir = path.join(this.run.workDir, this.run.timestamp);
      want.add(runDir);
      want.add(path.join(runDir, 'vis_data'));
      want.add(this.run.scalarsFile);
    }
    for (const [p, w] of this.watchers) {
      if (!want.has(p)) {
        w.close();
        this.watchers.delete(p);
      }
    }
    for (const p of want) {
      if (this.watchers.has(p)) continue;
      try {
        const w = fs.watch(p, { persistent: false }, this.schedule);
        // A watched folder or file that disappears errors out: forget it, the next check re-adds it
        w.on('error', () => {
          w.close();
          this.watchers.delete(p);
        });
        this.watchers.set(p, w);
      } catch {
        // not there yet
      }
    }
  }
}
