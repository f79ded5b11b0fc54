// Optimizers with PyTorch semantics (SGD with momentum/nesterov/weight decay, AdamW) over
// YOLOv5OptimizerConstructor's three parameter groups: 0 = conv weights (decayed),
// 1 = norm weights, 2 = biases. Groups carry their own lr and momentum so the
// YOLOv5ParamSchedulerHook can warm the bias group up from warmup_bias_lr.
import * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../errors';
import type { OptimizerCfg, OptimWrapperCfg } from './config-types';
import { fusedUpdatesRun, fusedSgdStep, fusedSumSquares, SgdEntry } from './kernels/fused-updates';
import { ParamInfo, ParamStore } from './params';
import { pyRound } from './py-math';
import { baseType, checkType, where } from './registry';

export interface ParamGroup {
  params: ParamInfo[];
  lr: number;
  initialLr: number;
  momentum: number;
  weightDecay: number;
  lrMult: number;
  /** YOLOv5OptimizerConstructor's group: 0 conv weights, 1 norm weights, 2 biases (0 otherwise). */
  index: number;
}

export interface OptimizerState {
  type: 'SGD' | 'AdamW';
  step: number;
  slots: Map<string, tf.Variable[]>; // per parameter: SGD [buf]; AdamW [m, v]
}

export class Optimizer {
  readonly groups: ParamGroup[] = [];
  readonly type: 'SGD' | 'AdamW';
  private nesterov: boolean;
  private betas: [number, number];
  private eps: number;
  readonly state: OptimizerState;
  readonly frozenByLrMult: string[] = [];
  /** optim_wrapper.clip_grad.max_norm (MMYOLO's YOLOv8 uses 10), or undefined. */
  readonly clipNorm?: number;

