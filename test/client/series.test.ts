import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { isValidationRecord, MetricsModel, RunSeries, smooth } from '../../client/webview/series';
import { readScalarsFile } from '../../client/runs/scalars-tail';

test('training scalars are series against the step; validation ones against the epoch, without mixing time', () => {
  const s = new RunSeries();
  s.add([
    { lr: 0.01, loss: 4, loss_cls: 2, time: 0.5, epoch: 1, iter: 10, step: 10 },
    { lr: 0.02, loss: 3, loss_cls: 1.5, time: 0.4, epoch: 1, iter: 20, step: 20 },
    { 'pascal_voc/mAP': 0.4, time: 0.1, step: 1 },
  ]);
  assert.deepEqual(s.series.get('loss'), { axis: 'iter', points: [{ x: 10, y: 4 }, { x: 20, y: 3 }] });
  assert.deepEqual(s.series.get('pascal_voc/mAP'), { axis: 'epoch', points: [{ x: 1, y: 0.4 }] });
  assert.deepEqual(s.series.get('time')!.points.map((p) => p.y), [0.5, 0.4]);
  assert.deepEqual(s.series.get('val/time')!.points, [{ x: 1, y: 0.1 }]);
  assert.equal(s.series.has('step'), false);
  assert.equal(s.series.has('epoch'), false);
  assert.equal(isValidationRecord({ 'coco/bbox_mAP': 0.1, data_time: 0.01, step: 3 }), true);
});

test('smoothing is a debiased EMA: 0 leaves data alone, a constant stays constant, noise shrinks', () => {
  const pts = [1, 3, 1, 3, 1, 3].map((y, i) => ({ x: i, y }));
  assert.deepEqual(smooth(pts, 0), pts);
  assert.deepEqual(smooth([{ x: 0, y: 2 }, { x: 1, y: 2 }], 0.9).map((p) => +p.y.toFixed(12)), [2, 2]);
  const sm = smooth(pts, 0.8);
  assert.equal(sm[0].y, 1); // debiased: the first point is itself, not pulled to 0
  const spread = (a: { y: number }[]) => Math.max(...a.slice(2).map((p) => p.y)) - Math.min(...a.slice(2).map((p) => p.y));
  assert.ok(spread(sm) < spread(pts) / 2);
});

test('several runs overlay in one chart per scalar; hidden runs drop out; a reset replaces a run', () => {
  const m = new MetricsModel();
  m.smoothing = 0;
  m.addRun('a', 'demo/20240101_000000');
  m.addRun('b', 'demo/20240102_000000');
  m.addRecords('a', [{ loss: 2, lr: 0.1, iter: 1, step: 1 }]);
  m.addRecords('b', [{ loss: 3, lr: 0.1, iter: 1, step: 1 }, { 'coco/bbox_mAP': 0.2, step: 1 }]);
  const charts = m.charts();
  assert.deepEqual(charts.map((c) => c.name), ['loss', 'lr', 'coco/bbox_mAP']);
  assert.deepEqual(charts[0].datasets.map((d) => d.label), ['demo/20240101_000000', 'demo/20240102_000000']);
  assert.notEqual(charts[0].datasets[0].color, charts[0].datasets[1].color);
  m.setVisible('a', false);
  assert.deepEqual(m.charts()[0].datasets.map((d) => d.runId), ['b']);
  m.addRecords('b', [{ loss: 9, iter: 1, step: 1 }], true);
  assert.deepEqual(m.charts()[0].datasets[0].raw, [{ x: 1, y: 9 }]);
  assert.equal(m.charts().some((c) => c.name === 'coco/bbox_mAP'), false);
});

test('log scale keeps only positive values', () => {
  const m = new MetricsModel();
  m.smoothing = 0;
  m.logScale = true;
  m.addRecords('a', [{ lr: 0, iter: 1, step: 1 }, { lr: 0.01, iter: 2, step: 2 }]);
  assert.deepEqual(m.charts()[0].datasets[0].points, [{ x: 2, y: 0.01 }]);
});

test('the MMYOLO fixture gives a chart for every loss term, lr and each COCO metric', () => {
  const f = path.join(__dirname, 'fixtures/work_dirs/yolov5_s-v61_syncbn_fast_8xb16-300e_coco/20230115_093012/vis_data/scalars.json');
  const m = new MetricsModel();
  m.addRecords('mmyolo', readScalarsFile(f).records);
  const names = m.charts().map((c) => c.name);
  for (const n of ['loss', 'loss_cls', 'loss_obj', 'loss_bbox', 'lr', 'memory', 'coco/bbox_mAP', 'coco/bbox_mAP_50', 'val/time']) assert.ok(names.includes(n), n);
  assert.equal(names[0], 'loss');
  const map = m.charts().find((c) => c.name === 'coco/bbox_mAP')!;
  assert.equal(map.axis, 'epoch');
  assert.deepEqual(map.datasets[0].points.map((p) => p.x), [10, 20]);
  assert.equal(m.charts().find((c) => c.name === 'loss')!.datasets[0].points.length, 80);
});
