import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import {
  epochMarks,
  estimateEpochLength,
  isValidationRecord,
  MetricsModel,
  RunSeries,
  smooth,
  summaryText,
} from '../../client/webview/series';
import { readScalarsFile } from '../../client/runs/scalars-tail';

test('training scalars are series against the step; validation ones against the epoch, without mixing time', () => {
  const s = new RunSeries();
  s.add([
    { lr: 0.01, loss: 4, loss_cls: 2, time: 0.5, epoch: 1, iter: 10, step: 10 },
    { lr: 0.02, loss: 3, loss_cls: 1.5, time: 0.4, epoch: 1, iter: 20, step: 20 },
    { 'pascal_voc/mAP': 0.4, time: 0.1, step: 1 },
  ]);
  assert.deepEqual(s.series.get('loss'), {
    axis: 'iter',
    points: [
      { x: 10, y: 4 },
      { x: 20, y: 3 },
    ],
  });
  assert.deepEqual(s.series.get('pascal_voc/mAP'), { axis: 'epoch', points: [{ x: 1, y: 0.4 }] });
  assert.deepEqual(
    s.series.get('time')!.points.map((p) => p.y),
    [0.5, 0.4],
  );
  assert.deepEqual(s.series.get('val/time')!.points, [{ x: 1, y: 0.1 }]);
  assert.equal(s.series.has('step'), false);
  assert.equal(s.series.has('epoch'), false);
  assert.equal(isValidationRecord({ 'coco/bbox_mAP': 0.1, data_time: 0.01, step: 3 }), true);
});

test('smoothing is a debiased EMA: 0 leaves data alone, a constant stays constant, noise shrinks', () => {
  const pts = [1, 3, 1, 3, 1, 3].map((y, i) => ({ x: i, y }));
  assert.deepEqual(smooth(pts, 0), pts);
  assert.deepEqual(
    smooth(
      [
        { x: 0, y: 2 },
        { x: 1, y: 2 },
      ],
      0.9,
    ).map((p) => +p.y.toFixed(12)),
    [2, 2],
  );
  const sm = smooth(pts, 0.8);
  assert.equal(sm[0].y, 1); // debiased: the first point is itself, not pulled to 0
  const spread = (a: { y: number }[]) =>
    Math.max(...a.slice(2).map((p) => p.y)) - Math.min(...a.slice(2).map((p) => p.y));
  assert.ok(spread(sm) < spread(pts) / 2);
});

const mmyoloFixture = path.join(
  __dirname,
  'fixtures/work_dirs/yolov5_s-v61_syncbn_fast_8xb16-300e_coco/20230115_093012/vis_data/scalars.json',
);

test('charts are grouped: the losses together, lr, validation per epoch, then each other scalar alone, with axis titles', () => {
  const m = new MetricsModel();
  m.smoothing = 0;
  m.addRun('a', 'demo/20240101_000000');
  m.addRecords('a', [
    {
      base_lr: 0.01,
      lr: 0.001,
      loss: 4,
      loss_cls: 2,
      loss_bbox: 1,
      loss_dfl: 1,
      loss_scale: 1024,
      grad_norm: 3,
      time: 0.5,
      data_time: 0.1,
      memory: 900,
      epoch: 1,
      iter: 10,
      step: 10,
    },
    { 'pascal_voc/mAP': 0.4, 'pascal_voc/AP50': 0.4, time: 0.1, step: 1 },
  ]);
  const charts = m.charts();
  assert.deepEqual(
    charts.map((c) => c.id),
    [
      'losses',
      'lr',
      'val',
      'scalar:data_time',
      'scalar:grad_norm',
      'scalar:loss_scale',
      'scalar:memory',
      'scalar:time',
      'scalar:val/time',
    ],
  );
  const byId = (id: string) => charts.find((c) => c.id === id)!;
  assert.deepEqual(byId('losses').scalars, ['loss', 'loss_bbox', 'loss_cls', 'loss_dfl']); // the total first; loss_scale is no loss
  assert.deepEqual([byId('losses').xTitle, byId('losses').yTitle], ['iteration', 'loss']);
  assert.deepEqual(byId('lr').scalars, ['lr', 'base_lr']);
  assert.deepEqual([byId('lr').xTitle, byId('lr').yTitle], ['iteration', 'learning rate']);
  assert.deepEqual(
    [byId('val').title, byId('val').xTitle, byId('val').yTitle],
    ['Validation (per epoch)', 'epoch', 'mAP'],
  );
  assert.deepEqual(byId('val').scalars, ['pascal_voc/AP50', 'pascal_voc/mAP']);
  assert.equal(byId('scalar:memory').yTitle, 'MB');
  assert.equal(byId('scalar:time').yTitle, 'seconds per iteration');
  // one dash pattern per scalar, the total loss solid and wider
  const losses = byId('losses').datasets;
  assert.deepEqual(losses[0].dash, []);
  assert.ok(losses[0].width > losses[1].width);
  assert.equal(new Set(losses.map((d) => JSON.stringify(d.dash))).size, 4);
  assert.equal(losses[1].label, 'demo/20240101_000000 · loss_bbox');
});

