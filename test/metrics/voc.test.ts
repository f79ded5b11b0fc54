import { test } from 'node:test';
import assert from 'node:assert/strict';
import { averagePrecision, VocEvaluator } from '../../src/metrics/voc';
import { buildEvaluator } from '../../src/metrics/index';
import { vocSummary } from '../../src/metrics/map-summary';
import type { Detections, GroundTruth } from '../../src/data/types';

const close = (a: number, b: number, tol = 1e-6, what = '') =>
  assert.ok(Math.abs(a - b) <= tol, `${what} ${a} != ${b}`);
const gt = (imageId: string, boxes: number[][], labels: number[], difficult: number[]): GroundTruth => ({
  imageId,
  width: 100,
  height: 100,
  bboxes: Float32Array.from(boxes.flat()),
  labels: Int32Array.from(labels),
  ignore: Uint8Array.from(difficult),
});
const det = (imageId: string, boxes: number[][], scores: number[], labels: number[]): Detections => ({
  imageId,
  bboxes: Float32Array.from(boxes.flat()),
  scores: Float32Array.from(scores),
  labels: Int32Array.from(labels),
});

// Class 0: two normal gts and one difficult; class 1: only a difficult gt (no AP: excluded);
// class 2: a gt nobody detects (AP 0, included). VOC's legacy coordinates: a box [0,0,9,9] is 10x10.
const data = [
  {
    gt: gt(
      '1',
      [
        [0, 0, 9, 9],
        [20, 20, 29, 29],
        [30, 0, 39, 9],
      ],
      [0, 0, 2],
      [0, 1, 0],
    ),
    det: det(
      '1',
      [
        [0, 0, 9, 9],
        [20, 20, 29, 29],
        [0, 0, 9, 9],
        [60, 60, 70, 70],
      ],
      [0.9, 0.8, 0.7, 0.4],
      [0, 0, 0, 1],
    ),
  },
  {
    gt: gt(
      '2',
      [
        [0, 0, 9, 9],
        [10, 10, 19, 19],
      ],
      [0, 1],
      [0, 1],
    ),
    det: det(
      '2',
      [
        [0, 0, 9, 4],
        [50, 50, 59, 59],
      ],
      [0.6, 0.5],
      [0, 0],
    ),
  },
];

function run(mode: '11points' | 'area', thrs = [0.5]) {
  const ev = new VocEvaluator(3, thrs, mode);
  for (const d of data) ev.process(d.gt, d.det);
  return ev.compute();
}

test('VOC AP by hand: difficult matches are neither TP nor FP, duplicates are FP', () => {
  // Class 0, dets by score: .9 TP (IoU 1), .8 matches the difficult box -> dropped, .7 duplicate -> FP,
  // .6 IoU 50/100 = .5 with image 2's box -> TP, .5 -> FP. num_gts = 2.
  // recall .5 .5 1 1; precision 1 .5 .667 .5.
  //   area:  .5 * 1 + .5 * .667 = 0.833333
  //   11pt:  thresholds 0 .. .5 -> 1 (6 points), .6 .. 1 -> .667 (5 points): (6 + 10/3) / 11 = 0.848485
  // Class 2 (never detected) has AP 0 and counts; class 1 (only difficult) does not.
  const area = run('area');
  close(area.perIoU[0].perClass[0].ap, 5 / 6, 1e-9, 'area AP');
  assert.equal(area.perIoU[0].perClass[0].numGts, 2);
  assert.equal(area.perIoU[0].perClass[0].numDets, 5, "MMDetection's num_dets counts the one on the difficult box");
  assert.equal(area.perIoU[0].perClass[1].numGts, 0);
  close(area.mAP, 5 / 12, 1e-9, 'area mAP');
  const pts = run('11points');
  close(pts.perIoU[0].perClass[0].ap, (6 + 10 / 3) / 11, 1e-9, '11pt AP');
  close(pts.mAP, (6 + 10 / 3) / 22, 1e-9, '11pt mAP');
});

