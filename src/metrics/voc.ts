// Pascal VOC mAP as MMDetection's VOCMetric computes it (mmdet.evaluation.functional.eval_map
// with use_legacy_coordinate=True): per class, detections of all images sorted by score;
// a detection is a true positive when its best-overlapping ground truth (IoU >= thr) is not
// difficult and not yet matched; matching a difficult box counts as neither TP nor FP.
// AP is the 11-point interpolated precision (VOC2007) or the area under the monotone
// precision envelope (VOC2010+).
import type { Detections, GroundTruth } from '../data/types';

export type VocEvalMode = '11points' | 'area';

/** IoU with VOC's legacy +1 pixel convention (boxes are inclusive pixel ranges). */
function legacyIoU(a: ArrayLike<number>, i: number, b: ArrayLike<number>, j: number): number {
  const iw = Math.min(a[i * 4 + 2], b[j * 4 + 2]) - Math.max(a[i * 4], b[j * 4]) + 1;
  const ih = Math.min(a[i * 4 + 3], b[j * 4 + 3]) - Math.max(a[i * 4 + 1], b[j * 4 + 1]) + 1;
  if (iw <= 0 || ih <= 0) return 0;
  const areaA = (a[i * 4 + 2] - a[i * 4] + 1) * (a[i * 4 + 3] - a[i * 4 + 1] + 1);
  const areaB = (b[j * 4 + 2] - b[j * 4] + 1) * (b[j * 4 + 3] - b[j * 4 + 1] + 1);
  const inter = iw * ih;
  return inter / (areaA + areaB - inter);
}

export function averagePrecision(recalls: number[], precisions: number[], mode: VocEvalMode): number {
  if (mode === '11points') {
    let ap = 0;
    for (let k = 0; k <= 10; k++) {
      // k * 0.1 exactly as numpy's arange builds it (0.30000000000000004, ...): a recall of
      // exactly 0.3 does not reach that threshold in MMDetection either.
      const thr = k * 0.1;
      let best = 0;
      for (let i = 0; i < recalls.length; i++) if (recalls[i] >= thr && precisions[i] > best) best = precisions[i];
      ap += best;
    }
    return ap / 11;
  }
  const mrec = [0, ...recalls, 1];
  const mpre = [0, ...precisions, 0];
  for (let i = mpre.length - 1; i > 0; i--) mpre[i - 1] = Math.max(mpre[i - 1], mpre[i]);
  let ap = 0;
  for (let i = 0; i + 1 < mrec.length; i++) if (mrec[i + 1] !== mrec[i]) ap += (mrec[i + 1] - mrec[i]) * mpre[i + 1];
  return ap;
}

interface ClassStats {
  scores: number[];
  tp: number[]; // 1/0 per detection; ignored detections are not recorded
  fp: number[];
  numGts: number;
  numDets: number; // every detection of the class, ignored ones included (MMDetection's num_dets)
}

export interface VocResult {
  mAP: number;
  perIoU: {
    iouThr: number;
    mAP: number;
    perClass: { ap: number; numGts: number; numDets: number; recall: number }[];
  }[];
}

/** Accumulates images, then computes mAP for each IoU threshold. */
export class VocEvaluator {
  private images: { gt: GroundTruth; det: Detections }[] = [];

  constructor(
    private numClasses: number,
    private iouThrs: number[] = [0.5],
    private mode: VocEvalMode = '11points',
  ) {}

  process(gt: GroundTruth, det: Detections): void {
    this.images.push({ gt, det });
  }

  get size(): number {
    return this.images.length;
  }

  private matchImage(gt: GroundTruth, det: Detections, cls: number, thr: number, stats: ClassStats): void {
    const gtIdx: number[] = [];
    for (let j = 0; j < gt.labels.length; j++) if (gt.labels[j] === cls) gtIdx.push(j);
    const dIdx: number[] = [];
    for (let i = 0; i < det.labels.length; i++) if (det.labels[i] === cls) dIdx.push(i);
    stats.numGts += gtIdx.filter((j) => !gt.ignore[j]).length;
    stats.numDets += dIdx.length;
    // Highest score first; equal scores keep their order (a stable sort).
    dIdx.sort((a, b) => det.scores[b] - det.scores[a]);
    const covered = new Uint8Array(gtIdx.length);
    for (const i of dIdx) {
      let best = -Infinity,
        arg = -1;
      for (let k = 0; k < gtIdx.length; k++) {
        const iou = legacyIoU(det.bboxes, i, gt.bboxes, gtIdx[k]);
        if (iou > best) {
          best = iou;
          arg = k;
        }
      }
      let tp = 0,
        fp = 0;
      if (arg >= 0 && best >= thr) {
        if (gt.ignore[gtIdx[arg]]) continue; // matched a difficult box: neither
        if (!covered[arg]) {
          covered[arg] = 1;
          tp = 1;
        } else fp = 1;
      } else fp = 1;
      stats.scores.push(det.scores[i]);
      stats.tp.push(tp);
      stats.fp.push(fp);
    }
  }

  compute(): VocResult {
    const perIoU: VocResult['perIoU'] = [];
    for (const thr of this.iouThrs) {
      const perClass: VocResult['perIoU'][number]['perClass'] = [];
      for (let c = 0; c < this.numClasses; c++) {
        const stats: ClassStats = { scores: [], tp: [], fp: [], numGts: 0, numDets: 0 };
        for (const { gt, det } of this.images) this.matchImage(gt, det, c, thr, stats);
        const order = stats.scores.map((_, i) => i).sort((a, b) => stats.scores[b] - stats.scores[a] || a - b);
        const recalls: number[] = [],
          precisions: number[] = [];
        let tp = 0,
          fp = 0;
        const eps = 1.1920928955078125e-7; // float32 eps, as numpy's in eval_map
        for (const i of order) {
          tp += stats.tp[i];
          fp += stats.fp[i];
          recalls.push(tp / Math.max(stats.numGts, eps));
          precisions.push(tp / Math.max(tp + fp, eps));
        }
        perClass.push({
          ap: averagePrecision(recalls, precisions, this.mode),
          numGts: stats.numGts,
          numDets: stats.numDets,
          recall: recalls.length ? recalls[recalls.length - 1] : 0,
        });
      }
      const withGts = perClass.filter((p) => p.numGts > 0);
      const mAP = withGts.length ? withGts.reduce((s, p) => s + p.ap, 0) / withGts.length : 0;
      perIoU.push({ iouThr: thr, mAP, perClass });
    }
    return { mAP: perIoU.reduce((s, p) => s + p.mAP, 0) / perIoU.length, perIoU };
  }
}
