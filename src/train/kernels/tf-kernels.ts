// YOLO Lab's kernels as TensorFlow.js kernels of the 'wasm' backend (so tf.profile sees
// them and tfjs owns every tensor), and the differentiable ops the layers use on that
// backend: convolution (+ bias), convolution + batch norm + SiLU in training mode,
// channel concat/split and 2x upsampling. The argument structs mirror kernels.c.
import * as tf from '@tensorflow/tfjs';
import { KernelRuntime, SCRATCH_BYTES } from './runtime';
import { prepareSharedWasm, sharedWasmMemory } from './shared-memory';

const MR = 4; // kernels.c tile rows
const NR = 8; // kernels.c tile columns
/** kernels.c PACKED: filter gradients with fewer input channels work on copied patches. */
const usesPatches = (ci: number) => ci < 8;

type Info = tf.TensorInfo;
interface WasmBackend {
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): Info;
  wasm: { _malloc(n: number): number; _free(p: number): void };
}

let runtime: KernelRuntime | null = null;
let whyNot = 'not started';

/** The running kernel runtime, or null when the layers use tfjs's own ops. */
export function kernelRuntime(): KernelRuntime | null {
  return runtime && tf.getBackend() === 'wasm' ? runtime : null;
}

/** Call before tfjs's wasm backend starts (backend.ts): its memory must be shared. */
export function prepareKernels(): void {
  prepareSharedWasm();
}

/**
 * Starts the kernels on the running wasm backend with `threads` threads (the calling one
 * included; default YOLOLAB_THREADS or every core). YOLOLAB_KERNELS=0 leaves them off.
 * Returns null on success, else why they do not run: the layers then use tfjs's own ops.
 */
export function startKernels(threads?: number): string | null {
  if (runtime) return null;
  whyNot = tryStart(threads) ?? '';
  return whyNot || null;
}

function tryStart(threads?: number): string | null {
  if (process.env.YOLOLAB_KERNELS === '0') return 'off (YOLOLAB_KERNELS=0)';
  if (tf.getBackend() !== 'wasm') return 'the wasm backend is not active';
  const memory = sharedWasmMemory();
  if (!memory) return 'tfjs-backend-wasm was started before its memory could be made shared';
  const backend = tf.backend() as unknown as WasmBackend;
  try {
    runtime = KernelRuntime.start(memory, { malloc: (n) => backend.wasm._malloc(n), free: (p) => backend.wasm._free(p) }, threads);
  } catch (e) {
    return (e as Error).message;
  }
  registerAll();
  return null;
}

/** What the run log says about the wasm backend. */
export function kernelsLabel(): string {
  if (runtime) return `wasm (tfjs-backend-wasm + YOLO Lab kernels, ${runtime.threads} thread${runtime.threads > 1 ? 's' : ''})`;
  return `wasm (tfjs-backend-wasm, XNNPACK, single thread; YOLO Lab kernels ${whyNot.startsWith('off') ? whyNot : `not used: ${whyNot}`})`;
}

/** Stops the worker threads (tests; a process may simply exit). */
export async function stopKernels(): Promise<void> {
  const r = runtime;
  runtime = null;
  await r?.close();
}

function rt(): KernelRuntime {
  if (!runtime) throw new Error('internal: YOLO Lab kernels are not started');
  return runtime;
}

const ptr = (backend: WasmBackend, t: Info) => backend.dataIdMap.get(t.dataId).memoryOffset;

// ---------------------------------------------------------------------------------------
// Convolution geometry and argument structs (kernels.c conv_args).

interface Geometry {
  n: number;
  h: number;
  w: number;
  ci: number;
  ho: number;
  wo: number;
  co: number;
  kh: number;
  kw: number;
  stride: number;
  pad: number;
}

function geometry(xShape: number[], wShape: number[], stride: number, pad: number): Geometry {
  const [n, h, w, ci] = xShape;
  const [kh, kw, wci, co] = wShape;
  if (wci !== ci) throw new Error(`conv: input has ${ci} channels, the kernel expects ${wci}`);
  const ho = Math.floor((h + 2 * pad - kh) / stride) + 1;
  const wo = Math.floor((w + 2 * pad - kw) / stride) + 1;
  return { n, h, w, ci, ho, wo, co, kh, kw, stride, pad };
}

