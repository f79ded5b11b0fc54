// Greedy non-maximum suppression on flat x1,y1,x2,y2 arrays.
import { iouAt, type BoxArray } from './iou';

/** Indices sorted by descending score; ties keep the lower index first (stable). */
function orderByScore(scores: ArrayLike<number>, idx?: number[]): number[] {
  const order = idx ?? Array.from({ length: scores.length }, (_, i) => i);
  return order.sort((p, q) => scores[q] - scores[p] || p - q);
}

/**
 * Keeps the highest-scoring box, drops every remaining box whose IoU with it is greater
 * than `iouThr`, and repeats. Returns kept indices in descending score order.
 */
export function nms(bboxes: BoxArray, scores: ArrayLike<number>, iouThr: number, candidates?: number[]): number[] {
  const order = orderByScore(scores, candidates ? candidates.slice() : undefined);
  const suppressed = new Uint8Array(order.length);
  const keep: number[] = [];
  for (let a = 0; a < order.length; a++) {
    if (suppressed[a]) continue;
    const i = order[a];
    keep.push(i);
    for (let b = a + 1; b < order.length; b++) {
      if (!suppressed[b] && iouAt(bboxes, i, bboxes, order[b]) > iouThr) suppressed[b] = 1;
    }
  }
  return keep;
}

/**
 * Class-aware NMS: boxes of different labels never suppress each other. Returns at most
 * `maxPerImg` kept indices (maxPerImg <= 0 means no limit), in descending score order.
 */
export function batchedNms(
  bboxes: BoxArray,
  scores: ArrayLike<number>,
  labels: ArrayLike<number>,
  iouThr: number,
  maxPerImg = 0,
): number[] {
  const byLabel = new Map<number, number[]>();
  for (let i = 0; i < scores.length; i++) {
    const list = byLabel.get(labels[i]);
    if (list) list.push(i);
    else byLabel.set(labels[i], [i]);
  }
  const keep: number[] = [];
  for (const idx of byLabel.values()) keep.push(...nms(bboxes, scores, iouThr, idx));
  orderByScore(scores, keep);
  return maxPerImg > 0 ? keep.slice(0, maxPerImg) : keep;
}
