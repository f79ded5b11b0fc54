import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CocoEvaluator } from '../../src/metrics/coco';
import { buildEvaluator } from '../../src/metrics/index';
import type { Detections, GroundTruth } from '../../src/data/types';

const close = (a: number, b: number, tol = 1e-9, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} != ${b}`);

function gt(imageId: string, boxes: number[][], labels: number[], crowd: number[] = labels.map(() => 0)): GroundTruth {
  return {
    imageId,
    width: 400,
    height: 400,
    bboxes: Float32Array.from(boxes.flat()),
    labels: Int32Array.from(labels),
    ignore: Uint8Array.from(crowd),
  };
}
function det(imageId: string, boxes: number[][], scores: number[], labels: number[]): Detections {
  return {
    imageId,
    bboxes: Float32Array.from(boxes.flat()),
    scores: Float32Array.from(scores),
    labels: Int32Array.from(labels),
  };
}

// Classes: 0 cat, 1 dog, 2 bird (bird has detections but no ground truth: excluded everywhere).
const images = [
  {
    gt: gt(
      '1',
      [
        [10, 10, 60, 60],
        [100, 100, 220, 220],
        [0, 0, 20, 20],
      ],
      [0, 0, 1],
    ),
    det: det(
      '1',
      [
        [10, 10, 60, 60],
        [100, 100, 220, 208],
        [300, 300, 320, 320],
        [0, 0, 20, 10],
      ],
      [0.9, 0.8, 0.7, 0.6],
      [0, 0, 0, 1],
    ),
  },
  {
    // A crowd region and a medium dog nobody found.
    gt: gt(
      '2',
      [
        [0, 0, 100, 100],
        [200, 200, 240, 240],
      ],
      [1, 1],
      [1, 0],
    ),
    det: det(
      '2',
      [
        [10, 10, 30, 30],
        [50, 50, 90, 90],
      ],
      [0.95, 0.5],
      [1, 2],
    ),
  },
];

test('COCO mAP of a small synthetic set, worked out by hand from the COCOeval definition', () => {
  // Hand computation (10 IoU thresholds .50:.05:.95, 101 recall points):
  //  cat, area all: dets by score TP(IoU 1), TP(IoU .9, so FP at .95), FP. For the 9 thresholds <= .9
  //    precision is 1 at every recall -> AP 1; at .95 recall stops at .5 -> 51/101.
  //    AP_cat = (9 + 51/101) / 10 = 0.950495.
  //  dog, area all: 2 non-crowd gts. The .95-score det lies in the crowd region (IoU = inter/det
  //    area = 1) -> ignored. The .6 det has IoU exactly .5 with the small dog: TP at .5 only.
  //    At .5: recall .5 with precision 1 -> 51/101; other thresholds 0. AP_dog = 0.0504950.
  //  mAP = (0.950495 + 0.050495) / 2 = 0.500495; AP50 = (1 + 51/101) / 2 = 0.752475; AP75 = (1 + 0) / 2.
  //  small (< 32^2): only the 20x20 dog counts -> AP .1 (TP at .5 only, recall 1); cat has none.
  //  medium: cat's 50x50 box; the 120x108 det matches the large box (ignored in this range) -> AP 1;
  //    dog's 40x40 box is never found -> 0. mAP_m = .5.
  //  large (> 96^2): cat's 120x120 box found at IoU .9 -> AP .9; dog has none.
  // pycocotools 2.0.11 (COCOeval, iouType='bbox') prints exactly these: stats[:6] =
  //  [0.500495, 0.752475, 0.5, 0.1, 0.5, 0.9].
  const ev = new CocoEvaluator(3);
  for (const im of images) ev.process(im.gt, im.det);
  const r = ev.compute();
  close(r.mAP, (0.9 + 51 / 101 / 10 + 51 / 101 / 10) / 2, 1e-12, 'mAP');
  close(r.mAP, 0.500495, 1e-6, 'mAP');
  close(r.mAP50, 0.752475, 1e-6, 'AP50');
  close(r.mAP75, 0.5, 1e-12, 'AP75');
  close(r.mAPs, 0.1, 1e-12, 'APs');
  close(r.mAPm, 0.5, 1e-12, 'APm');
  close(r.mAPl, 0.9, 1e-12, 'APl');
  assert.equal(r.perClass[2], -1);
});

test('COCO mAP matches pycocotools on a random 12-image set (fixture written by make_coco_reference.py)', () => {
  const ref = JSON.parse(readFileSync(join(__dirname, '../fixtures/data/coco-reference.json'), 'utf8'));
  const catIndex = new Map<number, number>(ref.dataset.categories.map((c: any, i: number) => [c.id, i]));
  const xyxy = (b: number[]) => [b[0], b[1], b[0] + b[2], b[1] + b[3]];
  const ev = new CocoEvaluator(ref.dataset.categories.length);
  for (const im of ref.dataset.images) {
    const g = ref.dataset.annotations.filter((a: any) => a.image_id === im.id);
    const d = ref.detections.filter((a: any) => a.image_id === im.id);
    ev.process(
      {
        ...gt(
          String(im.id),
          g.map((a: any) => xyxy(a.bbox)),
          g.map((a: any) => catIndex.get(a.category_id)!),
          g.map((a: any) => a.iscrowd),
        ),
        areas: Float32Array.from(g.map((a: any) => a.area)),
      } as GroundTruth,
      // Float64 boxes: pycocotools works in doubles, and IoUs close to a threshold must agree.
      {
        imageId: String(im.id),
        bboxes: Float64Array.from(d.flatMap((a: any) => xyxy(a.bbox))) as any,
        scores: Float64Array.from(d.map((a: any) => a.score)) as any,
        labels: Int32Array.from(d.map((a: any) => catIndex.get(a.category_id)!)),
      },
    );
  }
  const r = ev.compute();
  for (const k of ['mAP', 'mAP50', 'mAP75', 'mAPs', 'mAPm', 'mAPl'] as const) close(r[k], ref.stats[k], 1e-6, k);
});

test('buildEvaluator(CocoMetric) reports MMDetection keys rounded to 3 decimals', () => {
  // No ann_file: the dataset's ground truth, as MMDetection's gt_to_coco_json converts it.
  const ev = buildEvaluator({ type: 'mmdet.CocoMetric', metric: 'bbox' }, ['cat', 'dog', 'bird']);
  for (const im of images) ev.process(im.gt, im.det);
  assert.deepEqual(ev.compute(), {
    'coco/bbox_mAP': 0.5,
    'coco/bbox_mAP_50': 0.752,
    'coco/bbox_mAP_75': 0.5,
    'coco/bbox_mAP_s': 0.1,
    'coco/bbox_mAP_m': 0.5,
    'coco/bbox_mAP_l': 0.9,
  });
  // What CocoMetric logs beside them (coco_metric.py L432, L591-593).
  assert.deepEqual(ev.summary?.(), ['Evaluating bbox...', 'bbox_mAP_copypaste: 0.500 0.752 0.500 0.100 0.500 0.900']);
});

test('no ground truth at all gives -1 like pycocotools, and maxDets limits detections per image', () => {
  const ev = new CocoEvaluator(1);
  ev.process(gt('1', [], []), det('1', [[0, 0, 10, 10]], [0.5], [0]));
  assert.equal(ev.compute().mAP, -1);
  // 1 gt; the best-scored of 3 dets is wrong: with maxDets = 1 the right one is never seen.
  const limited = new CocoEvaluator(1, undefined, 1);
  const full = new CocoEvaluator(1, undefined, 100);
  for (const e of [limited, full])
    e.process(
      gt('1', [[0, 0, 50, 50]], [0]),
      det(
        '1',
        [
          [100, 100, 150, 150],
          [0, 0, 50, 50],
        ],
        [0.9, 0.8],
        [0, 0],
      ),
    );
  assert.equal(limited.compute().mAP, 0);
  // Without the limit: FP then TP -> recall 1 reached at precision 1/2 -> AP .5 at every threshold.
  close(full.compute().mAP, 0.5, 1e-12);
});
