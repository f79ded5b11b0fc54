// COCO bbox mAP as pycocotools' COCOeval computes it (evaluateImg + accumulate +
// summarize), for the keys MMDetection's CocoMetric reports. Per image and class:
// ground truths outside the area range or crowd are "ignore"; detections (best score
// first, at most maxDets per image) greedily take the best-IoU unmatched ground truth,
// preferring non-ignored ones; crowd regions match any number of detections with
// IoU = intersection / detection area. Precision is made monotone and sampled at 101
// recall points; AP averages over IoU thresholds .50:.05:.95 and classes with ground truth.
import type { Detections } from '../data/types';

export const AREA_RANGES: Record<'all' | 'small' | 'medium' | 'large', [number, number]> = {
  all: [0, 1e10],
  small: [0, 32 * 32],
  medium: [32 * 32, 96 * 96],
  large: [96 * 96, 1e10],
};

/** numpy.linspace(start, stop, num) to the last bit, so thresholds equal pycocotools' (0.8999999999999999, ...). */
export function linspace(start: number, stop: number, num: number): number[] {
  const step = (stop - start) / (num - 1);
  return Array.from({ length: num }, (_, i) => (i === num - 1 ? stop : i * step + start));
}

export const DEFAULT_IOU_THRS = linspace(0.5, 0.95, 10);
const REC_THRS = linspace(0, 1, 101);

/**
 * One image's ground truth as COCOeval sees it: boxes x1,y1,x2,y2; `ignore` is the crowd
 * flag (pycocotools sets ignore = iscrowd); `areas` the annotation's `area` field, used
 * for the small/medium/large ranges (box area when absent).
 */
export interface CocoGroundTruth {
  imageId: string;
  bboxes: ArrayLike<number>;
  labels: ArrayLike<number>;
  ignore: ArrayLike<number>;
  areas?: ArrayLike<number>;
}

interface ImageEntry {
  gtBoxes: ArrayLike<number>;
  gtLabels: ArrayLike<number>;
  gtCrowd: ArrayLike<number>;
  gtArea: Float64Array;
  det: Detections;
  /** Per class: indices of its ground truths and detections in this image. */
  byClass: Map<number, { g: number[]; d: number[] }>;
}

interface EvalImg {
  dtScores: number[];
  dtMatched: Uint8Array[]; // [thr][d]
  dtIgnore: Uint8Array[]; // [thr][d]
  numGtNotIgnored: number;
}

function xyxyArea(b: ArrayLike<number>, i: number): number {
  return (b[i * 4 + 2] - b[i * 4]) * (b[i * 4 + 3] - b[i * 4 + 1]);
}