test('several runs share each chart: a colour per run, the same dash per scalar; hidden runs drop out; a reset replaces a run', () => {
  const m = new MetricsModel();
  m.smoothing = 0;
  m.addRun('a', 'demo/20240101_000000');
  m.addRun('b', 'demo/20240102_000000');
  m.addRecords('a', [{ loss: 2, loss_cls: 1, lr: 0.1, iter: 1, step: 1 }]);
  m.addRecords('b', [
    { loss: 3, loss_cls: 2, lr: 0.1, iter: 1, step: 1 },
    { 'coco/bbox_mAP': 0.2, step: 1 },
  ]);
  const losses = m.charts()[0];
  assert.deepEqual(
    losses.datasets.map((d) => [d.runId, d.scalar]),
    [
      ['a', 'loss'],
      ['a', 'loss_cls'],
      ['b', 'loss'],
      ['b', 'loss_cls'],
    ],
  );
  const color = (run: string) => new Set(losses.datasets.filter((d) => d.runId === run).map((d) => d.color));
  assert.equal(color('a').size, 1);
  assert.notDeepEqual([...color('a')], [...color('b')]);
  assert.deepEqual(losses.datasets[1].dash, losses.datasets[3].dash);
  m.setVisible('a', false);
  assert.deepEqual([...new Set(m.charts()[0].datasets.map((d) => d.runId))], ['b']);
  m.addRecords('b', [{ loss: 9, iter: 1, step: 1 }], true);
  assert.deepEqual(m.charts()[0].datasets[0].raw, [{ x: 1, y: 9 }]);
  assert.equal(
    m.charts().some((c) => c.id === 'val'),
    false,
  );
});

test('log scale keeps only positive values', () => {
  const m = new MetricsModel();
  m.smoothing = 0;
  m.logScale = true;
  m.addRecords('a', [
    { lr: 0, iter: 1, step: 1 },
    { lr: 0.01, iter: 2, step: 2 },
  ]);
  assert.deepEqual(m.charts()[0].datasets[0].points, [{ x: 2, y: 0.01 }]);
});

function epochsOf(records: { iter: number; epoch: number }[]): RunSeries {
  const s = new RunSeries();
  s.add(records.map((r) => ({ loss: 1, ...r, step: r.iter })));
  return s;
}

test('epoch length from the logged iterations: exact when epoch ends are logged, and when MMEngine skips them', () => {
  // the built-in trainer logs the last iteration of every epoch
  assert.equal(
    estimateEpochLength(
      epochsOf([10, 20, 30, 40, 50, 60].map((i) => ({ iter: i, epoch: Math.ceil(i / 30) }))).epochIters,
    ),
    30,
  );
  // MMEngine's LoggerHook(interval=50, ignore_last=True) with 120 iterations per epoch: 50, 100 | 150, 200 | 250, ...
  const mm = Array.from({ length: 14 }, (_, k) => (k + 1) * 50).map((i) => ({ iter: i, epoch: Math.ceil(i / 120) }));
  assert.equal(estimateEpochLength(epochsOf(mm).epochIters), 120);
  // a resumed run with another batch size has no single epoch length
  assert.equal(
    estimateEpochLength(
      epochsOf([
        { iter: 100, epoch: 1 },
        { iter: 200, epoch: 1 },
        { iter: 250, epoch: 2 },
        { iter: 260, epoch: 3 },
      ]).epochIters,
    ),
    undefined,
  );
  assert.equal(estimateEpochLength(epochsOf([{ iter: 10, epoch: 1 }]).epochIters), undefined);
});

