// ExpMomentumEMA (MMYOLO): an averaged copy of every parameter and buffer, with a
// momentum that starts near 1 and decays to `momentum`: m = (1-mom)*exp(-(1+step)/gamma) + mom.
import * as tf from '@tensorflow/tfjs';
import { fusedEmaUpdate, fusedUpdatesRun } from './kernels/fused-updates';

export class ExpMomentumEMA {
  readonly shadow = new Map<string, tf.Variable>();
  steps = 0;
  constructor(
    private source: Map<string, tf.Variable>,
    readonly momentum = 0.0002,
    readonly gamma = 2000,
    readonly updateBuffers = true,
    private bufferNames = new Set<string>(),
  ) {
    for (const [n, v] of source) this.shadow.set(n, tf.variable(v.clone(), false));
  }

  update(): void {
    // BaseAveragedModel: the first update copies, later ones interpolate.
    const m = this.steps === 0 ? 1 : (1 - this.momentum) * Math.exp(-(1 + this.steps) / this.gamma) + this.momentum;
    const averaged: Array<{ src: tf.Tensor; avg: tf.Variable }> = [];
    for (const [n, v] of this.source) {
      const s = this.shadow.get(n)!;
      if (this.steps === 0 || (!this.updateBuffers && this.bufferNames.has(n))) s.assign(v);
      else averaged.push({ src: v, avg: s });
    }
    // On wasm with YOLO Lab's kernels one call updates them all (same formula and roundings).
    if (fusedUpdatesRun(averaged.flatMap((p) => [p.src, p.avg]))) fusedEmaUpdate(averaged, m);
    else tf.tidy(() => averaged.forEach(({ src, avg }) => avg.assign(tf.add(avg, tf.mul(tf.sub(src, avg), m)))));
    this.steps++;
  }

  /** Swaps model and EMA values (validation runs on the EMA weights, as EMAHook does). */
  swap(): void {
    tf.tidy(() => {
      for (const [n, v] of this.source) {
        const s = this.shadow.get(n)!;
        const tmp = v.clone();
        v.assign(s);
        s.assign(tmp);
      }
    });
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
  }
}