  constructor(store: ParamStore, wrapper: OptimWrapperCfg) {
    const opt: OptimizerCfg = wrapper.optimizer ?? {};
    if (wrapper.clip_grad) {
      if ((wrapper.clip_grad.norm_type ?? 2) !== 2)
        throw new ConfigError(
          `optim_wrapper.clip_grad: only norm_type=2 is supported`,
          where(['optim_wrapper', 'clip_grad', 'norm_type']),
        );
      this.clipNorm = wrapper.clip_grad.max_norm;
    }
    this.type = checkType(opt, ['optim_wrapper', 'optimizer'], 'SGD', 'AdamW') as 'SGD' | 'AdamW';
    const lr = opt.lr ?? 0.01;
    this.nesterov = !!opt.nesterov;
    this.betas = opt.betas ?? [0.9, 0.999];
    this.eps = opt.eps ?? 1e-8;
    const momentum = this.type === 'SGD' ? (opt.momentum ?? 0) : this.betas[0];
    // torch.optim's own default weight_decay (SGD 0, AdamW 0.01): what a group that names none gets.
    const optimizerDefaultWd = this.type === 'AdamW' ? 0.01 : 0;
    // `constructor` is a config key here; an absent one reads as the inherited Object function.
    const ctorKey: unknown = wrapper.constructor;
    const ctorType =
      typeof ctorKey === 'string'
        ? checkType(
            { type: ctorKey },
            ['optim_wrapper', 'constructor'],
            'YOLOv5OptimizerConstructor',
            'DefaultOptimWrapperConstructor',
          )
        : 'DefaultOptimWrapperConstructor';
    const yolo = ctorType === 'YOLOv5OptimizerConstructor';
    // YOLOv5OptimizerConstructor pops weight_decay (default 0) for the conv-weight group only; the
    // norm and bias groups name none, so they get the optimizer's default (AdamW: 0.01) (L84, L112-121).
    let wd = opt.weight_decay ?? (yolo ? 0 : optimizerDefaultWd);
    // YOLOv5OptimizerConstructor reads only base_total_batch_size from paramwise_cfg (and asserts
    // it is there when paramwise_cfg is given); custom_keys are never read (yolov5_optim_constructor.py L66-78).
    const paramwise = wrapper.paramwise_cfg;
    let custom: Record<string, { lr_mult?: number; decay_mult?: number }> = {};
    if (yolo) {
      if (paramwise && paramwise.base_total_batch_size === undefined)
        throw new ConfigError(
          `optim_wrapper.paramwise_cfg: YOLOv5OptimizerConstructor needs base_total_batch_size in it (MMYOLO asserts this)`,
          where(['optim_wrapper', 'paramwise_cfg']),
        );
      const base = paramwise?.base_total_batch_size ?? 64;
      // Weight decay is scaled only when the optimizer names its batch size (L86-98), by
      // total * accumulate / base with accumulate = max(round(base / total), 1): 1 where the batch
      // divides the base, linear above it, and whatever Python's rounding gives in between (24 of
      // 64: 1.125; 32 of 80: round(2.5) = 2, so 0.8). One process: world size 1.
      if (opt.batch_size_per_gpu !== undefined) {
        const total = opt.batch_size_per_gpu;
        const accumulate = Math.max(pyRound(base / total), 1);
        const scale = (total * accumulate) / base;
        if (scale !== 1) wd *= scale;
      }
    } else custom = paramwise?.custom_keys ?? {};
    const multFor = (name: string) => {
      // MMEngine: the longest matching key wins, equal lengths in alphabetical order.
      const keys = Object.keys(custom)
        .filter((k) => name.includes(k))
        .sort()
        .sort((a, b) => b.length - a.length);
      return keys.length ? custom[keys[0]] : {};
    };
    const kinds = yolo ? (['conv', 'norm', 'bias'] as const) : null;
    const byKey = new Map<string, ParamGroup>();
    for (const p of store.trainable()) {
      const m = multFor(p.name);
      const lrMult = m.lr_mult ?? 1;
      if (lrMult === 0) {
        this.frozenByLrMult.push(p.name);
        continue; // lr_mult=0: never updated, counted as frozen
      }
      const gi = kinds ? kinds.indexOf(p.kind) : 0;
      const decay = (yolo ? (gi === 0 ? wd : optimizerDefaultWd) : wd) * (m.decay_mult ?? 1);
      const key = `${gi}/${lrMult}/${decay}`;
      let g = byKey.get(key);
      if (!g) {
        g = { params: [], lr: lr * lrMult, initialLr: lr * lrMult, momentum, weightDecay: decay, lrMult, index: gi };
        byKey.set(key, g);
      }
      g.params.push(p);
    }
    this.groups = [...byKey.values()].sort((a, b) => a.index - b.index);
    this.state = { type: this.type, step: 0, slots: new Map() };
    for (const g of this.groups)
      for (const p of g.params) {
        const z = () => tf.variable(tf.zerosLike(p.variable), false);
        this.state.slots.set(p.name, this.type === 'SGD' ? [z()] : [z(), z()]);
      }
  }

  /** Index of the YOLOv5 group (0 conv, 1 norm, 2 bias) a group belongs to. */
  groupIndex(g: ParamGroup): number {
    return g.index;
  }

  trainableNames(): string[] {
    return this.groups.flatMap((g) => g.params.map((p) => p.name));
  }

  /** clip_grad (when configured) and the update: returns the gradients' norm before clipping
   * (undefined without clip_grad). The clipping scale goes into the update, as in clip(). */
  step(grads: Record<string, tf.Tensor>): number | undefined {
    if (this.clipNorm === undefined) {
      this.apply(grads);
      return undefined;
    }
    const norm = this.gradNorm(grads);
    const coef = this.clipNorm / (norm + 1e-6);
    this.apply(grads, coef < 1 ? coef : undefined);
    return norm;
  }

