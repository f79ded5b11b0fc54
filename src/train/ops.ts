// Differentiable building blocks whose gradients work on every backend.
// wasm has no Conv2DBackpropFilter and a wrong MaxPoolGrad, and cpu's nearest-resize
// gradient is wrong for batch > 1 (docs/trainer.md), so convolution, max-pooling and
// upsampling are written here from ops whose gradients are correct everywhere.
// On the wasm backend with YOLO Lab's kernels running (kernels/), convolution, batch norm,
// channel concat/split and upsampling go to those kernels instead.
import * as tf from '@tensorflow/tfjs';
import * as kernels from './kernels/differentiable';
import { kernelRuntime } from './kernels/tf-kernels';

/** Inserts (s-1) zeros between rows and columns: the transpose of a stride-s sampling. */
function dilateSpatial(dy: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return dy;
  const [b, h, w, c] = dy.shape;
  const six = dy.reshape([b, h, 1, w, 1, c]);
  const padded = tf.pad(six, [
    [0, 0],
    [0, 0],
    [0, s - 1],
    [0, 0],
    [0, s - 1],
    [0, 0],
  ]);
  const full = padded.reshape([b, h * s, w * s, c]) as tf.Tensor4D;
  return full.slice([0, 0, 0, 0], [b, (h - 1) * s + 1, (w - 1) * s + 1, c]);
}

/** Gradient of a conv with respect to its input: a plain convolution with the flipped kernel. */
export function convInputGrad(
  dy: tf.Tensor4D,
  w: tf.Tensor4D,
  inShape: number[],
  stride: number,
  pad: number,
): tf.Tensor4D {
  const [kh, kw] = w.shape;
  const [, H, W] = inShape;
  const d = dilateSpatial(dy, stride);
  const flipped = tf.reverse(w, [0, 1]).transpose([0, 1, 3, 2]) as tf.Tensor4D;
  const top = kh - 1 - pad;
  const left = kw - 1 - pad;
  const bottom = H - d.shape[1] - top + kh - 1;
  const right = W - d.shape[2] - left + kw - 1;
  if (top === 0 && left === 0 && bottom === 0 && right === 0) return tf.conv2d(d, flipped, 1, 'valid');
  return tf.conv2d(d, flipped, 1, [
    [0, 0],
    [top, bottom],
    [left, right],
    [0, 0],
  ]);
}

/** Gradient of a conv with respect to its kernel: one matmul per kernel tap (im2col by slices). */
export function convFilterGrad(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernel: number,
  stride: number,
  pad: number,
): tf.Tensor4D {
  const [b, , , ci] = x.shape;
  const [, ho, wo, co] = dy.shape;
  const dyFlat = dy.reshape([b * ho * wo, co]) as tf.Tensor2D;
  const xp =
    pad > 0
      ? tf.pad(x, [
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ])
      : x;
  const taps: tf.Tensor2D[] = [];
  for (let i = 0; i < kernel; i++) {
    for (let j = 0; j < kernel; j++) {
      let patch: tf.Tensor4D;
      if (stride === 1) patch = xp.slice([0, i, j, 0], [b, ho, wo, ci]);
      else
        patch = tf.stridedSlice(
          xp,
          [0, i, j, 0],
          [b, i + (ho - 1) * stride + 1, j + (wo - 1) * stride + 1, ci],
          [1, stride, stride, 1],
        ) as tf.Tensor4D;
      taps.push(tf.matMul(patch.reshape([b * ho * wo, ci]) as tf.Tensor2D, dyFlat, true, false));
    }
  }
  return tf.stack(taps).reshape([kernel, kernel, ci, co]) as tf.Tensor4D;
}

/** The same kernel gradient as one convolution (docs/trainer.md): input and batch swapped, the
 * output gradient used as a kernel dilated by the stride. XNNPACK runs it far faster than
 * the per-tap matmuls on wasm. */
export function convFilterGradByConv(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  kernel: number,
  stride: number,
  pad: number,
): tf.Tensor4D {
  const xt = x.transpose([3, 1, 2, 0]) as tf.Tensor4D; // [ci, H, W, B]
  const dyt = dy.transpose([1, 2, 0, 3]) as tf.Tensor4D; // [Ho, Wo, B, co]
  const padding =
    pad === 0
      ? 'valid'
      : ([
          [0, 0],
          [pad, pad],
          [pad, pad],
          [0, 0],
        ] as [[number, number], [number, number], [number, number], [number, number]]);
  const full = tf.conv2d(xt, dyt, 1, padding, 'NHWC', stride); // [ci, >=k, >=k, co]
  const cut =
    full.shape[1] === kernel && full.shape[2] === kernel
      ? full
      : full.slice([0, 0, 0, 0], [full.shape[0], kernel, kernel, full.shape[3]]);
  return cut.transpose([1, 2, 0, 3]) as tf.Tensor4D;
}

