// One training iteration: forward, loss, backward and the optimizer update for a batch.
// Kept apart from the loop so the step's implementation (kernels, threads) can change alone.
import * as tf from '@tensorflow/tfjs';
import { DetSample } from '../data/types';
import { LossScaler } from './amp';
import { YOLODetector } from './model/detector';
import { markConstant } from './ops';
import { Optimizer } from './optim';

export function targetsOf(samples: DetSample[]) {
  const boxes: Float32Array[] = [];
  const labels: Int32Array[] = [];
  for (const s of samples) {
    const keep: number[] = [];
    for (let i = 0; i < s.labels.length; i++) if (!s.ignore[i]) keep.push(i);
    boxes.push(
      Float32Array.from(
        keep.flatMap((i) => [s.bboxes[i * 4], s.bboxes[i * 4 + 1], s.bboxes[i * 4 + 2], s.bboxes[i * 4 + 3]]),
      ),
    );
    labels.push(Int32Array.from(keep.map((i) => s.labels[i])));
  }
  return { boxes, labels };
}

export interface StepResult {
  loss: number;
  /** The head's named loss terms, in the order MMYOLO logs them (loss_cls, loss_bbox, loss_dfl / loss_obj). */
  terms: Record<string, number>;
  skipped: boolean;
  grad_norm?: number;
}

/** One forward+backward+update. With a scaler: scaled loss, unscaled grads, skip on inf/NaN. */
export function trainStep(det: YOLODetector, opt: Optimizer, samples: DetSample[], scaler?: LossScaler): StepResult {
  const { images, h, w } = YOLODetector.collate(samples);
  const targets = targetsOf(samples);
  const ctx = { training: true, bnUpdates: [] as Array<{ variable: tf.Variable; value: tf.Tensor }> };
  const byVar = new Map<string, string>();
  const vars: tf.Variable[] = [];
  for (const g of opt.groups)
    for (const p of g.params) {
      byVar.set(p.variable.name, p.name);
      vars.push(p.variable);
    }
  let kept: Array<[string, tf.Tensor]> = [];
  const { value, grads } = tf.variableGrads(() => {
    const x = markConstant(det.preprocess(images, samples.length, h, w));
    const t = det.loss(x, targets, ctx);
    kept = Object.entries(t.terms).map(([k, v]) => [k, tf.keep(v)]);
    return scaler ? (tf.mul(t.loss, scaler.scale) as tf.Scalar) : t.loss;
  }, vars);
  const named: Record<string, tf.Tensor> = {};
  for (const [k, g] of Object.entries(grads)) named[byVar.get(k)!] = g;
  const ok = scaler ? scaler.unscale(named) : tf.tidy(() => !tf.any(tf.logicalNot(tf.isFinite(value))).dataSync()[0]);
  let gradNorm: number | undefined;
  if (ok) {
    gradNorm = opt.step(named);
    for (const u of ctx.bnUpdates) u.variable.assign(u.value);
  }
  const terms = Object.fromEntries(kept.map(([k, t]) => [k, t.dataSync()[0]]));
  const lossV = value.dataSync()[0] / (scaler ? scaler.scale * (ok ? 1 : 2) : 1);
  tf.dispose([value, ...Object.values(named), ...kept.map(([, t]) => t), ...ctx.bnUpdates.map((u) => u.value)]);
  return {
    loss: scaler ? Object.values(terms).reduce((a, b) => a + b, 0) : lossV,
    terms,
    skipped: !ok,
    grad_norm: gradNorm,
  };
}