  /** The global L2 norm of the gradients, as torch.nn.utils.clip_grad_norm_ computes it
   * (each tensor's sum of squares in float32, added in order, then the square root). */
  gradNorm(grads: Record<string, tf.Tensor>): number {
    const gs = Object.values(grads);
    if (fusedUpdatesRun(gs)) {
      let total = 0;
      for (const s of fusedSumSquares(gs)) total = Math.fround(total + s);
      return Math.sqrt(total);
    }
    return tf.tidy(() => Math.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g)))).dataSync()[0]));
  }

  /** torch.nn.utils.clip_grad_norm_: scales grads in place so the global L2 norm is at most
   * clipNorm; returns the norm before clipping. */
  clip(grads: Record<string, tf.Tensor>): number {
    const norm = this.gradNorm(grads);
    if (this.clipNorm === undefined) return norm;
    const coef = this.clipNorm / (norm + 1e-6);
    if (coef < 1)
      for (const [k, g] of Object.entries(grads)) {
        grads[k] = tf.mul(g, coef);
        g.dispose();
      }
    return norm;
  }

  /** Applies one update; grads are float32 and already unscaled. With `scale`, every gradient
   * is first multiplied by it (clip_grad's coefficient). */
  apply(grads: Record<string, tf.Tensor>, scale?: number): void {
    this.state.step++;
    const t = this.state.step;
    if (this.type === 'SGD' && this.applyFusedSgd(grads, t === 1, scale)) return;
    tf.tidy(() => {
      for (const g of this.groups)
        for (const p of g.params) {
          let grad = grads[p.name];
          if (!grad) continue;
          if (scale !== undefined) grad = tf.mul(grad, scale);
          const v = p.variable;
          const slots = this.state.slots.get(p.name)!;
          if (this.type === 'SGD') {
            if (g.weightDecay) grad = tf.add(grad, tf.mul(v, g.weightDecay));
            const buf = slots[0];
            const nb = t === 1 ? grad : tf.add(tf.mul(buf, g.momentum), grad);
            buf.assign(nb);
            const step = this.nesterov ? tf.add(grad, tf.mul(nb, g.momentum)) : nb;
            v.assign(tf.sub(v, tf.mul(step, g.lr)));
          } else {
            const [m, s] = slots;
            const [b1, b2] = [g.momentum, this.betas[1]];
            let pv: tf.Tensor = v;
            if (g.weightDecay) pv = tf.mul(v, 1 - g.lr * g.weightDecay);
            m.assign(tf.add(tf.mul(m, b1), tf.mul(grad, 1 - b1)));
            s.assign(tf.add(tf.mul(s, b2), tf.mul(tf.square(grad), 1 - b2)));
            const mh = tf.div(m, 1 - Math.pow(b1, t));
            const vh = tf.div(s, 1 - Math.pow(b2, t));
            v.assign(tf.sub(pv, tf.mul(tf.div(mh, tf.add(tf.sqrt(vh), this.eps)), g.lr)));
          }
        }
    });
  }

  /** The SGD update of every parameter in one kernel call (wasm with YOLO Lab's kernels);
   * false where it does not run. Same formula and float32 roundings as the ops above. */
  private applyFusedSgd(grads: Record<string, tf.Tensor>, first: boolean, scale: number | undefined): boolean {
    const entries: SgdEntry[] = [];
    this.groups.forEach((g, gi) => {
      for (const p of g.params) {
        const grad = grads[p.name];
        if (grad) entries.push({ param: p.variable, grad, buf: this.state.slots.get(p.name)![0], group: gi });
      }
    });
    if (!fusedUpdatesRun(entries.flatMap((e) => [e.param, e.grad, e.buf]))) return false;
    fusedSgdStep(
      entries,
      this.groups.map((g) => ({ lr: g.lr, momentum: g.momentum, weightDecay: g.weightDecay })),
      { first, nesterov: this.nesterov, scale },
    );
    return true;
  }
}

export function optimizerTypeOf(wrapper: OptimWrapperCfg | undefined): string {
  return baseType(wrapper?.optimizer?.type);
}
