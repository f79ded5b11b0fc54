// MMCV/MMYOLO building blocks: ConvModule (conv + BN + SiLU), DarknetBottleneck,
// CSPLayerWithTwoConv (YOLOv8 C2f), CSPLayer (YOLOv5 C3), SPPFBottleneck.
import * as tf from '@tensorflow/tfjs';
import {
  batchNormTrain,
  concatChannels,
  conv2d,
  convAffine,
  convBatchNormTrain,
  isStockOps,
  kernelsActive,
  maxPoolSame,
  silu,
  splitChannels,
} from '../ops';
import { ForwardCtx, ParamStore } from '../params';
import type { RunningStats } from '../kernels/differentiable';
import { pyRound } from '../py-math';

export interface Module {
  forward(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D;
}

export interface NormCfg {
  momentum: number; // PyTorch convention: new = (1-m)*old + m*batch
  eps: number;
}

export const defaultNorm: NormCfg = { momentum: 0.03, eps: 0.001 };

/** MMYOLO make_divisible / make_round. */
export function makeDivisible(x: number, widen: number, divisor = 8): number {
  return Math.ceil((x * widen) / divisor) * divisor;
}
export function makeRound(x: number, deepen: number): number {
  // Python's round(): 4.5 -> 4 (mmyolo/models/utils/misc.py make_round).
  return x > 1 ? Math.max(pyRound(x * deepen), 1) : x;
}

export class BatchNorm implements Module {
  private gamma: tf.Variable;
  private beta: tf.Variable;
  private mean: tf.Variable;
  private variance: tf.Variable;
  constructor(
    private store: ParamStore,
    readonly name: string,
    channels: number,
    readonly cfg: NormCfg,
  ) {
    this.gamma = store.norm(`${name}.weight`, channels, 1);
    this.beta = store.norm(`${name}.bias`, channels, 0, 'bias');
    this.mean = store.buffer(`${name}.running_mean`, channels, 0);
    this.variance = store.buffer(`${name}.running_var`, channels, 1);
  }
  /** Whether this layer normalises with the batch's statistics (training, not frozen). */
  usesBatchStats(ctx: ForwardCtx): boolean {
    // Frozen BN (norm_eval, frozen stages) normalises with its running statistics even in training.
    return ctx.training && !this.store.frozen.has(`${this.name}.running_mean`);
  }
  get weight(): tf.Tensor1D {
    return this.gamma as tf.Tensor1D;
  }
  get bias(): tf.Tensor1D {
    return this.beta as tf.Tensor1D;
  }
  /** The running statistics folded into y = x * scale + shift (eval mode). */
  folded(): { scale: tf.Tensor1D; shift: tf.Tensor1D } {
    return tf.tidy(() => {
      const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.variance, this.cfg.eps))) as tf.Tensor1D;
      return { scale, shift: tf.sub(this.beta, tf.mul(this.mean, scale)) as tf.Tensor1D };
    });
  }
  forward(x: tf.Tensor4D, ctx: ForwardCtx, act = false): tf.Tensor4D {
    if (!this.usesBatchStats(ctx)) {
      const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.variance, this.cfg.eps)));
      const y = tf.add(tf.mul(tf.sub(x, this.mean), scale), this.beta) as tf.Tensor4D;
      return act ? (silu(y) as tf.Tensor4D) : y;
    }
    const { y, mean, variance } = batchNormTrain(
      x,
      this.gamma as tf.Tensor1D,
      this.beta as tf.Tensor1D,
      this.cfg.eps,
      act,
    );
    this.recordBatchStats(mean, variance, x.size / x.shape[3], ctx);
    return y;
  }
  /** Queues the running-average update from a batch's mean and biased variance over n values. */
  recordBatchStats(mean: tf.Tensor1D, variance: tf.Tensor1D, n: number, ctx: ForwardCtx): void {
    const m = this.cfg.momentum;
    // Running variance uses the unbiased estimate, as PyTorch does.
    this.queueRunning(
      tf.keep(tf.add(tf.mul(this.mean, 1 - m), tf.mul(mean, m))) as tf.Tensor1D,
      tf.keep(tf.add(tf.mul(this.variance, 1 - m), tf.mul(variance, (m * n) / Math.max(n - 1, 1)))) as tf.Tensor1D,
      ctx,
    );
    if (!isStockOps()) tf.dispose([mean, variance]); // kept by the fused op for this read only
  }
  /** The running averages and momentum, for ops that update them themselves. */
  running(): RunningStats {
    return { mean: this.mean as tf.Tensor1D, variance: this.variance as tf.Tensor1D, momentum: this.cfg.momentum };
  }
  /** Queues new running averages (kept tensors): assigned after the step's update. */
  queueRunning(mean: tf.Tensor1D, variance: tf.Tensor1D, ctx: ForwardCtx): void {
    ctx.bnUpdates.push({ variable: this.mean, value: mean }, { variable: this.variance, value: variance });
  }
}