/** Rows per task of the forward and input-gradient GEMMs: a multiple of the tile height,
 * at most 96, about 16 tasks for small problems. Depends on the shape only, so results do
 * not depend on the thread count. */
function gemmChunk(rows: number): number {
  return Math.max(MR, Math.min(96, Math.ceil(rows / 16 / MR) * MR));
}

interface ConvWords {
  ntasks: number;
  chunk: number;
  x: number;
  wp: number;
  y: number;
  bias?: number;
  stats?: number;
  epi?: number;
  scale?: number;
  shift?: number;
  dy?: number;
  partial?: number;
}

function convArgs(r: KernelRuntime, g: Geometry, o: ConvWords): number {
  const zero = r.zeros(Math.max(g.ci, g.co) + NR);
  return r.setArgs([
    r.counter, o.ntasks, o.chunk, o.x, o.wp, o.y, o.bias ?? 0, zero, r.scratch, SCRATCH_BYTES,
    g.n, g.h, g.w, g.ci, g.ho, g.wo, g.co, g.kh, g.kw, g.stride, g.pad, g.pad,
    o.stats ?? 0, o.epi ?? 0, o.scale ?? 0, o.shift ?? 0, o.dy ?? 0, o.partial ?? 0,
  ]);
}

function checkScratch(bytes: number, what: string): void {
  if (bytes > SCRATCH_BYTES) throw new Error(`internal: ${what} needs ${bytes} bytes of scratch`);
}

/** Packs the HWIO kernel for the forward GEMM; returns the malloc'd panels. */
function packWeights(r: KernelRuntime, g: Geometry, w: number, transposed: boolean): number {
  const taps = g.kh * g.kw;
  const panels = Math.ceil((transposed ? g.ci : g.co) / NR);
  const packed = r.heap.malloc(panels * taps * (transposed ? g.co : g.ci) * NR * 4);
  convArgs(r, g, { ntasks: panels, chunk: 0, x: w, wp: packed, y: 0 });
  r.run(transposed ? 'pack_weights_t' : 'pack_weights', panels);
  return packed;
}

/** y = conv(x, w) with an epilogue: + bias, or * scale + shift (+ SiLU). With stats, also
 * writes the per-task batch statistics partials. */
function convForward(backend: WasmBackend, x: Info, w: Info, g: Geometry, y: Info, epi: { bias?: Info; scale?: Info; shift?: Info; act?: boolean }, statsPartial?: number): number {
  const r = rt();
  const rows = g.n * g.ho * g.wo;
  const chunk = gemmChunk(rows);
  const ntasks = Math.ceil(rows / chunk);
  const taps = g.kh * g.kw;
  checkScratch((chunk * taps + taps) * 4, 'conv_forward');
  const packed = packWeights(r, g, ptr(backend, w), false);
  convArgs(r, g, {
    ntasks,
    chunk,
    x: ptr(backend, x),
    wp: packed,
    y: ptr(backend, y),
    bias: epi.bias ? ptr(backend, epi.bias) : 0,
    epi: epi.scale ? (epi.act ? 2 : 1) : 0,
    scale: epi.scale ? ptr(backend, epi.scale) : 0,
    shift: epi.shift ? ptr(backend, epi.shift) : 0,
    stats: statsPartial ?? 0,
  });
  r.run('conv_forward', ntasks);
  r.heap.free(packed);
  return ntasks;
}

/** Sums `parts` partial arrays of `len` floats (in order) into out. */
function reducePartials(r: KernelRuntime, partial: number, parts: number, len: number, out: number): void {
  const ntasks = Math.ceil(len / 1024);
  r.setArgs([r.counter, ntasks, parts, len, partial, out]);
  r.run('reduce_partials', ntasks);
}

/** Rows per task of the elementwise kernels: about 16k floats. */
function rowChunk(rows: number, width: number): number {
  return Math.max(1, Math.min(rows, Math.ceil(16384 / Math.max(1, width))));
}

// ---------------------------------------------------------------------------------------
// Registered kernels.

