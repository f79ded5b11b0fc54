// The differentiable ops the layers use on the wasm backend with YOLO Lab's kernels
// (through src/train/ops.ts): convolution (+ bias), convolution + batch norm (+ SiLU) in
// training, convolution with folded batch norm for inference, SPPF's max-pooling and 2x
// upsampling. Each is tfjs kernels (tf-kernels.ts) under tf.customGrad or a registered
// gradient.
import * as tf from '@tensorflow/tfjs';
import { K } from './tf-kernels';

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
        const dx = skipX
          ? tf.zeros([1])
          : (tf.engine().runKernel(K.convInputGrad, { dy, w: sw }, { stride, pad, inShape: sx.shape }) as tf.Tensor);
        const dw = tf
          .engine()
          .runKernel(K.convFilterGrad, { x: sx, dy }, { stride, pad, kh: sw.shape[0], kw: sw.shape[1] }) as tf.Tensor;
        return bi ? [dx, dw, tf.engine().runKernel(K.columnSums, { dy }, {}) as tf.Tensor] : [dx, dw];
      },
    };
  };
  if (bias)
    return tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor, save: tf.GradSaveFunc) =>
      run(xi, wi, bi, save)) as any)(x, w, bias) as tf.Tensor4D;
  return tf.customGrad(((xi: tf.Tensor, wi: tf.Tensor, save: tf.GradSaveFunc) => run(xi, wi, undefined, save)) as any)(
    x,
    w,
  ) as tf.Tensor4D;
}

/** Inference: act(conv(x, w) * scale + shift) in one pass (batch norm folded). No gradient. */
export function convAffine(
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  stride: number,
  pad: number,
  scale: tf.Tensor1D,
  shift: tf.Tensor1D,
  act: boolean,
): tf.Tensor4D {
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
  x: tf.Tensor4D,
  w: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  stride: number,
  pad: number,
  eps: number,
  act: boolean,
  running?: RunningStats,
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
        const [dyc, sums] = tf
          .engine()
          .runKernel(K.bnGrad, { dout, y: sy, stats: sst, gamma: sg }, { act }) as tf.Tensor[];
        const dx = skipX
          ? tf.zeros([1])
          : (tf
              .engine()
              .runKernel(K.convInputGrad, { dy: dyc, w: sw }, { stride, pad, inShape: sx.shape }) as tf.Tensor);
        const dw = tf
          .engine()
          .runKernel(
            K.convFilterGrad,
            { x: sx, dy: dyc },
            { stride, pad, kh: sw.shape[0], kw: sw.shape[1] },
          ) as tf.Tensor;
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
    return {
      value: out,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
        tf.engine().runKernel(K.maxPoolGrad, { dy, arg: saved[0] }, { k }) as tf.Tensor,
      ],
    };
  }) as any);
  return f(x) as tf.Tensor4D;
}

/** Nearest-neighbour 2x upsampling. */
export function upsample2x(x: tf.Tensor4D): tf.Tensor4D {
  return tf.engine().runKernel(K.upsample, { x }, {}) as tf.Tensor4D;
}
