// YOLO Lab's kernels as TensorFlow.js kernels of the 'wasm' backend (so tfjs owns every
// tensor and tf.profile sees them): convolution forward and gradients, batch norm,
// upsampling and max-pooling; and starting/stopping them with the wasm backend. The
// argument structs mirror kernels.c.
import * as tf from '@tensorflow/tfjs';
import { activeRuntime, Info, ptr, rowChunk, rt, setActiveRuntime, sizeOf, WasmBackend } from './active';
import { KernelRuntime, SCRATCH_BYTES } from './runtime';
import { prepareSharedWasm, sharedWasmMemory } from './shared-memory';
import { overrideTfjsKernels } from './tfjs-overrides';

const MR = 4; // kernels.c tile rows
const NR = 8; // kernels.c tile columns
/** kernels.c PACKED: filter gradients with fewer input channels work on copied patches. */
const usesPatches = (ci: number) => ci < 8;

let whyNot = 'not started';

/** The running kernel runtime, or null when the layers use tfjs's own ops. */
export function kernelRuntime(): KernelRuntime | null {
  const r = activeRuntime();
  return r && tf.getBackend() === 'wasm' ? r : null;
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
  if (activeRuntime()) return null;
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
    setActiveRuntime(
      KernelRuntime.start(
        memory,
        { malloc: (n) => backend.wasm._malloc(n), free: (p) => backend.wasm._free(p) },
        threads,
      ),
    );
  } catch (e) {
    return (e as Error).message;
  }
  registerAll();
  return null;
}

/** What the run log says about the wasm backend. */
export function kernelsLabel(): string {
  const r = activeRuntime();
  if (r) return `wasm (tfjs-backend-wasm + YOLO Lab kernels, ${r.threads} thread${r.threads > 1 ? 's' : ''})`;
  return `wasm (tfjs-backend-wasm, XNNPACK, single thread; YOLO Lab kernels ${whyNot.startsWith('off') ? whyNot : `not used: ${whyNot}`})`;
}

/** Stops the worker threads (tests; a process may simply exit). */
export async function stopKernels(): Promise<void> {
  const r = activeRuntime();
  setActiveRuntime(null);
  await r?.close();
}

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
    r.counter,
    o.ntasks,
    o.chunk,
    o.x,
    o.wp,
    o.y,
    o.bias ?? 0,
    zero,
    r.scratch,
    SCRATCH_BYTES,
    g.n,
    g.h,
    g.w,
    g.ci,
    g.ho,
    g.wo,
    g.co,
    g.kh,
    g.kw,
    g.stride,
    g.pad,
    g.pad,
    o.stats ?? 0,
    o.epi ?? 0,
    o.scale ?? 0,
    o.shift ?? 0,
    o.dy ?? 0,
    o.partial ?? 0,
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

/** Which Winograd F(m x m, 3x3) a convolution's pass runs as (kernels.c), m = 2 or 4, or 0
 * for the direct kernel: 3x3, stride 1, padding 1, and enough channels that the fewer
 * products outweigh the transforms. Measured for F(2x2) (2 threads, YOLOv8-n's shapes):
 * from 32 channels the forward is 1.2-1.8x faster than direct, the input gradient 1.4-2.3x,
 * the filter gradient 1.1-1.6x; at 16 channels only the input gradient gains (1.2-1.5x).
 * F(4x4) makes 36 products per 4x4 tile where F(2x2) makes 64, but its tiles overhang small
 * images (5x5 pixels: 8x8 computed) and its transforms cost more: it is used where its
 * products, overhang counted, are at most 0.8x F(2x2)'s (from about 12x12 pixels). Measured
 * (forward plus both gradients, YOLOv8-n's layers at 160-640 pixels): F(4x4) 1.3-1.8x faster
 * than F(2x2) from 20x20 up; at 10x10 even (64-80 channels faster, 128+ slower), at 5x5
 * 1.1-1.2x slower. */
export function winogradTile(
  g: Pick<Geometry, 'kh' | 'kw' | 'stride' | 'pad' | 'ci' | 'co' | 'h' | 'w'>,
  pass: 'forward' | 'inputGrad' | 'filterGrad',
): 0 | 2 | 4 {
  const min = pass === 'inputGrad' ? 16 : 32;
  if (winogradMode === 'off' || g.kh !== 3 || g.kw !== 3 || g.stride !== 1 || g.pad !== 1) return 0;
  if (g.ci < min || g.co < min) return 0;
  if (winogradMode === 'f2') return 2;
  const products = (m: number) => (m + 2) ** 2 * Math.ceil(g.h / m) * Math.ceil(g.w / m);
  return products(4) <= 0.8 * products(2) ? 4 : 2;
}
export type WinogradMode = 'f4' | 'f2' | 'off';
let winogradMode: WinogradMode = 'f4';
/** Tests and measurements: F(2x2) for every Winograd layer ('f2'), the direct convolution for
 * every shape ('off'), or the choice above ('f4'). */