const K = {
  conv: 'YoloConv2D',
  convStats: 'YoloConv2DBatchStats',
  bnApply: 'YoloBatchNormApply',
  bnGrad: 'YoloBatchNormGrad',
  convInputGrad: 'YoloConv2DBackpropInput',
  convFilterGrad: 'YoloConv2DBackpropFilter',
  columnSums: 'YoloColumnSums',
  upsample: 'YoloUpsample2x',
  upsampleGrad: 'YoloUpsample2xGrad',
  maxPool: 'YoloMaxPoolSame',
  maxPoolGrad: 'YoloMaxPoolSameGrad',
} as const;

/** Names of the registered kernels (the bench lists them among tfjs's). */
export const kernelNames: string[] = Object.values(K);

type KernelArgs = { inputs: Record<string, Info>; backend: unknown; attrs: Record<string, any> };

function reg(kernelName: string, fn: (backend: WasmBackend, inputs: Record<string, Info>, attrs: Record<string, any>) => Info | Info[]): void {
  tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: ((a: KernelArgs) => fn(a.backend as WasmBackend, a.inputs, a.attrs)) as unknown as tf.KernelFunc });
}

let registered = false;

function registerAll(): void {
  if (registered) return;
  registered = true;

  reg(K.conv, (backend, { x, w, bias, scale, shift }, { stride, pad, act }) => {
    const g = geometry(x.shape, w.shape, stride, pad);
    const y = backend.makeOutput([g.n, g.ho, g.wo, g.co], 'float32');
    convForward(backend, x, w, g, y, { bias, scale, shift, act: !!act });
    return y;
  });

  // Forward conv with the batch's statistics: [y, stats] with stats [5][co] = mean, biased
  // variance, rstd, gamma*rstd, beta - mean*gamma*rstd; with the running averages as inputs
  // (runMean, runVar; attrs momentum, varFactor), also their updated values.
  reg(K.convStats, (backend, { x, w, gamma, beta, runMean, runVar }, { stride, pad, eps, momentum, varFactor }) => {
    const r = rt();
    const g = geometry(x.shape, w.shape, stride, pad);
    const y = backend.makeOutput([g.n, g.ho, g.wo, g.co], 'float32');
    const rows = g.n * g.ho * g.wo;
    const chunk = gemmChunk(rows);
    const ntasks = Math.ceil(rows / chunk);
    const partial = r.heap.malloc(ntasks * 2 * g.co * 4);
    convForward(backend, x, w, g, y, {}, partial);
    const stats = backend.makeOutput([5, g.co], 'float32');
    const running = runMean ? [backend.makeOutput([g.co], 'float32'), backend.makeOutput([g.co], 'float32')] : [];
    r.exports.bn_finalize(
      partial, ntasks, chunk, rows, g.co, ptr(backend, gamma), ptr(backend, beta), eps, ptr(backend, stats),
      runMean ? ptr(backend, runMean) : 0, runVar ? ptr(backend, runVar) : 0, momentum ?? 0, varFactor ?? 0,
      running.length ? ptr(backend, running[0]) : 0, running.length ? ptr(backend, running[1]) : 0,
    );
    r.heap.free(partial);
    return [y, stats, ...running];
  });

  reg(K.bnApply, (backend, { y, stats }, { act }) => {
    const r = rt();
    const co = y.shape[y.shape.length - 1];
    const rows = sizeOf(y.shape) / co;
    const out = backend.makeOutput(y.shape, 'float32');
    const chunk = rowChunk(rows, co);
    const ntasks = Math.ceil(rows / chunk);
    r.setArgs([r.counter, ntasks, chunk, rows, co, act ? 1 : 0, ptr(backend, y), ptr(backend, out), ptr(backend, stats), 0, 0, 0, 0]);
    r.run('bn_apply', ntasks);
    return out;
  });

  // [gradient of the conv output, sums [2][co] = (d beta, d gamma)]
  reg(K.bnGrad, (backend, { dout, y, stats, gamma }, { act }) => {
    const r = rt();
    const co = y.shape[y.shape.length - 1];
    const rows = sizeOf(y.shape) / co;
    const dy = backend.makeOutput(y.shape, 'float32');
    const sums = backend.makeOutput([2, co], 'float32');
    // Pass 1 walks a task's rows channel group by channel group: a task's three arrays
    // (dout, y, dz) stay in L1 (24 KiB).
    const chunk = Math.max(1, Math.ceil(2048 / co));
    const ntasks = Math.ceil(rows / chunk);
    const partial = r.heap.malloc(ntasks * 2 * co * 4);
    const words = [r.counter, ntasks, chunk, rows, co, act ? 1 : 0, ptr(backend, y), ptr(backend, dy), ptr(backend, stats), ptr(backend, dout), partial, ptr(backend, gamma), ptr(backend, sums)];
    r.setArgs(words);
    r.run('bn_backward_sums', ntasks);
    r.exports.bn_sums_finalize(partial, ntasks, co, ptr(backend, sums));
    r.heap.free(partial);
    r.setArgs(words);
    r.run('bn_backward_apply', ntasks);
    return [dy, sums];
  });

  reg(K.convInputGrad, (backend, { dy, w }, { stride, pad, inShape }) => {
    const r = rt();
    const g = geometry(inShape, w.shape, stride, pad);
    const dx = backend.makeOutput(inShape, 'float32');
    const taps = g.kh * g.kw;
    let ntasks = 0;
    let chunk = MR;
    const s = g.stride;
    const classRows: number[] = [];
    for (let cls = 0; cls < s * s; cls++) {
      const py = Math.floor(cls / s);
      const px = cls % s;
      const ny = py < g.h ? Math.ceil((g.h - py) / s) : 0;
      const nx = px < g.w ? Math.ceil((g.w - px) / s) : 0;
      classRows.push(g.n * ny * nx);
    }
    chunk = gemmChunk(Math.max(...classRows));
    for (const rows of classRows) ntasks += Math.ceil(rows / chunk);
    checkScratch((chunk * taps + taps + chunk + taps) * 4, 'conv_input_grad');
    // Pixels of a class that no tap reaches (a 1x1 kernel with stride 2) keep zeros.
    if (g.kh < s || g.kw < s) new Float32Array(r.memory.buffer, ptr(backend, dx), sizeOf(inShape)).fill(0);
    const packed = packWeights(r, g, ptr(backend, w), true);
    convArgs(r, g, { ntasks, chunk, x: ptr(backend, dy), wp: packed, y: ptr(backend, dx) });
    r.run('conv_input_grad', ntasks);
    r.heap.free(packed);
    return dx;
  });

  reg(K.convFilterGrad, (backend, { x, dy }, { stride, pad, kh, kw }) => {
    const r = rt();
    const ci = x.shape[3];
    const co = dy.shape[3];
    const g = geometry(x.shape, [kh, kw, ci, co], stride, pad);
    const rows = g.n * g.ho * g.wo;
    const taps = kh * kw;
    // Tasks: row chunks x taps (one "tap" of patches when packed), at least 16 tasks where
    // rows allow (>= 64 rows a chunk).
    const gt = usesPatches(ci) ? 1 : taps;
    const nchunks = Math.max(1, Math.min(Math.ceil(16 / gt), Math.floor(rows / 64)));
    const chunk = Math.ceil(rows / nchunks);
    const len = taps * ci * co;
    // Partials get slack: a tile reloads whole vectors past its last row and column.
    const partial = r.heap.malloc((nchunks * len + MR * co + NR) * 4);
    convArgs(r, g, { ntasks: nchunks * gt, chunk, x: ptr(backend, x), wp: 0, y: 0, dy: ptr(backend, dy), partial });
    r.run('conv_filter_grad', nchunks * gt);
    const dw = backend.makeOutput([kh, kw, ci, co], 'float32');
    reducePartials(r, partial, nchunks, len, ptr(backend, dw));
    r.heap.free(partial);
    return dw;
  });

  reg(K.columnSums, (backend, { dy }) => {
    const r = rt();
    const co = dy.shape[dy.shape.length - 1];
    const rows = sizeOf(dy.shape) / co;
    const chunk = Math.max(rowChunk(rows, co), Math.ceil(rows / 256));
    const ntasks = Math.ceil(rows / chunk);
    const partial = r.heap.malloc(ntasks * co * 4);
    r.setArgs([r.counter, ntasks, chunk, rows, co, 0, 0, 0, 0, ptr(backend, dy), partial, 0, 0]);
    r.run('column_sums', ntasks);
    const out = backend.makeOutput([co], 'float32');
    reducePartials(r, partial, ntasks, co, ptr(backend, out));
    r.heap.free(partial);
    return out;
  });

  overrideDataMovement();
  overrideElementwise();

  const upsample = (grad: boolean) => (backend: WasmBackend, { x }: Record<string, Info>) => {
    const r = rt();
    const [n, hh, ww, c] = x.shape;
    const [h, w] = grad ? [hh / 2, ww / 2] : [hh, ww];
    const out = backend.makeOutput(grad ? [n, h, w, c] : [n, h * 2, w * 2, c], 'float32');
    const chunk = rowChunk(n * h, 4 * w * c);
    const ntasks = Math.ceil((n * h) / chunk);
    r.setArgs([r.counter, ntasks, chunk, n, h, w, c, ptr(backend, x), ptr(backend, out)]);
    r.run(grad ? 'upsample2x_grad' : 'upsample2x', ntasks);
    return out;
  };
  reg(K.upsample, upsample(false));

  // [max-pooled x, window offset of each maximum (int32)]
  reg(K.maxPool, (backend, { x }, { k }) => {
    const r = rt();
    const [n, h, w, c] = x.shape;
    const out = backend.makeOutput(x.shape, 'float32');
    const arg = backend.makeOutput(x.shape, 'int32' as 'float32');
    const chunk = rowChunk(n * h, w * c * k);
    const ntasks = Math.ceil((n * h) / chunk);
    r.setArgs([r.counter, ntasks, chunk, n, h, w, c, k, ptr(backend, x), ptr(backend, out), ptr(backend, arg)]);
    r.run('maxpool_same', ntasks);
    return [out, arg];
  });
  reg(K.maxPoolGrad, (backend, { dy, arg }, { k }) => {
    const r = rt();
    const [n, h, w, c] = dy.shape;
    const dx = backend.makeOutput(dy.shape, 'float32');
    const chunk = rowChunk(n * h, w * c * k);
    const ntasks = Math.ceil((n * h) / chunk);
    r.setArgs([r.counter, ntasks, chunk, n, h, w, c, k, ptr(backend, dy), ptr(backend, dx), ptr(backend, arg)]);
    r.run('maxpool_same_grad', ntasks);
    return dx;
  });
  reg(K.upsampleGrad, upsample(true));

  tf.registerGradient({ kernelName: K.upsample, gradFunc: ((dy: tf.Tensor) => ({ x: () => tf.engine().runKernel(K.upsampleGrad, { x: dy }, {}) as tf.Tensor })) as unknown as tf.GradFunc });
}