test('several IoU thresholds: mAP is their mean; the .5-IoU det fails at .75', () => {
  // At .75: TP, FP, FP, FP -> recall .5 throughout, precision 1 then falling -> area AP .5; mAP .25.
  const r = run('area', [0.5, 0.75]);
  close(r.perIoU[1].mAP, 0.25, 1e-9);
  close(r.mAP, (5 / 12 + 0.25) / 2, 1e-9);
  const ev = buildEvaluator({ type: 'mmdet.VOCMetric', metric: 'mAP', eval_mode: 'area', iou_thrs: [0.5, 0.75] }, [
    'a',
    'b',
    'c',
  ]);
  for (const d of data) ev.process(d.gt, d.det);
  const out = ev.compute();
  assert.deepEqual(Object.keys(out), ['pascal_voc/mAP', 'pascal_voc/AP50', 'pascal_voc/AP75']);
  close(out['pascal_voc/mAP'], (5 / 12 + 0.25) / 2, 1e-9);
  assert.equal(out['pascal_voc/AP50'], 0.417);
  assert.equal(out['pascal_voc/AP75'], 0.25);
});

test('11-point AP uses numpy arange thresholds: a recall of exactly .3 misses the 0.30000000000000004 point', () => {
  close(averagePrecision([0.3], [1], '11points'), 3 / 11, 1e-12);
  close(averagePrecision([0.5], [1], '11points'), 6 / 11, 1e-12);
  close(averagePrecision([1], [1], '11points'), 1, 1e-12);
  close(averagePrecision([], [], 'area'), 0, 1e-12);
});

test('perfect detections give mAP 1; no detections give 0', () => {
  const perfect = buildEvaluator({ type: 'VOCMetric' }, ['a', 'b', 'c']);
  const none = buildEvaluator({ type: 'VOCMetric' }, ['a', 'b', 'c']);
  for (const d of data) {
    perfect.process(
      d.gt,
      det(
        d.gt.imageId,
        Array.from({ length: d.gt.labels.length }, (_, i) => Array.from(d.gt.bboxes.subarray(i * 4, i * 4 + 4))),
        Array.from(d.gt.labels, () => 0.9),
        Array.from(d.gt.labels),
      ),
    );
    none.process(d.gt, det(d.gt.imageId, [], [], []));
  }
  assert.equal(perfect.compute()['pascal_voc/mAP'], 1);
  assert.equal(none.compute()['pascal_voc/mAP'], 0);
});

test('unknown evaluator and bad options are config errors', () => {
  assert.throws(
    () => buildEvaluator({ type: 'mmdet.LVISMetric' }, ['a'], () => 'cfg.py:40'),
    (e: any) =>
      e.name === 'ConfigError' &&
      e.where === 'cfg.py:40' &&
      /unknown evaluator type 'mmdet\.LVISMetric' \(known: VOCMetric, CocoMetric\)/.test(e.message),
  );
  assert.throws(
    () => buildEvaluator({ type: 'VOCMetric', eval_mode: 'all' }, ['a']),
    /eval_mode must be '11points' or 'area'/,
  );
  assert.throws(() => buildEvaluator({ type: 'CocoMetric', metric: ['bbox', 'segm'] }, ['a']), /only metric='bbox'/);
});

// The expected table is what MMDetection 3.3's eval_map(..., dataset=['circle', 'sq', 'tri'], eval_mode='area',
// use_legacy_coordinate=True) logged for this data, run through run-mmyolo's shim.
test("VOCMetric's per-class table, as MMDetection logs it (print_map_summary's AsciiTable)", () => {
  const [thr, table] = vocSummary(run('area'), ['circle', 'sq', 'tri']);
  assert.equal(thr, '\n---------------iou_thr: 0.5---------------');
  assert.equal(
    table,
    [
      '',
      '+--------+-----+------+--------+-------+',
      '| class  | gts | dets | recall | ap    |',
      '+--------+-----+------+--------+-------+',
      '| circle | 2   | 5    | 1.000  | 0.833 |',
      '| sq     | 0   | 1    | 0.000  | 0.000 |',
      '| tri    | 1   | 0    | 0.000  | 0.000 |',
      '+--------+-----+------+--------+-------+',
      '| mAP    |     |      |        | 0.417 |',
      '+--------+-----+------+--------+-------+',
    ].join('\n'),
  );
  // The evaluator built from a config gives the same lines after compute(), one table per threshold.
  const ev = buildEvaluator({ type: 'VOCMetric', eval_mode: 'area', iou_thrs: [0.5, 0.75] }, ['circle', 'sq', 'tri']);
  assert.deepEqual(ev.summary?.(), [], 'nothing before compute()');
  for (const d of data) ev.process(d.gt, d.det);
  ev.compute();
  const lines = ev.summary?.() ?? [];
  assert.equal(lines.length, 4);
  assert.equal(lines[1], table);
  assert.equal(lines[2], '\n---------------iou_thr: 0.75---------------');
});