test("epoch marks: a dashed line where each epoch ends, its number in the middle; the log's epoch length wins", () => {
  const s = epochsOf([10, 20, 30, 40, 50, 60, 70].map((i) => ({ iter: i, epoch: Math.ceil(i / 30) })));
  const m = epochMarks(s, 'run')!;
  assert.deepEqual(m.boundaries, [30, 60]);
  assert.deepEqual(m.labels, [
    { x: 15, text: 'e1' },
    { x: 45, text: 'e2' },
    { x: 75, text: 'e3' },
  ]);
  assert.deepEqual(epochMarks(s, 'run', 35)!.boundaries, [35, 70]);
  // unknown length: the last logged iteration of each epoch stands for its end
  const odd = epochsOf([
    { iter: 100, epoch: 1 },
    { iter: 200, epoch: 1 },
    { iter: 250, epoch: 2 },
    { iter: 260, epoch: 3 },
  ]);
  assert.deepEqual(epochMarks(odd, 'run')!.boundaries, [200, 250]);
  assert.equal(epochMarks(new RunSeries(), 'run'), undefined);
});

test('the summary of each run: state, current epoch, best mAP and its epoch, ETA while it runs', () => {
  const m = new MetricsModel();
  m.addRun('live', 'train_tiny/20240101_000000', true);
  m.addRecords('live', [
    { loss: 3, lr: 0.01, epoch: 1, iter: 10, step: 10 },
    { 'pascal_voc/mAP': 0.5, 'pascal_voc/AP50': 0.9, step: 1 },
    { loss: 2, lr: 0.01, epoch: 2, iter: 20, step: 20 },
    { 'pascal_voc/mAP': 0.7, 'pascal_voc/AP50': 0.8, step: 2 },
    { loss: 1, lr: 0.01, epoch: 3, iter: 30, step: 30 },
    { 'pascal_voc/mAP': 0.6, 'pascal_voc/AP50': 0.95, step: 3 },
  ]);
  m.setProgress('live', { epoch: 4, maxEpochs: 10, eta: '0:01:02', itersPerEpoch: 10 });
  const [s] = m.summaries();
  assert.deepEqual(s.best, { metric: 'pascal_voc/mAP', value: 0.7, epoch: 2 }); // the mAP, not AP50's 0.95
  assert.equal(
    summaryText(s),
    'train_tiny/20240101_000000 · running · epoch 4/10 · best pascal_voc/mAP 0.700 (epoch 2) · ETA 0:01:02',
  );
  m.endRun('live', 'stopped');
  assert.equal(
    summaryText(m.summaries()[0]),
    'train_tiny/20240101_000000 · stopped · epoch 4/10 · best pascal_voc/mAP 0.700 (epoch 2)',
  );
  // the log's epoch length places the marks
  assert.deepEqual(m.charts()[0].epochMarks!.boundaries, [10, 20, 30]);
});

test('the MMYOLO fixture: all four loss terms in one chart, epoch marks every 200 iterations, best COCO mAP at epoch 20', () => {
  const m = new MetricsModel();
  m.addRun('mmyolo', 'yolov5_s/20230115_093012');
  m.addRecords('mmyolo', readScalarsFile(mmyoloFixture).records);
  const charts = m.charts();
  assert.deepEqual(
    charts.map((c) => c.id),
    [
      'losses',
      'lr',
      'val',
      'scalar:data_time',
      'scalar:memory',
      'scalar:time',
      'scalar:val/data_time',
      'scalar:val/time',
    ],
  );
  assert.deepEqual(charts[0].scalars, ['loss', 'loss_bbox', 'loss_cls', 'loss_obj']);
  assert.equal(charts[0].datasets[0].points.length, 80);
  assert.deepEqual(
    charts[0].epochMarks!.boundaries,
    Array.from({ length: 20 }, (_, k) => (k + 1) * 200),
  );
  const val = charts[2];
  assert.equal(val.axis, 'epoch');
  assert.equal(val.scalars.length, 6);
  assert.deepEqual(
    val.datasets.find((d) => d.scalar === 'coco/bbox_mAP')!.points.map((p) => p.x),
    [10, 20],
  );
  assert.equal(
    summaryText(m.summaries()[0]),
    'yolov5_s/20230115_093012 · epoch 20 · best coco/bbox_mAP 0.400 (epoch 20)',
  );
});

test('with several runs the epoch marks are those of the run with the most epochs', () => {
  const m = new MetricsModel();
  m.addRun('short', 'short/1');
  m.addRecords('short', [{ loss: 1, epoch: 1, iter: 5, step: 5 }]);
  m.addRun('long', 'long/2');
  m.addRecords(
    'long',
    [1, 2, 3].map((e) => ({ loss: 1, epoch: e, iter: e * 10, step: e * 10 })),
  );
  const marks = m.charts()[0].epochMarks!;
  assert.equal(marks.runLabel, 'long/2');
  assert.deepEqual(marks.boundaries, [10, 20, 30]);
});