/**
 * tfjs's own Concat and SplitV on wasm copy in JavaScript, one typed-array call per pixel
 * and input on a channel concat; they are replaced by the threaded copy kernel for 4-byte
 * types (float32, int32: copied bit for bit) and kept for the rest. Their gradients stay
 * tfjs's (a split, a concat).
 */
function overrideDataMovement(): void {
  // tfjs clones every tensor it saves for a gradient; the wasm backend's Identity copies the
  // data for that, where sharing it (as the cpu backend and Reshape do) is enough: tfjs never
  // writes into a tensor's memory after the kernel that made it.
  const stockIdentity = tf.getKernel('Identity', 'wasm')!;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: { x: Info }; backend: WasmBackend & { incRef(id: object): void } }) => {
      const { x } = args.inputs;
      if (!runtime || x.dtype === 'string') return stockIdentity.kernelFunc(args as any);
      args.backend.incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    }) as unknown as tf.KernelFunc,
  });
  const stockConcat = tf.getKernel('Concat', 'wasm')!;
  const stockSplit = tf.getKernel('SplitV', 'wasm')!;
  tf.unregisterKernel('Concat', 'wasm');
  tf.unregisterKernel('SplitV', 'wasm');
  tf.registerKernel({
    kernelName: 'Concat',
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: Info[] | Record<string, Info>; backend: WasmBackend; attrs: { axis: number | number[] } }) => {
      const all = Object.values(args.inputs) as Info[];
      const xs = all.filter((t) => sizeOf(t.shape) > 0);
      if (!runtime || xs.length < 2 || xs.some((t) => t.dtype !== 'float32' && t.dtype !== 'int32') || new Set(xs.map((t) => t.dtype)).size > 1)
        return stockConcat.kernelFunc(args as any);
      const rank = xs[0].shape.length;
      const axisRaw = Array.isArray(args.attrs.axis) ? args.attrs.axis[0] : args.attrs.axis;
      const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
      const shape = xs[0].shape.slice();
      shape[axis] = xs.reduce((s, t) => s + t.shape[axis], 0);
      const out = args.backend.makeOutput(shape, xs[0].dtype as 'float32');
      const rows = sizeOf(shape.slice(0, axis));
      const width = sizeOf(shape.slice(axis));
      let off = 0;
      copyChannels(
        rows,
        width,
        xs.map((t) => {
          const c = sizeOf(t.shape.slice(axis));
          const spec = { src: ptr(args.backend, t), dst: ptr(args.backend, out), srcStride: c, srcOff: 0, dstStride: width, dstOff: off, width: c };
          off += c;
          return spec;
        }),
      );
      return out;
    }) as unknown as tf.KernelFunc,
  });
  tf.registerKernel({
    kernelName: 'SplitV',
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: { x: Info }; backend: WasmBackend; attrs: { numOrSizeSplits: number | number[]; axis: number | number[] } }) => {
      const { x } = args.inputs;
      if (!runtime || (x.dtype !== 'float32' && x.dtype !== 'int32') || sizeOf(x.shape) === 0) return stockSplit.kernelFunc(args as any);
      const rank = x.shape.length;
      const axisRaw = Array.isArray(args.attrs.axis) ? args.attrs.axis[0] : args.attrs.axis;
      const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
      const n = args.attrs.numOrSizeSplits;
      let sizes = Array.isArray(n) ? n.slice() : new Array(n).fill(x.shape[axis] / n);
      const free = sizes.indexOf(-1);
      if (free >= 0) sizes[free] = x.shape[axis] - sizes.reduce((s, v, i) => (i === free ? s : s + v), 0);
      sizes = sizes.map(Number);
      const rows = sizeOf(x.shape.slice(0, axis));
      const inner = sizeOf(x.shape.slice(axis + 1));
      const width = x.shape[axis] * inner;
      let off = 0;
      const outs = sizes.map((c) => {
        const shape = x.shape.slice();
        shape[axis] = c;
        return args.backend.makeOutput(shape, x.dtype as 'float32');
      });
      copyChannels(
        rows,
        width,
        outs.map((o, i) => {
          const c = sizes[i] * inner;
          const spec = { src: ptr(args.backend, x), dst: ptr(args.backend, o), srcStride: width, srcOff: off, dstStride: c, dstOff: 0, width: c };
          off += c;
          return spec;
        }),
      );
      return outs;
    }) as unknown as tf.KernelFunc,
  });
}

