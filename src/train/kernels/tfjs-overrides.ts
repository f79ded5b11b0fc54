// Replacements for some of tfjs-backend-wasm's own kernels while YOLO Lab's kernels run:
// Identity without a copy, Concat and SplitV by the threaded copy kernel, and the large
// elementwise ops by the threaded SIMD kernel. Each falls back to tfjs's kernel for what it
// does not cover; gradients stay tfjs's, but for Sum's (same values, no JavaScript fill).
import * as tf from '@tensorflow/tfjs';
import { activeRuntime, Info, ptr, rowChunk, rt, sizeOf, WasmBackend } from './active';

/** Installs the replacements (once per process). */
export function overrideTfjsKernels(): void {
  overrideDataMovement();
  overrideElementwise();
  overrideSumGradient();
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
      if (!activeRuntime() || x.dtype === 'string') return stockIdentity.kernelFunc(args as any);
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
    kernelFunc: ((args: {
      inputs: Info[] | Record<string, Info>;
      backend: WasmBackend;
      attrs: { axis: number | number[] };
    }) => {
      const all = Object.values(args.inputs) as Info[];
      const xs = all.filter((t) => sizeOf(t.shape) > 0);
      if (
        !activeRuntime() ||
        xs.length < 2 ||
        xs.some((t) => t.dtype !== 'float32' && t.dtype !== 'int32') ||
        new Set(xs.map((t) => t.dtype)).size > 1
      )
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
          const spec = {
            src: ptr(args.backend, t),
            dst: ptr(args.backend, out),
            srcStride: c,
            srcOff: 0,
            dstStride: width,
            dstOff: off,
            width: c,
          };
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
    kernelFunc: ((args: {
      inputs: { x: Info };
      backend: WasmBackend;
      attrs: { numOrSizeSplits: number | number[]; axis: number | number[] };
    }) => {
      const { x } = args.inputs;
      if (!activeRuntime() || (x.dtype !== 'float32' && x.dtype !== 'int32') || sizeOf(x.shape) === 0)
        return stockSplit.kernelFunc(args as any);
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
          const spec = {
            src: ptr(args.backend, x),
            dst: ptr(args.backend, o),
            srcStride: width,
            srcOff: off,
            dstStride: c,
            dstOff: 0,
            width: c,
          };
          off += c;
          return spec;
        }),
      );
      return outs;
    }) as unknown as tf.KernelFunc,
  });
}

/** Elementwise ops the kernel computes (kernels.c OP_*), by tfjs kernel name. */
const elementwiseOps: Record<string, number> = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  Maximum: 4,
  Minimum: 5,
  Exp: 6,
  Sigmoid: 7,
  Softplus: 8,
};
/** Below this many elements tfjs's own kernel is faster than waking the threads. */
const ELEMENTWISE_MIN = 16384;

/** The period of an operand broadcast to `out` by repeating it (its shape, left-padded with
 * 1s, equals the trailing dimensions of out), or 0 when it broadcasts otherwise. */
function periodOf(shape: number[], out: number[]): number {
  const padded = [...new Array(out.length - shape.length).fill(1), ...shape];
  let i = 0;
  while (i < padded.length && padded[i] === 1) i++;
  for (let j = i; j < padded.length; j++) if (padded[j] !== out[j]) return 0;
  return sizeOf(out.slice(i));
}

/** How many times in a row each element of an operand repeats when it broadcasts to `out`
 * along its last dimensions only (shape [..., 1] against [..., 16]: 16), else 0. */
