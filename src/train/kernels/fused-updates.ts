// The per-iteration updates of every parameter on the wasm backend, each in one kernel call
// instead of several tfjs ops per tensor: SGD's update of the parameters and momentum buffers
// (kernels.c sgd_step), the gradients' sums of squares for clip_grad (sum_squares), and
// ExpMomentumEMA's update of the averaged copy (ema_update). Each rounds every operation to
// float32 in the order the tfjs ops of optim.ts and ema.ts do, so they give the same bits.
import * as tf from '@tensorflow/tfjs';
import { ptr, sizeOf, WasmBackend } from './active';
import { kernelRuntime } from './tf-kernels';

/** Elements per task of the update (a multiple of 4: tasks stay on vectors). */
const CHUNK = 16384;

export interface SgdCoefficients {
  lr: number;
  momentum: number;
  weightDecay: number;
}

export interface SgdEntry {
  param: tf.Variable;
  grad: tf.Tensor;
  /** The momentum buffer (PyTorch's momentum_buffer). */
  buf: tf.Variable;
  /** Index into the coefficients. */
  group: number;
}

type RefCounted = WasmBackend & { refCount(id: object): number };

/** Whether the fused kernels can run on these tensors: wasm with YOLO Lab's kernels, float32. */
export function fusedUpdatesRun(tensors: tf.Tensor[]): boolean {
  return kernelRuntime() !== null && tensors.every((t) => t.dtype === 'float32');
}

/**
 * Where the kernel writes a variable's new value: in place when nothing else holds its data
 * (tfjs shares data between a tensor and its clones, e.g. an EMA's copy or a tensor saved
 * for a gradient), else into a new tensor that the variable takes afterwards.
 */
function target(backend: RefCounted, v: tf.Variable, commits: Array<() => void>): { from: number; to: number } {
  const from = ptr(backend, v);
  if (backend.refCount(v.dataId) === 1) return { from, to: from };
  const info = backend.makeOutput(v.shape, 'float32');
  commits.push(() => {
    const t = tf.engine().makeTensorFromTensorInfo(info);
    v.assign(t);
    t.dispose();
  });
  return { from, to: ptr(backend, info) };
}

/** Tasks of at most CHUNK elements of one tensor: [tensor, first element, end] each. */
function elementTasks(sizes: number[]): number[] {
  const tasks: number[] = [];
  sizes.forEach((n, i) => {
    for (let s = 0; s < n; s += CHUNK) tasks.push(i, s, Math.min(n, s + CHUNK));
  });
  return tasks;
}

/**
 * One SGD step over all entries (optim.ts's formula): g = grad * scale; g += wd * param;
 * buf = first ? g : momentum * buf + g; step = nesterov ? g + momentum * buf : buf;
 * param -= lr * step.
 */
export function fusedSgdStep(
  entries: SgdEntry[],
  groups: SgdCoefficients[],
  o: { first: boolean; nesterov: boolean; scale?: number },
): void {
  const r = kernelRuntime();
  if (!r) throw new Error('internal: fused SGD without the kernels');
  const backend = tf.backend() as unknown as RefCounted;
  const commits: Array<() => void> = [];
  const rows: number[][] = [];
  entries.forEach((e) => {
    const n = sizeOf(e.param.shape);
    if (sizeOf(e.grad.shape) !== n || sizeOf(e.buf.shape) !== n)
      throw new Error(`internal: fused SGD: shapes of ${e.param.name} differ`);
    const p = target(backend, e.param, commits);
    const b = target(backend, e.buf, commits);
    rows.push([p.from, p.to, ptr(backend, e.grad), b.from, b.to, e.group]);
  });
  const tasks = elementTasks(entries.map((e) => e.param.size));
  const ntasks = tasks.length / 3;
  const words = tasks.length + rows.length * 6 + groups.length * 3 + 1;
  const block = r.heap.malloc(words * 4);
  // Views after every allocation: a grown memory has a new buffer.
  const i32 = new Int32Array(r.memory.buffer, block, words);
  const f32 = new Float32Array(r.memory.buffer, block, words);
  i32.set(tasks, 0);
  const tensorsAt = tasks.length;
  rows.forEach((row, i) => i32.set(row, tensorsAt + 6 * i));
  const groupsAt = tensorsAt + rows.length * 6;
  groups.forEach((g, i) => f32.set([g.lr, g.momentum, g.weightDecay], groupsAt + 3 * i));
  const scaleAt = groupsAt + groups.length * 3;
  f32[scaleAt] = o.scale ?? 1;
  r.setArgs([
    r.counter,
    ntasks,
    block,
    block + 4 * tensorsAt,
    block + 4 * groupsAt,
    o.first ? 1 : 0,
    o.nesterov ? 1 : 0,
    o.scale === undefined ? 0 : block + 4 * scaleAt,
  ]);
  try {
    r.run('sgd_step', ntasks);
  } finally {
    r.heap.free(block);
  }
  for (const c of commits) c();
}

/** Each tensor's sum of squares, summed element by element in order (tfjs's Square + Sum). */
export function fusedSumSquares(tensors: tf.Tensor[]): Float32Array {
  const r = kernelRuntime();
  if (!r) throw new Error('internal: fused sum of squares without the kernels');
  const backend = tf.backend() as unknown as WasmBackend;
  const n = tensors.length;
  if (n === 0) return new Float32Array(0);
  const block = r.heap.malloc(n * 3 * 4);
  const i32 = new Int32Array(r.memory.buffer, block, 3 * n);
  tensors.forEach((t, i) => i32.set([ptr(backend, t), t.size], 2 * i));
  r.setArgs([r.counter, n, block, block + 8 * n]);
  try {
    r.run('sum_squares', n);
    return Float32Array.from(new Float32Array(r.memory.buffer, block + 8 * n, n));
  } finally {
    r.heap.free(block);
  }
}

/** avg += (src - avg) * m for every pair (ExpMomentumEMA.update, ema.ts's formula). */
export function fusedEmaUpdate(pairs: Array<{ src: tf.Tensor; avg: tf.Variable }>, m: number): void {
  const r = kernelRuntime();
  if (!r) throw new Error('internal: fused EMA without the kernels');
  if (pairs.length === 0) return;
  const backend = tf.backend() as unknown as RefCounted;
  const commits: Array<() => void> = [];
  const rows = pairs.map(({ src, avg }) => {
    if (src.size !== avg.size) throw new Error(`internal: fused EMA: sizes of ${avg.name} differ`);
    const a = target(backend, avg, commits);
    return [ptr(backend, src), a.from, a.to];
  });
  const tasks = elementTasks(pairs.map((p) => p.avg.size));
  const ntasks = tasks.length / 3;
  const words = tasks.length + rows.length * 3 + 1;
  const block = r.heap.malloc(words * 4);
  const i32 = new Int32Array(r.memory.buffer, block, words);
  i32.set(tasks, 0);
  rows.forEach((row, i) => i32.set(row, tasks.length + 3 * i));
  const mAt = words - 1;
  new Float32Array(r.memory.buffer, block, words)[mAt] = m;
  r.setArgs([r.counter, ntasks, block, block + 4 * tasks.length, block + 4 * mAt]);
  try {
    r.run('ema_update', ntasks);
  } finally {
    r.heap.free(block);
  }
  for (const c of commits) c();
}
