// Test-time augmentation as mmdet's DetTTAModel with MMYOLO's det_p5_tta.py pipeline:
// TestTimeAug's transform lists expand into one pipeline per combination (scale x flip),
// each view's boxes are mapped back to the original image, and the union is merged by
// class-aware NMS.
import { batchedNms } from '../boxes';
import { Detections } from '../data/types';
import type { TypedCfg } from './config-types';
import { baseType, checkType } from './registry';

type TransformCfg = TypedCfg & { transforms?: unknown; [k: string]: unknown };

/** Expands [Load, TestTimeAug(transforms=[[a,b],[c,d],...])] into the list of linear pipelines. */
export function expandTtaPipeline(ttaPipeline: unknown): TransformCfg[][] {
  if (!Array.isArray(ttaPipeline)) throw new Error('tta_pipeline must be a list of transforms');
  const steps = ttaPipeline as TransformCfg[];
  const idx = steps.findIndex((t) => baseType(t?.type) === 'TestTimeAug');
  if (idx < 0) return [steps];
  const before = steps.slice(0, idx);
  const after = steps.slice(idx + 1);
  const lists = (steps[idx].transforms ?? []) as TransformCfg[][];
  const flatten = (t: TransformCfg): TransformCfg[] =>
    baseType(t?.type) === 'Compose' ? ((t.transforms ?? []) as TransformCfg[]).flatMap(flatten) : [t];
  let views: TransformCfg[][] = [[]];
  for (const choices of lists) views = views.flatMap((v) => choices.map((c) => [...v, ...flatten(c)]));
  return views.map((v) => [...before, ...v, ...after]);
}

export interface TtaCfg {
  iouThr: number;
  maxPerImg: number;
}

export function ttaCfgOf(raw: unknown): TtaCfg {
  checkType(raw, ['tta_model'], 'DetTTAModel');
  const ttaModel = raw as { tta_cfg?: { nms?: TypedCfg & { iou_threshold?: number }; max_per_img?: number } };
  const nms = ttaModel.tta_cfg?.nms ?? {};
  if (nms.type && baseType(nms.type) !== 'nms')
    throw new Error(`tta_model.tta_cfg.nms.type '${nms.type}' is not supported (known: nms)`);
  return { iouThr: nms.iou_threshold ?? 0.5, maxPerImg: ttaModel.tta_cfg?.max_per_img ?? 100 };
}

/** Merges the detections of several views of one image (already in original-image pixels). */
export function mergeViews(views: Detections[], cfg: TtaCfg): Detections {
  const n = views.reduce((s, v) => s + v.scores.length, 0);
  const bboxes = new Float32Array(n * 4);
  const scores = new Float32Array(n);
  const labels = new Int32Array(n);
  let o = 0;
  for (const v of views) {
    bboxes.set(v.bboxes, o * 4);
    scores.set(v.scores, o);
    labels.set(v.labels, o);
    o += v.scores.length;
  }
  const keep = batchedNms(bboxes, scores, labels, cfg.iouThr, cfg.maxPerImg);
  return {
    imageId: views[0]?.imageId ?? '',
    bboxes: Float32Array.from(
      keep.flatMap((k) => [bboxes[k * 4], bboxes[k * 4 + 1], bboxes[k * 4 + 2], bboxes[k * 4 + 3]]),
    ),
    scores: Float32Array.from(keep.map((k) => scores[k])),
    labels: Int32Array.from(keep.map((k) => labels[k])),
  };
}
