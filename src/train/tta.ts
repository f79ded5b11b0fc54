// Test-time augmentation as mmdet's DetTTAModel with MMYOLO's det_p5_tta.py pipeline:
// TestTimeAug's transform lists expand into one pipeline per combination (scale x flip),
// each view's boxes are mapped back to the original image, and the union is merged by
// class-aware NMS.
import { batchedNms } from '../boxes';
import { Detections } from '../data/types';
import { baseType, checkType } from './registry';

/** Expands [Load, TestTimeAug(transforms=[[a,b],[c,d],...])] into the list of linear pipelines. */
export function expandTtaPipeline(ttaPipeline: any[]): any[][] {
  if (!Array.isArray(ttaPipeline)) throw new Error('tta_pipeline must be a list of transforms');
  const idx = ttaPipeline.findIndex((t) => baseType(t?.type) === 'TestTimeAug');
  if (idx < 0) return [ttaPipeline];
  const before = ttaPipeline.slice(0, idx);
  const after = ttaPipeline.slice(idx + 1);
  const lists: any[][] = ttaPipeline[idx].transforms ?? [];
  const flatten = (t: any): any[] => (baseType(t?.type) === 'Compose' ? (t.transforms ?? []).flatMap(flatten) : [t]);
  let views: any[][] = [[]];
  for (const choices of lists) views = views.flatMap((v) => (choices as any[]).map((c) => [...v, ...flatten(c)]));
  return views.map((v) => [...before, ...v, ...after]);
}

export interface TtaCfg {
  iouThr: number;
  maxPerImg: number;
}

export function ttaCfgOf(ttaModel: any): TtaCfg {
  checkType(ttaModel, ['tta_model'], 'DetTTAModel');
  const nms = ttaModel.tta_cfg?.nms ?? {};
  if (nms.type && baseType(nms.type) !== 'nms') throw new Error(`tta_model.tta_cfg.nms.type '${nms.type}' is not supported (known: nms)`);
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
    bboxes: Float32Array.from(keep.flatMap((k) => [bboxes[k * 4], bboxes[k * 4 + 1], bboxes[k * 4 + 2], bboxes[k * 4 + 3]])),
    scores: Float32Array.from(keep.map((k) => scores[k])),
    labels: Int32Array.from(keep.map((k) => labels[k])),
  };
}