export class ConvModule implements Module {
  private weight: tf.Variable;
  private bn: BatchNorm;
  private pad: number;
  constructor(
    store: ParamStore,
    name: string,
    ci: number,
    co: number,
    k: number,
    private stride = 1,
    pad?: number,
    norm = defaultNorm,
    private act = true,
  ) {
    this.pad = pad ?? Math.floor(k / 2);
    this.weight = store.convWeight(`${name}.conv.weight`, k, ci, co);
    this.bn = new BatchNorm(store, `${name}.bn`, co, norm);
  }
  forward(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D {
    const w = this.weight as tf.Tensor4D;
    if (this.bn.usesBatchStats(ctx)) {
      // conv + BN + SiLU as one differentiable op (one kernel chain on the wasm kernels),
      // which also updates the running averages.
      const r = convBatchNormTrain(
        x,
        w,
        this.bn.weight,
        this.bn.bias,
        this.stride,
        this.pad,
        this.bn.cfg.eps,
        this.act,
        this.bn.running(),
      );
      this.bn.queueRunning(r.runningMean!, r.runningVar!, ctx);
      return r.y;
    }
    if (!ctx.training && kernelsActive()) {
      // Inference: batch norm folded into the convolution's epilogue.
      const { scale, shift } = this.bn.folded();
      const y = convAffine(x, w, this.stride, this.pad, scale, shift, this.act);
      tf.dispose([scale, shift]);
      return y;
    }
    return this.bn.forward(conv2d(x, w, this.stride, this.pad), ctx, this.act);
  }
}

/** A bare nn.Conv2d with bias (the head's prediction layers). */
export class Conv2d implements Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(store: ParamStore, name: string, ci: number, co: number, k = 1, biasFill?: number) {
    this.weight = store.convWeight(`${name}.weight`, k, ci, co);
    this.bias = store.bias(`${name}.bias`, co, ci * k * k, biasFill);
  }
  forward(x: tf.Tensor4D): tf.Tensor4D {
    return conv2d(x, this.weight as tf.Tensor4D, 1, Math.floor(this.weight.shape[0] / 2), this.bias as tf.Tensor1D);
  }
}

export class DarknetBottleneck implements Module {
  private conv1: ConvModule;
  private conv2: ConvModule;
  private identity: boolean;
  constructor(
    store: ParamStore,
    name: string,
    ci: number,
    co: number,
    expansion: number,
    k1: number,
    addIdentity: boolean,
    norm: NormCfg,
  ) {
    const hidden = Math.trunc(co * expansion);
    this.conv1 = new ConvModule(store, `${name}.conv1`, ci, hidden, k1, 1, undefined, norm);
    this.conv2 = new ConvModule(store, `${name}.conv2`, hidden, co, 3, 1, undefined, norm);
    this.identity = addIdentity && ci === co;
  }
  forward(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D {
    const y = this.conv2.forward(this.conv1.forward(x, ctx), ctx);
    return this.identity ? tf.add(x, y) : y;
  }
}

/** YOLOv8's C2f: split, a chain of bottlenecks, concatenate every intermediate. */
export class CSPLayerWithTwoConv implements Module {
  private mid: number;
  private main: ConvModule;
  private final: ConvModule;
  private blocks: DarknetBottleneck[] = [];
  constructor(
    store: ParamStore,
    name: string,
    ci: number,
    co: number,
    numBlocks: number,
    addIdentity: boolean,
    norm: NormCfg,
  ) {
    this.mid = Math.trunc(co * 0.5);
    this.main = new ConvModule(store, `${name}.main_conv`, ci, 2 * this.mid, 1, 1, 0, norm);
    this.final = new ConvModule(store, `${name}.final_conv`, (2 + numBlocks) * this.mid, co, 1, 1, 0, norm);
    for (let i = 0; i < numBlocks; i++)
      this.blocks.push(
        new DarknetBottleneck(store, `${name}.blocks.${i}`, this.mid, this.mid, 1, 3, addIdentity, norm),
      );
  }
  forward(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D {
    const main = this.main.forward(x, ctx);
    const parts = splitChannels(main, [this.mid, this.mid]);
    for (const b of this.blocks) parts.push(b.forward(parts[parts.length - 1], ctx));
    return this.final.forward(concatChannels(parts), ctx);
  }
}

/** YOLOv5's C3. */
export class CSPLayer implements Module {
  private main: ConvModule;
  private short: ConvModule;
  private final: ConvModule;
  private blocks: DarknetBottleneck[] = [];
  constructor(
    store: ParamStore,
    name: string,
    ci: number,
    co: number,
    numBlocks: number,
    addIdentity: boolean,
    norm: NormCfg,
  ) {
    const mid = Math.trunc(co * 0.5);
    this.main = new ConvModule(store, `${name}.main_conv`, ci, mid, 1, 1, 0, norm);
    this.short = new ConvModule(store, `${name}.short_conv`, ci, mid, 1, 1, 0, norm);
    this.final = new ConvModule(store, `${name}.final_conv`, 2 * mid, co, 1, 1, 0, norm);
    // mmdet's CSPLayer blocks: DarknetBottleneck(mid, mid, expansion=1.0, 1x1 then 3x3).
    for (let i = 0; i < numBlocks; i++)
      this.blocks.push(new DarknetBottleneck(store, `${name}.blocks.${i}`, mid, mid, 1, 1, addIdentity, norm));
  }
  forward(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D {
    let main = this.main.forward(x, ctx);
    for (const b of this.blocks) main = b.forward(main, ctx);
    return this.final.forward(concatChannels([main, this.short.forward(x, ctx)]), ctx);
  }
}

export class SPPFBottleneck implements Module {
  private conv1: ConvModule;
  private conv2: ConvModule;
  constructor(
    store: ParamStore,
    name: string,
    ci: number,
    co: number,
    private kernel: number,
    norm: NormCfg,
  ) {
    const mid = Math.trunc(ci * 0.5);
    this.conv1 = new ConvModule(store, `${name}.conv1`, ci, mid, 1, 1, 0, norm);
    this.conv2 = new ConvModule(store, `${name}.conv2`, mid * 4, co, 1, 1, 0, norm);
  }
  forward(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D {
    const a = this.conv1.forward(x, ctx);
    const y1 = maxPoolSame(a, this.kernel);
    const y2 = maxPoolSame(y1, this.kernel);
    const y3 = maxPoolSame(y2, this.kernel);
    return this.conv2.forward(concatChannels([a, y1, y2, y3]), ctx);
  }
}