let filterGrad = convFilterGradByConv;
/** Chooses the kernel-gradient formulation (both are tested against the reference). */
export function useFilterGrad(kind: 'conv' | 'matmul'): void {
  filterGrad = kind === 'conv' ? convFilterGradByConv : convFilterGrad;
}

/** Forward multiply-add FLOPs of every conv2d call (2 per MAC), for the benchmark. */
export const flopCounter = { flops: 0 };

let stock = false;
/** Reference mode for tests: tfjs's own conv/max-pool ops and their stock gradients
 * (correct on the cpu backend only), to check whole-model gradients against. */
export function useStockOps(on: boolean): void {
  stock = on;
}

function countFlops(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): void {
  const [b, h, wd] = x.shape;
  const [k, , ci, co] = w.shape;
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((wd + 2 * pad - k) / stride) + 1;
  flopCounter.flops += 2 * b * ho * wo * k * k * ci * co;
}

/** True when YOLO Lab's kernels compute the layers (wasm backend, kernels started). */
export function kernelsActive(): boolean {
  return !stock && kernelRuntime() !== null;
}

/** Square convolution, NHWC input, HWIO kernel, symmetric zero padding, optional bias. */
export function conv2d(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number, bias?: tf.Tensor1D): tf.Tensor4D {
  countFlops(x, w, stride, pad);
  if (kernelsActive()) return kernels.conv2d(x, w, stride, pad, bias);
  const y = convNoBias(x, w, stride, pad);
  return bias ? tf.add(y, bias) : y;
}

function convNoBias(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  if (stock)
    return tf.conv2d(
      x,
      w,
      stride,
      pad === 0
        ? 'valid'
        : [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ],
    );
  const kernel = w.shape[0];
  const f = tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => {
    const x4 = xi as tf.Tensor4D;
    const w4 = wi as tf.Tensor4D;
    save([x4, w4]);
    const value =
      pad === 0
        ? tf.conv2d(x4, w4, stride, 'valid')
        : tf.conv2d(x4, w4, stride, [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sw] = saved as tf.Tensor4D[];
        const dy4 = dy as tf.Tensor4D;
        return [convInputGrad(dy4, sw, sx.shape, stride, pad), filterGrad(sx, dy4, kernel, stride, pad)];
      },
    };
  }) as any);
  return f(x, w) as tf.Tensor4D;
}

/**
 * Convolution followed by training-mode batch norm (statistics of this batch) and SiLU
 * when `act`: the ConvModule of a training step. Returns the output and the batch mean and
 * biased variance, or, given the layer's running averages, their updated values (PyTorch:
 * (1-m)*running + m*batch, the variance unbiased). The caller disposes what is returned
 * besides y.
 */
export function convBatchNormTrain(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  stride: number,
  pad: number,
  eps: number,
  act: boolean,
  running?: kernels.RunningStats,
): { y: tf.Tensor4D; mean?: tf.Tensor1D; variance?: tf.Tensor1D; runningMean?: tf.Tensor1D; runningVar?: tf.Tensor1D } {
  if (kernelsActive()) {
    countFlops(x, w, stride, pad);
    return kernels.convBatchNormTrain(x, w, gamma, beta, stride, pad, eps, act, running);
  }
  const r = batchNormTrain(conv2d(x, w, stride, pad), gamma, beta, eps, act);
  if (!running) return r;
  const m = running.momentum;
  const n = r.y.size / r.y.shape[3];
  const runningMean = tf.keep(tf.add(tf.mul(running.mean, 1 - m), tf.mul(r.mean, m))) as tf.Tensor1D;
  const runningVar = tf.keep(
    tf.add(tf.mul(running.variance, 1 - m), tf.mul(r.variance, (m * n) / Math.max(n - 1, 1))),
  ) as tf.Tensor1D;
  if (!stock) tf.dispose([r.mean, r.variance]); // kept by the fused op for this read only
  return { y: r.y, runningMean, runningVar };
}

/** Inference: act(conv(x, w) * scale + shift), batch norm folded into scale and shift. */
export function convAffine(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  pad: number,
  scale: tf.Tensor1D,
  shift: tf.Tensor1D,
  act: boolean,
): tf.Tensor4D {
  if (kernelsActive()) {
    countFlops(x, w, stride, pad);
    return kernels.convAffine(x, w, stride, pad, scale, shift, act);
  }
  const y = tf.add(tf.mul(conv2d(x, w, stride, pad), scale), shift) as tf.Tensor4D;
  return act ? (silu(y) as tf.Tensor4D) : y;
}

/** Concatenation along channels (NHWC). */
export function concatChannels(xs: tf.Tensor4D[]): tf.Tensor4D {
  return tf.concat(xs, 3);
}

/** Split along channels into parts of the given sizes (a new array: the tape may keep it). */
export function splitChannels(x: tf.Tensor4D, sizes: number[]): tf.Tensor4D[] {
  return [...(tf.split(x, sizes, 3) as tf.Tensor4D[])];
}