/** pycocotools maskUtils.iou for boxes: crowd ground truth uses the detection's area as denominator. */
function cocoIoU(d: ArrayLike<number>, i: number, g: ArrayLike<number>, j: number, crowd: boolean): number {
  const iw = Math.min(d[i * 4 + 2], g[j * 4 + 2]) - Math.max(d[i * 4], g[j * 4]);
  const ih = Math.min(d[i * 4 + 3], g[j * 4 + 3]) - Math.max(d[i * 4 + 1], g[j * 4 + 1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const u = crowd ? xyxyArea(d, i) : xyxyArea(d, i) + xyxyArea(g, j) - inter;
  return inter / u;
}

export interface CocoResult {
  /** AP at [.5:.95], .5, .75 and for small/medium/large objects; -1 where nothing could be evaluated (as pycocotools). */
  mAP: number;
  mAP50: number;
  mAP75: number;
  mAPs: number;
  mAPm: number;
  mAPl: number;
  perClass: number[]; // AP[.5:.95] per class, -1 when the class has no ground truth
}

export class CocoEvaluator {
  private images: ImageEntry[] = [];
  /** Per class, the images that have ground truth or detections of it. */
  private imagesOfClass = new Map<number, ImageEntry[]>();

  constructor(
    private numClasses: number,
    private iouThrs: number[] = DEFAULT_IOU_THRS,
    private maxDets = 100,
  ) {}

  process(gt: CocoGroundTruth, det: Detections): void {
    const n = gt.labels.length;
    const area = new Float64Array(n);
    for (let j = 0; j < n; j++) area[j] = gt.areas && gt.areas.length === n ? gt.areas[j] : xyxyArea(gt.bboxes, j);
    const byClass = new Map<number, { g: number[]; d: number[] }>();
    const slot = (c: number) => {
      let e = byClass.get(c);
      if (!e) byClass.set(c, (e = { g: [], d: [] }));
      return e;
    };
    for (let j = 0; j < n; j++) slot(gt.labels[j]).g.push(j);
    for (let i = 0; i < det.labels.length; i++) slot(det.labels[i]).d.push(i);
    const entry: ImageEntry = {
      gtBoxes: gt.bboxes,
      gtLabels: gt.labels,
      gtCrowd: gt.ignore,
      gtArea: area,
      det,
      byClass,
    };
    this.images.push(entry);
    for (const c of byClass.keys()) {
      const list = this.imagesOfClass.get(c);
      if (list) list.push(entry);
      else this.imagesOfClass.set(c, [entry]);
    }
  }

  get size(): number {
    return this.images.length;
  }

  private evaluateImg(img: ImageEntry, cls: number, aRng: [number, number]): EvalImg | null {
    const own = img.byClass.get(cls);
    if (!own) return null;
    const g = own.g.slice();
    let d = own.d.slice();
    const gtIgnore = (j: number) => (img.gtCrowd[j] || img.gtArea[j] < aRng[0] || img.gtArea[j] > aRng[1] ? 1 : 0);
    // Non-ignored ground truths first (stable), detections by descending score (stable), top maxDets.
    g.sort((a, b) => gtIgnore(a) - gtIgnore(b));
    d.sort((a, b) => img.det.scores[b] - img.det.scores[a]);
    d = d.slice(0, this.maxDets);
    const gIg = g.map(gtIgnore);
    const T = this.iouThrs.length;
    const ious = d.map((di) => g.map((gj) => cocoIoU(img.det.bboxes, di, img.gtBoxes, gj, img.gtCrowd[gj] === 1)));
    const dtMatched: Uint8Array[] = [],
      dtIgnore: Uint8Array[] = [];
    for (let t = 0; t < T; t++) {
      const gtm = new Uint8Array(g.length);
      const dtm = new Uint8Array(d.length);
      const dtIg = new Uint8Array(d.length);
      for (let di = 0; di < d.length; di++) {
        let iou = Math.min(this.iouThrs[t], 1 - 1e-10);
        let m = -1;
        for (let gi = 0; gi < g.length; gi++) {
          if (gtm[gi] && !img.gtCrowd[g[gi]]) continue;
          // Once matched to a regular ground truth, ignored ones (sorted last) cannot take over.
          if (m > -1 && gIg[m] === 0 && gIg[gi] === 1) break;
          if (ious[di][gi] < iou) continue;
          iou = ious[di][gi];
          m = gi;
        }
        if (m === -1) continue;
        dtIg[di] = gIg[m];
        dtm[di] = 1;
        gtm[m] = 1;
      }
      // Unmatched detections outside the area range are ignored too.
      for (let di = 0; di < d.length; di++) {
        const a = xyxyArea(img.det.bboxes, d[di]);
        if (!dtm[di] && (a < aRng[0] || a > aRng[1])) dtIg[di] = 1;
      }
      dtMatched.push(dtm);
      dtIgnore.push(dtIg);
    }
    return {
      dtScores: d.map((i) => img.det.scores[i]),
      dtMatched,
      dtIgnore,
      numGtNotIgnored: gIg.filter((x) => x === 0).length,
    };
  }

  /** precision[t][r] for one class and area range, or null when it has no non-ignored ground truth. */
  private accumulate(cls: number, aRng: [number, number]): number[][] | null {
    const evals = (this.imagesOfClass.get(cls) ?? [])
      .map((img) => this.evaluateImg(img, cls, aRng))
      .filter((e): e is EvalImg => e !== null);
    const npig = evals.reduce((s, e) => s + e.numGtNotIgnored, 0);
    if (npig === 0) return null;
    const scores: number[] = [];
    const refs: [EvalImg, number][] = [];
    for (const e of evals) e.dtScores.forEach((s, k) => (scores.push(s), refs.push([e, k])));
    const order = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const out: number[][] = [];
    for (let t = 0; t < this.iouThrs.length; t++) {
      const rc: number[] = [],
        pr: number[] = [];
      let tp = 0,
        fp = 0;
      for (const i of order) {
        const [e, k] = refs[i];
        if (e.dtIgnore[t][k]) {
          // Ignored detections do not move the curve, but pycocotools still lists a point.
        } else if (e.dtMatched[t][k]) tp++;
        else fp++;
        rc.push(tp / npig);
        pr.push(tp / (tp + fp + 2.220446049250313e-16));
      }
      for (let i = pr.length - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
      const q = new Array(REC_THRS.length).fill(0);
      // searchsorted(rc, recThrs, side='left'): first index with rc[idx] >= thr.
      let idx = 0;
      for (let r = 0; r < REC_THRS.length; r++) {
        while (idx < rc.length && rc[idx] < REC_THRS[r]) idx++;
        if (idx < rc.length) q[r] = pr[idx];
      }
      out.push(q);
    }
    return out;
  }

  compute(): CocoResult {
    const cache = new Map<string, number[][] | null>();
    const acc = (c: number, area: keyof typeof AREA_RANGES) => {
      const key = `${c}:${area}`;
      if (!cache.has(key)) cache.set(key, this.accumulate(c, AREA_RANGES[area]));
      return cache.get(key)!;
    };
    const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : -1);
    const collect = (area: keyof typeof AREA_RANGES, tSel?: number) => {
      const vals: number[] = [];
      for (let c = 0; c < this.numClasses; c++) {
        const p = acc(c, area);
        if (!p) continue;
        p.forEach((q, t) => {
          if (tSel === undefined || t === tSel) vals.push(...q);
        });
      }
      return mean(vals);
    };
    const tIndex = (thr: number) => this.iouThrs.findIndex((t) => Math.abs(t - thr) < 1e-9);
    const perClass: number[] = [];
    for (let c = 0; c < this.numClasses; c++) {
      const p = acc(c, 'all');
      perClass.push(p ? mean(p.flat()) : -1);
    }
    const validAll = perClass.filter((x) => x >= 0);
    const t50 = tIndex(0.5),
      t75 = tIndex(0.75);
    return {
      mAP: validAll.length ? collect('all') : -1,
      mAP50: t50 >= 0 ? collect('all', t50) : -1,
      mAP75: t75 >= 0 ? collect('all', t75) : -1,
      mAPs: collect('small'),
      mAPm: collect('medium'),
      mAPl: collect('large'),
      perClass,
    };
  }
}