export function useWinograd(mode: WinogradMode): void {
  winogradMode = mode;
}

/** Tiles per block of a Winograd kernel (a multiple of MR, at most 64): the block's transformed
 * inputs and products, npos x tiles x (ci + cop) floats, fit a thread's scratch. */
function winogradBlockTiles(npos: number, ci: number, cop: number): number {
  return Math.max(MR, Math.min(64, Math.floor(SCRATCH_BYTES / (4 * npos * (ci + cop)) / MR) * MR));
}

/** Winograd forward (or, with flip, the input gradient's transposed convolution): y from x. */
function winogradConv(
  r: KernelRuntime,
  x: number,
  w: number,
  y: number,
  n: number,
  h: number,
  wd: number,
  ci: number,
  co: number,
  flip: boolean,
  m: 2 | 4,
  epi: { bias?: number; scale?: number; shift?: number; act?: boolean },
): void {
  const np = Math.ceil(co / NR);
  const npos = (m + 2) ** 2;
  const up = r.heap.malloc(npos * np * ci * NR * 4);
  const cop = np * NR;
  // Tiles per task: V and M of a task fit the thread's scratch. Few tiles (batch 1 at 20x20:
  // 100) are split into at least 8 tasks of equal size, else one short last task leaves a
  // thread idle. Every tile is computed alike whatever the split, so results do not change.
  const tbMax = winogradBlockTiles(npos, ci, cop);
  const tiles = n * Math.ceil(h / m) * Math.ceil(wd / m);
  const parts = Math.max(Math.ceil(tiles / tbMax), Math.min(8, Math.ceil(tiles / MR)));
  const tb = Math.min(tbMax, Math.ceil(tiles / parts / MR) * MR);
  checkScratch(4 * npos * tb * (ci + cop), 'conv3x3_winograd');
  const ntasks = Math.ceil(tiles / tb);
  const words = (nt: number) => [
    r.counter,
    nt,
    tb,
    x,
    up,
    y,
    epi.bias ?? 0,
    r.scratch,
    SCRATCH_BYTES,
    n,
    h,
    wd,
    ci,
    co,
    epi.scale ? (epi.act ? 2 : 1) : 0,
    epi.scale ?? 0,
    epi.shift ?? 0,
    w,
    flip ? 1 : 0,
    m,
  ];
  r.setArgs(words(np));
  r.run('winograd_weights', np);
  r.setArgs(words(ntasks));
  r.run('conv3x3_winograd', ntasks);
  r.heap.free(up);
}

/** Winograd's filter gradient: per-chunk sums of V x Z over the tiles, added in chunk
 * order, then dW = G^T dU G. */
function winogradFilterGrad(backend: WasmBackend, r: KernelRuntime, x: Info, dy: Info, g: Geometry, m: 2 | 4): Info {
  const { n, h, w, ci, co } = g;
  const cop = Math.ceil(co / NR) * NR;
  const npos = (m + 2) ** 2;
  const tb = winogradBlockTiles(npos, ci, cop);
  checkScratch(4 * npos * tb * (ci + cop), 'winograd_filter_grad');
  const tiles = n * Math.ceil(h / m) * Math.ceil(w / m);
  const nchunks = Math.max(1, Math.min(16, Math.floor(tiles / tb)));
  const chunk = Math.ceil(tiles / nchunks);
  const len = npos * ci * cop;
  // Slack: a tile reloads whole vectors past its last row.
  const partial = r.heap.malloc((nchunks * len + MR * cop + NR) * 4);
  const du = r.heap.malloc(len * 4);
  const dw = backend.makeOutput([3, 3, ci, co], 'float32');
  const words = (nt: number, part: number) => [
    r.counter,
    nt,
    chunk,
    tb,
    ptr(backend, x),
    ptr(backend, dy),
    part,
    r.scratch,
    SCRATCH_BYTES,
    n,
    h,
    w,
    ci,
    co,
    ptr(backend, dw),
    m,
  ];
  r.setArgs(words(nchunks, partial));
  r.run('winograd_filter_grad', nchunks);
  reducePartials(r, partial, nchunks, len, du);
  r.setArgs(words(ci, du));
  r.run('winograd_filter_out', ci);
  r.heap.free(partial);
  r.heap.free(du);
  return dw;
}

