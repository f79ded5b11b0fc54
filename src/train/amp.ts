// Dynamic loss scaling (PyTorch GradScaler semantics, as MMEngine's AmpOptimWrapper
// uses): multiply the loss by `scale`, unscale the gradients, skip the step and halve
// the scale when a gradient is inf/NaN, double it after `growthInterval` clean steps.
import type { OptimWrapperCfg } from './config-types';
import * as tf from '@tensorflow/tfjs';

export class LossScaler {
  private clean = 0;
  constructor(
    public scale = 65536,
    readonly dynamic = true,
    readonly growthInterval = 2000,
    readonly growthFactor = 2,
    readonly backoffFactor = 0.5,
  ) {}

  /** Unscales grads in place; returns false (step must be skipped) on inf/NaN. */
  unscale(grads: Record<string, tf.Tensor>): boolean {
    for (const [k, g] of Object.entries(grads)) {
      const u = tf.tidy(() => tf.div(g, this.scale));
      g.dispose();
      grads[k] = u;
    }
    const bad = tf.tidy(() => {
      const flags = Object.values(grads).map((g) => tf.any(tf.logicalNot(tf.isFinite(g))));
      return flags.length ? tf.any(tf.stack(flags)).dataSync()[0] : 0;
    });
    const finite = !bad;
    this.update(finite);
    return finite;
  }

  update(finite: boolean): void {
    if (!this.dynamic) return;
    if (!finite) {
      this.scale *= this.backoffFactor;
      this.clean = 0;
    } else if (++this.clean >= this.growthInterval) {
      this.scale *= this.growthFactor;
      this.clean = 0;
    }
  }

  state(): { scale: number; clean: number } {
    return { scale: this.scale, clean: this.clean };
  }
  load(s: { scale: number; clean: number }): void {
    this.scale = s.scale;
    this.clean = s.clean;
  }
}

/** Reads optim_wrapper.loss_scale: 'dynamic', a number (static) or a dict of GradScaler args. */
export function lossScalerFrom(wrapper: OptimWrapperCfg): LossScaler {
  const ls = wrapper.loss_scale ?? 'dynamic';
  if (ls === 'dynamic') return new LossScaler();
  if (typeof ls === 'number') return new LossScaler(ls, false);
  if (ls && typeof ls === 'object')
    return new LossScaler(
      ls.init_scale ?? 65536,
      true,
      ls.growth_interval ?? 2000,
      ls.growth_factor ?? 2,
      ls.backoff_factor ?? 0.5,
    );
  throw new Error(`optim_wrapper.loss_scale must be 'dynamic', a number or a dict, got ${JSON.stringify(ls)}`);
}
