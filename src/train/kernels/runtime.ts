// Loads YOLO Lab's kernel module (yololab-kernels.wasm, built from kernels.c) into the main
// thread and into worker threads, all on tfjs's shared wasm memory, and runs a kernel on all
// of them at once: the host writes the kernel's argument struct into memory, wakes the
// workers, runs the kernel itself and waits. Inside, threads take tasks from an atomic
// counter; a worker that wakes late finds no tasks left and the host does not wait for it.
import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** Kernels that run on all threads (argument struct pointer, thread id). */
export const parallelKernels = [
  'pack_weights',
  'pack_weights_t',
  'conv_forward',
  'conv_input_grad',
  'conv_filter_grad',
  'reduce_partials',
  'bn_apply',
  'bn_backward_sums',
  'bn_backward_apply',
  'column_sums',
  'copy_channels',
  'upsample2x',
  'upsample2x_grad',
  'maxpool_same',
  'maxpool_same_grad',
  'elementwise',
  'winograd_weights',
  'conv3x3_winograd',
  'conv_stats',
  'winograd_filter_grad',
  'winograd_filter_out',
  'sgd_step',
  'sum_squares',
  'ema_update',
] as const;
export type ParallelKernel = (typeof parallelKernels)[number];

export const WASM_FILE = 'yololab-kernels.wasm';
const STACK_BYTES = 64 * 1024;
/** Per-thread scratch (indirection tables, tail copies); kernels.ts sizes chunks to fit. */
export const SCRATCH_BYTES = 512 * 1024;