/** y = conv(x, w) with an epilogue: + bias, or * scale + shift (+ SiLU). With stats, also
 * writes the per-task batch statistics partials. */
function convForward(
  backend: WasmBackend,
  x: Info,
  w: Info,
  g: Geometry,
  y: Info,
  epi: { bias?: Info; scale?: Info; shift?: Info; act?: boolean },
  statsPartial?: number,
): number {
  const r = rt();
  const rows = g.n * g.ho * g.wo;
  const chunk = gemmChunk(rows);
  const ntasks = Math.ceil(rows / chunk);
  const wm = winogradTile(g, 'forward');
  if (wm) {
    winogradConv(r, ptr(backend, x), ptr(backend, w), ptr(backend, y), g.n, g.h, g.w, g.ci, g.co, false, wm, {
      bias: epi.bias ? ptr(backend, epi.bias) : 0,
      scale: epi.scale ? ptr(backend, epi.scale) : 0,
      shift: epi.shift ? ptr(backend, epi.shift) : 0,
      act: epi.act,
    });
    if (statsPartial) {
      r.setArgs([r.counter, ntasks, chunk, rows, g.co, ptr(backend, y), statsPartial]);
      r.run('conv_stats', ntasks);
    }
    return ntasks;
  }
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

// ---------------------------------------------------------------------------------------
// Registered kernels.

export const K = {
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

function reg(
  kernelName: string,
  fn: (backend: WasmBackend, inputs: Record<string, Info>, attrs: Record<string, any>) => Info | Info[],
): void {
  tf.registerKernel({
    kernelName,
    backendName: 'wasm',
    kernelFunc: ((a: KernelArgs) => fn(a.backend as WasmBackend, a.inputs, a.attrs)) as unknown as tf.KernelFunc,
  });
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
      partial,
      ntasks,
      chunk,
      rows,
      g.co,
      ptr(backend, gamma),
      ptr(backend, beta),
      eps,
      ptr(backend, stats),
      runMean ? ptr(backend, runMean) : 0,
      runVar ? ptr(backend, runVar) : 0,
      momentum ?? 0,
      varFactor ?? 0,
      running.length ? ptr(backend, running[0]) : 0,
      running.length ? ptr(backend, running[1]) : 0,
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
    r.setArgs([
      r.counter,
      ntasks,
      chunk,
      rows,
      co,
      act ? 1 : 0,
      ptr(backend, y),
      ptr(backend, out),
      ptr(backend, stats),
      0,
      0,
      0,
      0,
    ]);
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
    const words = [
      r.counter,
      ntasks,
      chunk,
      rows,
      co,
      act ? 1 : 0,
      ptr(backend, y),
      ptr(backend, dy),
      ptr(backend, stats),
      ptr(backend, dout),
      partial,
      ptr(backend, gamma),
      ptr(backend, sums),
    ];
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
    const wm = winogradTile(g, 'inputGrad');
    if (wm) {
      // 3x3, stride 1, padding 1: dx is dy convolved with the kernel flipped, ci and co swapped.
      winogradConv(r, ptr(backend, dy), ptr(backend, w), ptr(backend, dx), g.n, g.h, g.w, g.co, g.ci, true, wm, {});
      return dx;
    }
    const taps = g.kh * g.kw;
    let ntasks = 0;
    const s = g.stride;
    const classRows: number[] = [];
    for (let cls = 0; cls < s * s; cls++) {
      const py = Math.floor(cls / s);
      const px = cls % s;
      const ny = py < g.h ? Math.ceil((g.h - py) / s) : 0;
      const nx = px < g.w ? Math.ceil((g.w - px) / s) : 0;
      classRows.push(g.n * ny * nx);
    }
    const chunk = gemmChunk(Math.max(...classRows));
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
    const wm = winogradTile(g, 'filterGrad');
    if (wm) return winogradFilterGrad(backend, r, x, dy, g, wm);
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

  overrideTfjsKernels();

  const upsample =
    (grad: boolean) =>
    (backend: WasmBackend, { x }: Record<string, Info>) => {
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

  tf.registerGradient({
    kernelName: K.upsample,
    gradFunc: ((dy: tf.Tensor) => ({
      x: () => tf.engine().runKernel(K.upsampleGrad, { x: dy }, {}) as tf.Tensor,
    })) as unknown as tf.GradFunc,
  });
}