/** Elementwise ops the kernel computes (kernels.c OP_*), by tfjs kernel name. */
const elementwiseOps: Record<string, number> = { Add: 0, Sub: 1, Multiply: 2, RealDiv: 3, Maximum: 4, Minimum: 5, Exp: 6, Sigmoid: 7, Softplus: 8 };
/** Below this many elements tfjs's own kernel is faster than waking the threads. */
const ELEMENTWISE_MIN = 16384;

/** The period of an operand broadcast to `out` by repeating it (its shape, left-padded with
 * 1s, equals the trailing dimensions of out), or 0 when it broadcasts otherwise. */
function periodOf(shape: number[], out: number[]): number {
  const padded = [...new Array(out.length - shape.length).fill(1), ...shape];
  let i = 0;
  while (i < padded.length && padded[i] === 1 && out[i] !== 1) i++;
  for (let j = i; j < padded.length; j++) if (padded[j] !== out[j]) return 0;
  return sizeOf(out.slice(i));
}

/**
 * tfjs-backend-wasm's elementwise kernels run on one thread (and exp, softplus without
 * SIMD); for large float32 tensors whose operands repeat along leading dimensions, the
 * threaded kernel replaces them. Anything else goes to tfjs's own kernel. Gradients stay
 * tfjs's.
 */