/** Where the committed module is: next to the bundle (dist/) or in the source tree. */
export function findKernelWasm(): string | null {
  const candidates = [
    join(__dirname, WASM_FILE),
    join(__dirname, 'kernels', WASM_FILE),
    join(__dirname, '..', 'src', 'train', 'kernels', WASM_FILE),
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

export interface Heap {
  malloc(bytes: number): number;
  free(ptr: number): void;
}

// Control block words.
const JOB = 0; // generation << 8 | closed (0x80) | workers joined (low 7 bits)
const FN = 1;
const ARGS = 2;
const DONE = 3;
const ERROR = 4;
const QUIT = 5;
const CONTROL_WORDS = 16;

// The worker: waits for a new generation, joins the job unless the host closed it, runs
// the kernel, reports. Spins briefly first: kernels come back to back within a step.
const workerSource = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, tid, stack, names, spin } = workerData;
const instance = new WebAssembly.Instance(module, { env: { memory } });
instance.exports.__stack_pointer.value = stack;
const fns = names.map((n) => instance.exports[n]);
const ctl = new Int32Array(memory.buffer, control, ${CONTROL_WORDS});
let seen = Atomics.load(ctl, ${JOB}) >>> 8;
for (;;) {
  let s, spins = 0;
  while (((s = Atomics.load(ctl, ${JOB})) >>> 8) === seen) {
    if (++spins > spin) { Atomics.wait(ctl, ${JOB}, s, 1000); spins = 0; }
  }
  seen = s >>> 8;
  if (Atomics.load(ctl, ${QUIT})) break;
  let joined = false;
  for (;;) {
    const cur = Atomics.load(ctl, ${JOB});
    if (cur >>> 8 !== seen || cur & 0x80) break;
    if (Atomics.compareExchange(ctl, ${JOB}, cur, cur + 1) === cur) { joined = true; break; }
  }
  if (!joined) continue;
  try {
    fns[Atomics.load(ctl, ${FN})](Atomics.load(ctl, ${ARGS}), tid);
  } catch (e) {
    Atomics.store(ctl, ${ERROR}, tid);
  }
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
}
`;

export class KernelRuntime {
  readonly exports: Record<string, any>;
  readonly threads: number;
  private workers: Worker[] = [];
  private ctl: Int32Array;
  private control: number;
  private generation = 0;
  private fnIndex = new Map<string, number>();
  /** The argument struct of the next parallel kernel (256 words) and its task counter. */
  readonly args: number;
  readonly counter: number;
  /** Per-thread scratch: scratch + tid * SCRATCH_BYTES. */
  readonly scratch: number;
  private argsView: Int32Array;
  private zeroPtr = 0;
  private zeroFloats = 0;
  /** Milliseconds per kernel name while profiling (bench/train.ts). */
  profile: Map<string, number> | null = null;

  private constructor(
    readonly memory: WebAssembly.Memory,
    readonly heap: Heap,
    module: WebAssembly.Module,
    threads: number,
  ) {
    const instance = new WebAssembly.Instance(module, { env: { memory } });
    this.exports = instance.exports as Record<string, any>;
    const stacks = heap.malloc(STACK_BYTES * threads);
    this.exports.__stack_pointer.value = stacks + STACK_BYTES;
    this.control = heap.malloc(CONTROL_WORDS * 4 + 256 * 4 + 64);
    this.ctl = new Int32Array(memory.buffer, this.control, CONTROL_WORDS);
    this.ctl.fill(0);
    this.args = this.control + CONTROL_WORDS * 4;
    this.counter = this.args + 256 * 4;
    // Views made once: a shared memory's buffer is never detached, growing or not.
    this.argsView = new Int32Array(memory.buffer, this.args, 256 + 1);
    this.scratch = heap.malloc(SCRATCH_BYTES * threads);
    parallelKernels.forEach((n, i) => this.fnIndex.set(n, i));
    // A short spin before sleeping: kernels come back to back within a step, and a longer
    // spin would take the core from the loader threads and other processes.
    const spin = 2000;
    for (let tid = 1; tid < threads; tid++) {
      const w = new Worker(workerSource, {
        eval: true,
        workerData: {
          module,
          memory,
          control: this.control,
          tid,
          stack: stacks + STACK_BYTES * (tid + 1),
          names: [...parallelKernels],
          spin,
        },
      });
      w.unref(); // an idle pool never keeps the process alive
      this.workers.push(w);
    }
    this.threads = threads;
  }

  /** Instantiates the module on `memory`; `threads` counts the calling thread. */
  static start(memory: WebAssembly.Memory, heap: Heap, threads = defaultThreads()): KernelRuntime {
    const file = findKernelWasm();
    if (!file) throw new Error(`${WASM_FILE} not found next to ${__dirname}`);
    const module = new WebAssembly.Module(readFileSync(file));
    return new KernelRuntime(memory, heap, module, Math.max(1, Math.floor(threads)));
  }

  /** A buffer of at least `floats` zeros (for padding taps), valid until the next call. */
  zeros(floats: number): number {
    if (floats > this.zeroFloats) {
      if (this.zeroPtr) this.heap.free(this.zeroPtr);
      this.zeroFloats = Math.max(floats, 1024);
      this.zeroPtr = this.heap.malloc(this.zeroFloats * 4);
      new Float32Array(this.memory.buffer, this.zeroPtr, this.zeroFloats).fill(0);
    }
    return this.zeroPtr;
  }

  /** Writes the argument struct (32-bit words) of the next kernel; word 0 is the counter. */
  setArgs(words: number[]): number {
    if (words.length > 256) throw new Error('internal: kernel argument struct too long');
    const view = this.argsView;
    for (let i = 0; i < words.length; i++) view[i] = words[i];
    return this.args;
  }

  /** Runs a parallel kernel over `tasks` tasks with the arguments set by setArgs. */
  run(kernel: ParallelKernel, tasks: number): void {
    const t0 = this.profile ? performance.now() : 0;
    this.argsView[256] = 0; // the task counter follows the argument struct
    const fn = this.exports[kernel];
    if (this.workers.length === 0 || tasks < 2) {
      fn(this.args, 0);
    } else {
      const ctl = this.ctl;
      ctl[FN] = this.fnIndex.get(kernel)!;
      ctl[ARGS] = this.args;
      ctl[DONE] = 0;
      ctl[ERROR] = 0;
      this.generation = (this.generation + 1) & 0xffffff;
      Atomics.store(ctl, JOB, this.generation << 8);
      Atomics.notify(ctl, JOB);
      let failure: unknown = null;
      try {
        fn(this.args, 0);
      } catch (e) {
        failure = e;
      }
      // Close the job: workers that have not joined yet will not.
      let joined: number;
      for (;;) {
        const cur = Atomics.load(ctl, JOB);
        if (Atomics.compareExchange(ctl, JOB, cur, cur | 0x80) === cur) {
          joined = cur & 0x7f;
          break;
        }
      }
      for (let spins = 0, done; (done = Atomics.load(ctl, DONE)) < joined;)
        if (++spins > 2000) Atomics.wait(ctl, DONE, done, 1000);
      if (failure) throw failure;
      if (ctl[ERROR]) throw new Error(`kernel ${kernel} failed in worker thread ${ctl[ERROR]}`);
    }
    if (this.profile) this.profile.set(kernel, (this.profile.get(kernel) ?? 0) + performance.now() - t0);
  }

  /** Stops the worker threads. */
  async close(): Promise<void> {
    Atomics.store(this.ctl, QUIT, 1);
    this.generation = (this.generation + 1) & 0xffffff;
    Atomics.store(this.ctl, JOB, this.generation << 8);
    Atomics.notify(this.ctl, JOB);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers = [];
  }
}

/** Compute threads: YOLOLAB_THREADS, else every core the process may use. */
export function defaultThreads(): number {
  const env = Number(process.env.YOLOLAB_THREADS);
  return Number.isInteger(env) && env >= 1 ? env : availableParallelism();
}
