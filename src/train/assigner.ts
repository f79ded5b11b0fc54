// BatchTaskAlignedAssigner (TOOD / YOLOv8), one image at a time in plain JS: the
// assignment needs no gradient, and with a few ground truths it is cheap.
import { ciouAt } from '../boxes';
import { Priors } from './model/head';

export interface AssignerCfg {
  topk: number;
  alpha: number;
  beta: number;
  eps: number;
  use_ciou: boolean;
}

export const defaultAssigner: AssignerCfg = { topk: 10, alpha: 0.5, beta: 6.0, eps: 1e-9, use_ciou: true };

export interface Assignment {
  fg: Uint8Array; // [A] 1 = positive
  gtIndex: Int32Array; // [A] assigned ground truth (valid where fg)
  scores: Float32Array; // [A * C] soft targets: normalised alignment metric at the gt's class
  boxes: Float32Array; // [A * 4] assigned gt box in pixels (valid where fg)
}

function iou(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const x1 = Math.max(a[i * 4], b[j * 4]);
  const y1 = Math.max(a[i * 4 + 1], b[j * 4 + 1]);
  const x2 = Math.min(a[i * 4 + 2], b[j * 4 + 2]);
  const y2 = Math.min(a[i * 4 + 3], b[j * 4 + 3]);
  const inter = Math.max(0, x2 - x1) * Math.max(0, y2 - y1);
  const ua =
    (a[i * 4 + 2] - a[i * 4]) * (a[i * 4 + 3] - a[i * 4 + 1]) +
    (b[j * 4 + 2] - b[j * 4]) * (b[j * 4 + 3] - b[j * 4 + 1]) -
    inter;
  return inter / (ua + 1e-9);
}

/**
 * predScores: [A*C] sigmoid scores; predBoxes: [A*4] pixels; gtBoxes [G*4]; gtLabels [G].
 */
export function assignTaskAligned(
  predScores: ArrayLike<number>,
  predBoxes: ArrayLike<number>,
  priors: Priors,
  gtBoxes: ArrayLike<number>,
  gtLabels: ArrayLike<number>,
  numClasses: number,
  cfg: AssignerCfg = defaultAssigner,
): Assignment {
  const A = priors.count;
  const G = gtLabels.length;
  const out: Assignment = {
    fg: new Uint8Array(A),
    gtIndex: new Int32Array(A).fill(-1),
    scores: new Float32Array(A * numClasses),
    boxes: new Float32Array(A * 4),
  };
  if (G === 0) return out;
  const overlaps = new Float32Array(G * A);
  const metric = new Float32Array(G * A);
  const pos = new Uint8Array(G * A);
  const computed = new Uint8Array(G * A);
  for (let g = 0; g < G; g++) {
    const [x1, y1, x2, y2] = [gtBoxes[g * 4], gtBoxes[g * 4 + 1], gtBoxes[g * 4 + 2], gtBoxes[g * 4 + 3]];
    const cand: number[] = [];
    for (let a = 0; a < A; a++) {
      const px = priors.x[a];
      const py = priors.y[a];
      if (Math.min(px - x1, py - y1, x2 - px, y2 - py) <= cfg.eps) continue; // centre not inside the gt
      const ov = Math.max(
        0,
        cfg.use_ciou ? ciouAt(gtBoxes as any, g, predBoxes as any, a) : iou(gtBoxes, g, predBoxes, a),
      );
      overlaps[g * A + a] = ov;
      metric[g * A + a] = Math.pow(predScores[a * numClasses + gtLabels[g]], cfg.alpha) * Math.pow(ov, cfg.beta);
      computed[g * A + a] = 1;
      cand.push(a);
    }
    // Top-k candidates by alignment metric (stable: ties keep the lower index).
    cand.sort((p, q) => metric[g * A + q] - metric[g * A + p] || p - q);
    for (let k = 0; k < Math.min(cfg.topk, cand.length); k++) pos[g * A + cand[k]] = 1;
  }
  // A prior claimed by several gts goes to the gt it overlaps most among ALL gts of the image,
  // claimant or not: select_highest_overlaps takes overlaps.argmax over every gt (first on ties)
  // and makes that the only positive (mmyolo/models/task_modules/assigners/utils.py L61-75).
  // Overlaps and metrics of pairs never computed above (prior outside the gt) are computed here.
  const overlapAt = (g: number, a: number): number => {
    if (!computed[g * A + a]) {
      const ov = Math.max(
        0,
        cfg.use_ciou ? ciouAt(gtBoxes as any, g, predBoxes as any, a) : iou(gtBoxes, g, predBoxes, a),
      );
      overlaps[g * A + a] = ov;
      metric[g * A + a] = Math.pow(predScores[a * numClasses + gtLabels[g]], cfg.alpha) * Math.pow(ov, cfg.beta);
      computed[g * A + a] = 1;
    }
    return overlaps[g * A + a];
  };
  for (let a = 0; a < A; a++) {
    let n = 0;
    let claimant = -1;
    for (let g = 0; g < G; g++)
      if (pos[g * A + a]) {
        n++;
        claimant = g;
      }
    if (n === 0) continue;
    let best = claimant;
    if (n > 1) {
      best = 0;
      for (let g = 1; g < G; g++) if (overlapAt(g, a) > overlapAt(best, a)) best = g;
      for (let g = 0; g < G; g++) pos[g * A + a] = g === best ? 1 : 0;
    }
    out.fg[a] = 1;
    out.gtIndex[a] = best;
    for (let k = 0; k < 4; k++) out.boxes[a * 4 + k] = gtBoxes[best * 4 + k];
  }
  // Soft targets: metric normalised per gt so its best anchor gets the gt's best IoU.
  const norm = new Float32Array(A);
  for (let g = 0; g < G; g++) {
    let maxMetric = 0;
    let maxOv = 0;
    for (let a = 0; a < A; a++)
      if (pos[g * A + a]) {
        maxMetric = Math.max(maxMetric, metric[g * A + a]);
        maxOv = Math.max(maxOv, overlaps[g * A + a]);
      }
    for (let a = 0; a < A; a++)
      if (pos[g * A + a]) norm[a] = Math.max(norm[a], (metric[g * A + a] * maxOv) / (maxMetric + cfg.eps));
  }
  for (let a = 0; a < A; a++) if (out.fg[a]) out.scores[a * numClasses + gtLabels[out.gtIndex[a]]] = norm[a];
  return out;
}