function overrideElementwise(): void {
  for (const [name, op] of Object.entries(elementwiseOps)) {
    const stock = tf.getKernel(name, 'wasm')!;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      kernelName: name,
      backendName: 'wasm',
      kernelFunc: ((args: { inputs: Record<string, Info>; backend: WasmBackend; attrs: Record<string, unknown> }) => {
        const { a, b, x } = args.inputs;
        const operands = x ? [x] : [a, b];
        if (!runtime || operands.some((t) => t.dtype !== 'float32')) return stock.kernelFunc(args as any);
        const outShape = x ? x.shape : tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const n = sizeOf(outShape);
        const periods = operands.map((t) => periodOf(t.shape, outShape));
        if (n < ELEMENTWISE_MIN || periods.some((p) => p === 0)) return stock.kernelFunc(args as any);
        const r = rt();
        const out = args.backend.makeOutput(outShape, 'float32');
        // A short period that is not a multiple of 4 (an image's 3 channels) is repeated up to
        // one that is, so the kernel stays on vectors.
        const temps: number[] = [];
        const ptrs = operands.map((t, i) => {
          const p = periods[i];
          if (p === n || p === 1 || p % 4 === 0 || p > 1024) return ptr(args.backend, t);
          const q = p * (p % 2 ? 4 : 2);
          const tmp = r.heap.malloc(q * 4);
          const view = new Float32Array(r.memory.buffer, tmp, q);
          const src = new Float32Array(r.memory.buffer, ptr(args.backend, t), p);
          for (let j = 0; j < q; j++) view[j] = src[j % p];
          periods[i] = q;
          temps.push(tmp);
          return tmp;
        });
        const chunk = 16384; // a multiple of 4: each task starts on a vector of both operands
        const ntasks = Math.ceil(n / chunk);
        r.setArgs([r.counter, ntasks, chunk, n, op, ptrs[0], ptrs[1] ?? 0, ptr(args.backend, out), periods[0], periods[1] ?? n]);
        r.run('elementwise', ntasks);
        for (const t of temps) r.heap.free(t);
        return out;
      }) as unknown as tf.KernelFunc,
    });
  }
}