/** Marks the network's input (no gradient needed): the first convolution skips it. */
export function markConstant<T extends tf.Tensor>(t: T): T {
  return kernels.markConstant(t);
}

/** k x k max-pool, stride 1, 'same' padding (SPPF), as a running maximum over shifted
 * views: tf.maximum's gradient sends each output's gradient to exactly one input. */
export function maxPoolSame(x: tf.Tensor4D, k: number): tf.Tensor4D {
  if (stock) return tf.maxPool(x, k, 1, 'same');
  if (kernelsActive()) return kernels.maxPoolSame(x, k);
  const p = Math.floor(k / 2);
  const [b, h, w, c] = x.shape;
  const xp = tf.pad(
    x,
    [
      [0, 0],
      [0, 0],
      [p, p],
      [0, 0],
    ],
    -3.4e38,
  );
  let rows: tf.Tensor4D = xp.slice([0, 0, 0, 0], [b, h, w, c]);
  for (let j = 1; j < k; j++) rows = tf.maximum(rows, xp.slice([0, 0, j, 0], [b, h, w, c]));
  const rp = tf.pad(
    rows,
    [
      [0, 0],
      [p, p],
      [0, 0],
      [0, 0],
    ],
    -3.4e38,
  );
  let out: tf.Tensor4D = rp.slice([0, 0, 0, 0], [b, h, w, c]);
  for (let i = 1; i < k; i++) out = tf.maximum(out, rp.slice([0, i, 0, 0], [b, h, w, c]));
  return out;
}

/** Nearest-neighbour 2x upsampling by broadcasting; its gradient is a plain sum. */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  if (kernelsActive()) return kernels.upsample2x(x);
  const [b, h, w, c] = x.shape;
  const ones = tf.ones([1, 1, 2, 1, 2, 1]);
  return tf.mul(x.reshape([b, h, 1, w, 1, c]), ones).reshape([b, h * 2, w * 2, c]);
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.mul(x, tf.sigmoid(x));
}

/** Identity in the forward pass, zero gradient (torch.no_grad for a sub-expression). */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((a: tf.Tensor) => ({
    value: a.clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as any);
  return f(x) as T;
}

export function isStockOps(): boolean {
  return stock;
}

/**
 * Training-mode batch norm over N,H,W (optionally followed by SiLU) with a closed-form
 * backward: fewer kernels than autograd through moments (docs/trainer.md). Returns the output and
 * the batch mean/variance (biased), which the caller uses for the running statistics.
 */
export function batchNormTrain(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  eps: number,
  act: boolean,
): { y: tf.Tensor4D; mean: tf.Tensor1D; variance: tf.Tensor1D } {
  let stats: { mean: tf.Tensor1D; variance: tf.Tensor1D } | undefined;
  if (stock) {
    // Reference path for tests: plain ops and autograd.
    const m = tf.moments(x, [0, 1, 2]);
    const xhat = tf.mul(tf.sub(x, m.mean), tf.rsqrt(tf.add(m.variance, eps)));
    const y = tf.add(tf.mul(xhat, gamma), beta) as tf.Tensor4D;
    return { y: act ? (silu(y) as tf.Tensor4D) : y, mean: m.mean as tf.Tensor1D, variance: m.variance as tf.Tensor1D };
  }
  const n = x.size / x.shape[3];
  const f = tf.customGrad(((xi: tf.Tensor, g: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
    const m = tf.moments(xi, [0, 1, 2]);
    stats = { mean: tf.keep(m.mean as tf.Tensor1D), variance: tf.keep(m.variance as tf.Tensor1D) };
    const rstd = tf.rsqrt(tf.add(m.variance, eps));
    const xhat = tf.mul(tf.sub(xi, m.mean), rstd);
    const z = tf.add(tf.mul(xhat, g), b);
    save([xhat, rstd, g, b]);
    return {
      value: act ? tf.mul(z, tf.sigmoid(z)) : z,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sxhat, srstd, sg, sb] = saved;
        let dz = dy;
        if (act) {
          // d/dz z*s(z) = s * (1 + z * (1 - s)), z recomputed from the saved normalised input.
          const zz = tf.add(tf.mul(sxhat, sg), sb);
          const s = tf.sigmoid(zz);
          dz = tf.mul(dy, tf.mul(s, tf.add(1, tf.mul(zz, tf.sub(1, s)))));
        }
        const dbeta = tf.sum(dz, [0, 1, 2]);
        const dgamma = tf.sum(tf.mul(dz, sxhat), [0, 1, 2]);
        // dx = gamma * rstd * (dz - mean(dz) - xhat * mean(dz * xhat))
        const inner = tf.sub(tf.sub(dz, tf.div(dbeta, n)), tf.mul(sxhat, tf.div(dgamma, n)));
        return [tf.mul(tf.mul(sg, srstd), inner), dgamma, dbeta];
      },
    };
  }) as any);
  const y = f(x, gamma, beta) as tf.Tensor4D;
  return { y, mean: stats!.mean, variance: stats!.variance };
}
