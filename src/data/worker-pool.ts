// A pool of worker threads that load samples of one dataset (see load-worker.ts). Only
// datasets made by buildDataset can be loaded in workers: the worker rebuilds them from
// the same config. Workers are ref'd only while they have requests, so an idle pool never
// keeps the process alive.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors';
import { DataError } from './errors';
import type { DetSample } from './types';
import type { DecoderChoice } from './image-decoder';

export interface WorkerInit {
  cfg: unknown;
  cwd: string;
  strict: boolean;
  /** The main thread's image decoder choice (image-decoder.ts), so workers decode alike. */
  decoder?: DecoderChoice;
}
export interface WorkerRequest {
  id: number;
  index: number;
  seed: number;
  epoch: number;
}
export type WorkerReply =
  | { id: number; sample: DetSample | null; skipped?: string; error?: undefined; warning?: undefined }
  | { id: number; error: { name: string; message: string; where?: string }; sample?: undefined; warning?: undefined }
  | { warning: string; id?: undefined; sample?: undefined; error?: undefined };

/**
 * The worker script: the bundled dist/data-worker.js next to dist/cli.js, or (running from
 * source under tsx, as the tests do) a bootstrap that registers tsx's require hook and
 * loads the TypeScript entry.
 */
function workerScript(): { code: string; eval: boolean } | null {
  const bundled = join(__dirname, 'data-worker.js');
  if (existsSync(bundled)) return { code: bundled, eval: false };
  const source = join(__dirname, 'load-worker.ts');
  if (__filename.endsWith('.ts') && existsSync(source)) {
    try {
      const tsx = require.resolve('tsx/cjs');
      return { code: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, eval: true };
    } catch {
      return null;
    }
  }
  return null;
}

/** What the pool reports besides samples: warnings, and why a sample came back null. */
export interface PoolEvents {
  warning(msg: string): void;
  skipped(index: number, reason: string): void;
}

export class WorkerPool {
  private workers: { w: Worker; pending: number }[] = [];
  private waiting = new Map<
    number,
    { resolve: (s: DetSample | null) => void; reject: (e: Error) => void; worker: number; index: number }
  >();
  private nextId = 0;
  private failed: Error | null = null;

  private constructor(
    init: WorkerInit,
    n: number,
    script: { code: string; eval: boolean },
    private events: PoolEvents,
  ) {
    for (let k = 0; k < n; k++) {
      const w = new Worker(script.code, { workerData: init, eval: script.eval });
      w.unref();
      w.on('message', (msg: WorkerReply) => this.onMessage(k, msg));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`data worker exited with code ${code}`));
      });
      this.workers.push({ w, pending: 0 });
    }
    WorkerPool.open.add(this);
  }

  /** Pools not closed yet, in this process (a run closes every pool it opened). */
  static get openPools(): number {
    return WorkerPool.open.size;
  }
  private static open = new Set<WorkerPool>();

  /** A pool, or null when workers cannot be used here (no worker script found). */
  static create(init: WorkerInit, n: number, events: PoolEvents): WorkerPool | null {
    const script = workerScript();
    // Said out loud: a package that forgot dist/data-worker.js must not load data slowly in silence
    if (!script && n > 0)
      process.emitWarning(
        `no loader worker script (${join(__dirname, 'data-worker.js')}): ${n} loader worker thread${n > 1 ? 's' : ''} asked for, loading on the main thread instead`,
        'YololabWarning',
      );
    return script && n > 0 ? new WorkerPool(init, n, script, events) : null;
  }

  private fail(e: Error): void {
    this.failed ??= e;
    for (const [, p] of this.waiting) p.reject(e);
    this.waiting.clear();
  }

  private onMessage(k: number, msg: WorkerReply): void {
    if (msg.warning !== undefined) {
      this.events.warning(msg.warning);
      return;
    }
    const p = this.waiting.get(msg.id!);
    if (!p) return;
    this.waiting.delete(msg.id!);
    const slot = this.workers[k];
    if (--slot.pending === 0) slot.w.unref();
    if (msg.error) {
      const { name, message, where } = msg.error;
      p.reject(
        name === 'DataError'
          ? new DataError(message)
          : name === 'ConfigError'
            ? new ConfigError(message, where)
            : new Error(message),
      );
    } else {
      if (msg.skipped !== undefined) this.events.skipped(p.index, msg.skipped);
      else WorkerPool.decoded++;
      p.resolve(msg.sample ?? null);
    }
  }

  /** Samples that worker threads of this process decoded so far (the run log reports them). */
  static get samplesDecoded(): number {
    return WorkerPool.decoded;
  }
  private static decoded = 0;

  load(index: number, seed: number, epoch: number): Promise<DetSample | null> {
    if (this.failed) return Promise.reject(this.failed);
    // Least busy worker; ties go to the lowest index.
    let k = 0;
    for (let i = 1; i < this.workers.length; i++) if (this.workers[i].pending < this.workers[k].pending) k = i;
    const slot = this.workers[k];
    if (slot.pending++ === 0) slot.w.ref();
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject, worker: k, index });
      slot.w.postMessage({ id, index, seed, epoch } satisfies WorkerRequest);
    });
  }

  async close(): Promise<void> {
    // Idle workers are unref'd, and a terminating worker holds the event loop no longer:
    // keep the loop alive until they are gone, or the process exits inside `await close()`
    // and the caller's code after it never runs. Give up waiting after 5 s.
    const keepAlive = setInterval(() => undefined, 1000);
    try {
      await Promise.race([
        Promise.all(this.workers.map((s) => s.w.terminate())),
        new Promise((r) => setTimeout(r, 5000)),
      ]);
    } finally {
      clearInterval(keepAlive);
    }
    this.workers = [];
    WorkerPool.open.delete(this);
  }
}