function copyChannels(rows: number, width: number, specs: Array<{ src: number; dst: number; srcStride: number; srcOff: number; dstStride: number; dstOff: number; width: number }>): void {
  const r = rt();
  const table = r.heap.malloc(specs.length * 7 * 4);
  const words = new Int32Array(r.memory.buffer, table, specs.length * 7);
  specs.forEach((s, i) => words.set([s.src, s.dst, s.srcStride, s.srcOff, s.dstStride, s.dstOff, s.width], i * 7));
  const chunk = rowChunk(rows, width);
  const ntasks = Math.ceil(rows / chunk);
  r.setArgs([r.counter, ntasks, chunk, rows, specs.length, table]);
  r.run('copy_channels', ntasks);
  r.heap.free(table);
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

// ---------------------------------------------------------------------------------------
// Differentiable ops.

const constants = new WeakSet<tf.Tensor>();
/** Marks a tensor that needs no gradient (the input images): convolutions skip its gradient. */
export function markConstant<T extends tf.Tensor>(t: T): T {
  constants.add(t);
  return t;
}

/** conv(x, w) + bias, NHWC/HWIO, symmetric zero padding; gradients for x, w and bias. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number, bias?: tf.Tensor1D): tf.Tensor4D {
  const skipX = constants.has(x);
  const attrs = { stride, pad, act: 0 };
  const run = (xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor | undefined, save: tf.GradSaveFunc) => {
    save([xi, wi]);
    const inputs: Record<string, tf.Tensor> = { x: xi, w: wi };
    if (bi) inputs.bias = bi;
    return {
      value: tf.engine().runKernel(K.conv, inputs as any, attrs) as tf.Tensor4D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as tf.Tensor4D[];
        const dx = skipX ? tf.zeros([1]) : (tf.engine().runKernel(K.convInputGrad, { dy, w: sw }, { stride, pad, inShape: sx.shape }) as tf.Tensor);
        const dw = tf.engine().runKernel(K.convFilterGrad, { x: sx, dy }, { stride, pad, kh: sw.shape[0], kw: sw.shape[1] }) as tf.Tensor;
        return bi ? [dx, dw, tf.engine().runKernel(K.columnSums, { dy }, {}) as tf.Tensor] : [dx, dw];
      },
    };
  };
  if (bias) return tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => run(xi, wi, bi, save)) as any)(x, w, bias) as tf.Tensor4D;
  return tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => run(xi, wi, undefined, save)) as any)(x, w) as tf.Tensor4D;
}

/** Inference: act(conv(x, w) * scale + shift) in one pass (batch norm folded). No gradient. */
export function convAffine(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number, scale: tf.Tensor1D, shift: tf.Tensor1D, act: boolean): tf.Tensor4D {
  return tf.engine().runKernel(K.conv, { x, w, scale, shift }, { stride, pad, act: act ? 1 : 0 }) as tf.Tensor4D;
}

/** A BN layer's running averages and the momentum that updates them (PyTorch convention). */
export interface RunningStats {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  momentum: number;
}

/**
 * Training-mode conv + batch norm (+ SiLU). Returns the output and, from the same kernel,
 * the batch mean and biased variance, or with `running` the updated running averages
 * (kept; the caller disposes them). Gradients for x, w, gamma, beta.
 */
export function convBatchNormTrain(
  x: tf.Tensor4D, w: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, stride: number, pad: number, eps: number, act: boolean, running?: RunningStats,
): { y: tf.Tensor4D; mean?: tf.Tensor1D; variance?: tf.Tensor1D; runningMean?: tf.Tensor1D; runningVar?: tf.Tensor1D } {
  const skipX = constants.has(x);
  let side: tf.Tensor[] = [];
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, gi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) => {
    const inputs: Record<string, tf.Tensor> = { x: xi, w: wi, gamma: gi, beta: bi };
    const attrs: Record<string, number> = { stride, pad, eps };
    if (running) {
      const ho = Math.floor((xi.shape[1]! + 2 * pad - wi.shape[0]!) / stride) + 1;
      const wo = Math.floor((xi.shape[2]! + 2 * pad - wi.shape[1]!) / stride) + 1;
      const n = xi.shape[0]! * ho * wo;
      Object.assign(inputs, { runMean: running.mean, runVar: running.variance });
      Object.assign(attrs, { momentum: running.momentum, varFactor: (running.momentum * n) / Math.max(n - 1, 1) });
    }
    const [y, st, ...rest] = tf.engine().runKernel(K.convStats, inputs as any, attrs) as tf.Tensor[];
    side = running ? rest.map((t) => tf.keep(t)) : [tf.keep(st)];
    const out = tf.engine().runKernel(K.bnApply, { y, stats: st }, { act }) as tf.Tensor;
    save([xi, wi, gi, y, st]);
    return {
      value: out,
      gradFunc: (dout: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as tf.Tensor4D[];
        const [, , sg, sy, sst] = saved;
        const [dyc, sums] = tf.engine().runKernel(K.bnGrad, { dout, y: sy, stats: sst, gamma: sg }, { act }) as tf.Tensor[];
        const dx = skipX ? tf.zeros([1]) : (tf.engine().runKernel(K.convInputGrad, { dy: dyc, w: sw }, { stride, pad, inShape: sx.shape }) as tf.Tensor);
        const dw = tf.engine().runKernel(K.convFilterGrad, { x: sx, dy: dyc }, { stride, pad, kh: sw.shape[0], kw: sw.shape[1] }) as tf.Tensor;
        const [dbeta, dgamma] = tf.unstack(sums);
        return [dx, dw, dgamma, dbeta];
      },
    };
  }) as any);
  const y = f(x, w, gamma, beta) as tf.Tensor4D;
  if (running) return { y, runningMean: side[0] as tf.Tensor1D, runningVar: side[1] as tf.Tensor1D };
  const [mean, variance] = tf.tidy(() => tf.unstack(side[0]).slice(0, 2));
  side[0].dispose();
  return { y, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/** k x k max-pooling, stride 1, 'same' padding; the gradient goes to the first maximum of
 * each window in row-major order (as PyTorch). */
export function maxPoolSame(x: tf.Tensor4D, k: number): tf.Tensor4D {
  const f = tf.customGrad(((xi: tf.Tensor, save: tf.GradSaveFunc) => {
    const [out, arg] = tf.engine().runKernel(K.maxPool, { x: xi }, { k }) as tf.Tensor[];
    save([arg]);
    return { value: out, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.engine().runKernel(K.maxPoolGrad, { dy, arg: saved[0] }, { k }) as tf.Tensor] };
  }) as any);
  return f(x) as tf.Tensor4D;
}

/** Nearest-neighbour 2x upsampling. */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.engine().runKernel(K.upsample, { x }, {}) as tf.Tensor4D;
}
