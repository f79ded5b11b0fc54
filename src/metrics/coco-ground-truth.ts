// The ground truth MMDetection's CocoMetric evaluates against when the evaluator has an
// `ann_file`: the file itself, read by pycocotools, not the dataset's parsed instances.
// That differs from what the dataset trains on (mmdet/datasets/coco.py drops them):
// - every image of the file is evaluated (`img_ids = coco.get_img_ids()`,
//   mmdet/evaluation/metrics/coco_metric.py:419-420), including images the loader skipped;
// - every annotation of a category named in the classes counts
//   (`cat_ids = get_cat_ids(cat_names=classes)`, coco_metric.py:416-418), whatever its size,
//   position or `ignore` key: COCOeval._prepare overwrites `ignore` with `iscrowd`;
// - boxes are the file's [x, y, w, h] in doubles, unclipped; the area ranges use the
//   annotation's `area` field (the mask area in real COCO files), not the box area.
import { statSync } from 'node:fs';
import { readCocoJson } from '../data/coco-dataset';
import { DataError } from '../data/errors';
import type { CocoGroundTruth } from './coco';

/** Ground truth per image id (as a string, like DetSample.meta.imageId), in file order. */
export type CocoFileGroundTruth = Map<string, CocoGroundTruth>;

const cache = new Map<string, { key: string; gt: CocoFileGroundTruth }>();

/** Reads `annFile` as CocoMetric does; re-read only when the file changes (validation runs every few epochs). */
export function readCocoGroundTruth(annFile: string, classes: string[]): CocoFileGroundTruth {
  let key: string;
  try {
    const st = statSync(annFile);
    key = `${st.size}:${st.mtimeMs}:${classes.join('\u0000')}`;
  } catch {
    key = '';
  }
  const hit = cache.get(annFile);
  if (hit && key && hit.key === key) return hit.gt;
  const gt = parse(readCocoJson(annFile), annFile, classes);
  if (key) cache.set(annFile, { key, gt });
  return gt;
}

function parse(json: any, annFile: string, classes: string[]): CocoFileGroundTruth {
  const bad = (what: string): never => {
    throw new DataError(`${annFile}: error: CocoMetric ann_file is not a COCO detection file: ${what}`, annFile);
  };
  if (!json || typeof json !== 'object') bad('top level is not an object');
  if (!Array.isArray(json.images)) bad("no 'images' list");
  if (!Array.isArray(json.categories)) bad("no 'categories' list");
  // Category id -> class index, for the categories whose name is one of the classes.
  const label = new Map<unknown, number>();
  for (const c of json.categories) {
    const k = classes.indexOf(String(c?.name));
    if (k >= 0) label.set(c.id, k);
  }
  const out: CocoFileGroundTruth = new Map();
  const byId = new Map<unknown, { boxes: number[]; labels: number[]; crowd: number[]; areas: number[] }>();
  for (const img of json.images) {
    if (img?.id === undefined) continue;
    byId.set(img.id, { boxes: [], labels: [], crowd: [], areas: [] });
  }
  for (const a of Array.isArray(json.annotations) ? json.annotations : []) {
    const k = label.get(a?.category_id);
    const slot = byId.get(a?.image_id);
    if (k === undefined || !slot) continue;
    if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || a.bbox.some((v: unknown) => typeof v !== 'number')) {
      bad(`annotation ${a.id} has no [x, y, w, h] bbox`);
    }
    const [x, y, w, h] = a.bbox as number[];
    slot.boxes.push(x, y, x + w, y + h);
    slot.labels.push(k);
    slot.crowd.push(a.iscrowd ? 1 : 0);
    slot.areas.push(typeof a.area === 'number' ? a.area : w * h);
  }
  for (const [id, s] of byId) {
    out.set(String(id), {
      imageId: String(id),
      bboxes: Float64Array.from(s.boxes),
      labels: Int32Array.from(s.labels),
      ignore: Uint8Array.from(s.crowd),
      areas: Float64Array.from(s.areas),
    });
  }
  return out;
}