function expansionOf(shape: number[], out: number[]): number {
  if (shape.length !== out.length) return 0;
  let j = shape.length;
  while (j > 0 && shape[j - 1] === 1) j--;
  for (let i = 0; i < j; i++) if (shape[i] !== out[i]) return 0;
  return sizeOf(out.slice(j));
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
        if (!activeRuntime() || operands.some((t) => t.dtype !== 'float32')) return stock.kernelFunc(args as any);
        const outShape = x ? x.shape : tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
        const n = sizeOf(outShape);
        const periods = operands.map((t) => periodOf(t.shape, outShape));
        // A [..., 1] operand against a full-size one [..., 4k] (the box head's softmax
        // gradient): each of its values fills whole vectors.
        const expansions = operands.map((t, i) => (periods[i] === 0 ? expansionOf(t.shape, outShape) : 1));
        if (
          operands.length === 2 &&
          expansions.some((e) => e > 1) &&
          expansions.every((e, i) => (e > 1 && e % 4 === 0) || periods[i] === n)
        )
          periods.forEach((_, i) => (periods[i] = n));
        else expansions.fill(1);
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
        r.setArgs([
          r.counter,
          ntasks,
          chunk,
          n,
          op,
          ptrs[0],
          ptrs[1] ?? 0,
          ptr(args.backend, out),
          periods[0],
          periods[1] ?? n,
          expansions[0],
          expansions[1] ?? 1,
        ]);
        r.run('elementwise', ntasks);
        for (const t of temps) r.heap.free(t);
        return out;
      }) as unknown as tf.KernelFunc,
    });
  }
}

const EXPAND = 'YoloExpandTrailing';
const one = new WeakMap<object, number>();

/**
 * tfjs's Sum gradient fills a tensor of ones of x's size in JavaScript, copies it into the
 * wasm memory and multiplies the reshaped dy by it (10-15 ms a 640x640x2 step, for the box
 * head's sums over 2x8400x4x16). Where the summed axes are the last ones and the kernels
 * run, the elementwise kernel writes dy * 1 straight from dy (the same values); anything
 * else (and every other backend) keeps tfjs's gradient.
 */
function overrideSumGradient(): void {
  tf.registerKernel({
    kernelName: EXPAND,
    backendName: 'wasm',
    kernelFunc: ((args: { inputs: { x: Info }; backend: WasmBackend; attrs: { shape: number[] } }) => {
      const r = rt();
      const { x } = args.inputs;
      const shape = args.attrs.shape;
      const n = sizeOf(shape);
      const e = n / sizeOf(x.shape);
      let p = one.get(r);
      if (!p) {
        p = r.heap.malloc(16);
        new Float32Array(r.memory.buffer, p, 4).fill(1);
        one.set(r, p);
      }
      const out = args.backend.makeOutput(shape, 'float32');
      const chunk = 16384;
      const ntasks = Math.ceil(n / chunk);
      r.setArgs([
        r.counter,
        ntasks,
        chunk,
        n,
        elementwiseOps.Multiply,
        ptr(args.backend, x),
        p,
        ptr(args.backend, out),
        n,
        1,
        e,
        0,
      ]);
      r.run('elementwise', ntasks);
      return out;
    }) as unknown as tf.KernelFunc,
  });
  const stock = tf.getGradient('Sum')!;
  tf.registerGradient({
    kernelName: 'Sum',
    inputsToSave: stock.inputsToSave,
    gradFunc: ((dy: tf.Tensor, saved: tf.Tensor[], attrs: { axis: number | number[] }) => {
      const [x] = saved;
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(attrs.axis, x.shape).sort((a, b) => a - b);
      const trailing = axes.length > 0 && axes.every((a, i) => a === rank - axes.length + i);
      const e = trailing ? sizeOf(x.shape.slice(rank - axes.length)) : 0;
      if (
        !activeRuntime() ||
        tf.getBackend() !== 'wasm' ||
        x.dtype !== 'float32' ||
        dy.dtype !== 'float32' ||
        e < 4 ||
        e % 4 !== 0 ||
        x.size < ELEMENTWISE_MIN
      )
        return stock.gradFunc(dy, saved, attrs as any);
      const expanded = x.shape.map((d, i) => (i < rank - axes.length ? d : 1));
      return {
        x: () => tf.engine().runKernel(EXPAND, { x: tf.reshape(dy, expanded) }, { shape: x.shape }) as tf.Tensor,
      };
    }) as unknown as tf.GradFunc,
  });
}

function copyChannels(
  rows: number,
  width: number,
  specs: Array<{
    src: number;
    dst: number;
    srcStride: number;
    srcOff: number;
    dstStride: number;
    dstOff: number;
    width: number;
  }>,
): void {
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
