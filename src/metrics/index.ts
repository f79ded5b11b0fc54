// buildEvaluator: val_evaluator/test_evaluator dict of a config -> an evaluator reporting
// MMEngine's metric keys ('pascal_voc/mAP', 'coco/bbox_mAP', ...).
import { ConfigError } from '../errors';
import type { Detections, GroundTruth } from '../data/types';
import { VocEvaluator, type VocEvalMode, type VocResult } from './voc';
import { vocSummary } from './map-summary';
import { resolve } from 'node:path';
import { DataError } from '../data/errors';
import { CocoEvaluator, DEFAULT_IOU_THRS, type CocoResult } from './coco';
import { readCocoGroundTruth } from './coco-ground-truth';

export { VocEvaluator, averagePrecision } from './voc';
export { CocoEvaluator } from './coco';

export interface Evaluator {
  process(gt: GroundTruth, det: Detections): void;
  compute(): Record<string, number>;
  /** What MMDetection logs beside the metrics of the last compute() (VOCMetric's per-class tables). */
  summary?(): string[];
}

export const KNOWN_METRICS = ['VOCMetric', 'CocoMetric'];

function bareType(type: string): string {
  const dot = type.lastIndexOf('.');
  return dot >= 0 ? type.slice(dot + 1) : type;
}

/** MMDetection rounds its reported AP values to 3 decimals. */
const round3 = (x: number) => Math.round(x * 1000) / 1000;

function numberList(v: unknown, dflt: number[], bad: (m: string) => never): number[] {
  if (v === undefined || v === null) return dflt;
  const xs = typeof v === 'number' ? [v] : v;
  if (!Array.isArray(xs) || !xs.length || !xs.every((x) => typeof x === 'number' && x > 0 && x <= 1)) {
    return bad(`iou_thrs must be a number or a list of numbers in (0, 1], got ${JSON.stringify(v)}`);
  }
  return xs;
}

export function buildEvaluator(
  cfg: any,
  classes: string[],
  where?: (path: (string | number)[]) => string | undefined,
): Evaluator {
  // A list of evaluators (MMEngine allows it): use each and merge their keys.
  if (Array.isArray(cfg)) {
    const parts = cfg.map((c, i) => buildEvaluator(c, classes, where && ((p) => where([i, ...p]))));
    return {
      process: (gt, det) => parts.forEach((p) => p.process(gt, det)),
      compute: () => Object.assign({}, ...parts.map((p) => p.compute())),
      summary: () => parts.flatMap((p) => p.summary?.() ?? []),
    };
  }
  if (!cfg || typeof cfg.type !== 'string')
    throw new ConfigError(`evaluator needs a 'type' (known: ${KNOWN_METRICS.join(', ')})`, where?.([]));
  const type = bareType(cfg.type);
  const bad = (m: string): never => {
    throw new ConfigError(`${cfg.type}: ${m}`, where?.([]));
  };
  if (type === 'VOCMetric') {
    const metric = cfg.metric ?? 'mAP';
    if (metric !== 'mAP') bad(`only metric='mAP' is supported, got ${JSON.stringify(metric)}`);
    const mode: VocEvalMode = cfg.eval_mode ?? '11points';
    if (mode !== '11points' && mode !== 'area')
      bad(`eval_mode must be '11points' or 'area', got ${JSON.stringify(mode)}`);
    if (cfg.scale_ranges) bad('scale_ranges is not supported');
    const thrs = numberList(cfg.iou_thrs, [0.5], bad);
    const ev = new VocEvaluator(classes.length, thrs, mode);
    let last: VocResult | undefined;
    return {
      process: (gt, det) => ev.process(gt, det),
      summary: () => (last ? vocSummary(last, classes) : []),
      compute: () => {
        const r = ev.compute();
        last = r;
        const out: Record<string, number> = { 'pascal_voc/mAP': r.mAP };
        for (const p of r.perIoU)
          out[`pascal_voc/AP${String(Math.trunc(p.iouThr * 100)).padStart(2, '0')}`] = round3(p.mAP);
        return out;
      },
    };
  }
  if (type === 'CocoMetric') {
    const metrics = Array.isArray(cfg.metric) ? cfg.metric : [cfg.metric ?? 'bbox'];
    if (metrics.some((m: unknown) => m !== 'bbox'))
      bad(`only metric='bbox' is supported, got ${JSON.stringify(cfg.metric)}`);
    const proposalNums =
      Array.isArray(cfg.proposal_nums) && cfg.proposal_nums.length ? cfg.proposal_nums : [100, 300, 1000];
    const thrs = numberList(cfg.iou_thrs, DEFAULT_IOU_THRS, bad);
    // CocoMetric sets COCOeval's maxDets to proposal_nums; AP uses the last one.
    const ev = new CocoEvaluator(classes.length, thrs, proposalNums[proposalNums.length - 1]);
    // With ann_file the ground truth is that file as pycocotools reads it (coco-ground-truth.ts;
    // relative paths from the working directory, as MMDetection opens them). Without it,
    // MMDetection converts the dataset's instances with area = box w*h
    // (gt_to_coco_json, mmdet/evaluation/metrics/coco_metric.py:307-318).
    const fileGt =
      typeof cfg.ann_file === 'string' && cfg.ann_file
        ? readCocoGroundTruth(resolve(cfg.ann_file), classes)
        : undefined;
    const seen = new Set<string>();
    let last: CocoResult | undefined;
    return {
      // CocoMetric's log lines around pycocotools' own printout (which is not reproduced).
      summary: () =>
        last
          ? [
              'Evaluating bbox...',
              `bbox_mAP_copypaste: ${[last.mAP, last.mAP50, last.mAP75, last.mAPs, last.mAPm, last.mAPl].map((x) => x.toFixed(3)).join(' ')}`,
            ]
          : [],
      process: (gt, det) => {
        if (!fileGt)
          return ev.process({ imageId: gt.imageId, bboxes: gt.bboxes, labels: gt.labels, ignore: gt.ignore }, det);
        const g = fileGt.get(det.imageId);
        // pycocotools' loadRes refuses results for images its file does not list.
        if (!g)
          throw new DataError(
            `${resolve(cfg.ann_file)}: error: CocoMetric ann_file has no image with id ${det.imageId} (is it the val set's annotation file?)`,
          );
        seen.add(det.imageId);
        ev.process(g, det);
      },
      compute: () => {
        // Images of the file that were never evaluated (skipped by the loader) keep their ground truth.
        for (const [id, g] of fileGt ?? []) {
          if (seen.has(id)) continue;
          seen.add(id);
          ev.process(g, {
            imageId: id,
            bboxes: new Float32Array(0),
            scores: new Float32Array(0),
            labels: new Int32Array(0),
          });
        }
        const r = ev.compute();
        last = r;
        return {
          'coco/bbox_mAP': round3(r.mAP),
          'coco/bbox_mAP_50': round3(r.mAP50),
          'coco/bbox_mAP_75': round3(r.mAP75),
          'coco/bbox_mAP_s': round3(r.mAPs),
          'coco/bbox_mAP_m': round3(r.mAPm),
          'coco/bbox_mAP_l': round3(r.mAPl),
        };
      },
    };
  }
  throw new ConfigError(`unknown evaluator type '${cfg.type}' (known: ${KNOWN_METRICS.join(', ')})`, where?.(['type']));
}
