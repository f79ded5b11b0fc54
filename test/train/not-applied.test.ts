// The not-applied report: driven by what the trainer reads. The ledger on its own (reads,
// copies that are not reads, notes with reasons, whole dicts never read), then a real
// training run whose config carries keys the trainer does not honour: each is named once at
// the start, with its value, and nothing the trainer does honour is.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { KeyLedger, honour, notApplied, pyLiteral, unwrap, unwrapDeep } from '../../src/train/not-applied';
import { train } from '../../src/train/runner';
import { tinyConfig } from './fixtures/tiny-config';
import { runLogText } from '../helpers/cli-output';

test('ledger: a read key is honoured, an unread one reported with its value; a dict never read is one line', () => {
  const raw = { model: { a: 1, b: 'x', sub: { c: [1, 2], d: null }, unused: { e: 1, f: 2 } } };
  const l = new KeyLedger();
  const m = l.wrap(raw.model, ['model']);
  void m.a;
  void m.sub.c;
  void (m as Record<string, unknown>).absent; // reading an absent key (a default applies) counts too
  assert.deepEqual(l.report(raw, ['model']), [
    "not applied: model.b='x'",
    'not applied: model.sub.d=None',
    'not applied: model.unused=dict(e=1, f=2)',
  ]);
});

test('ledger: spreads and Object.entries copy a dict and do not count as reading it', () => {
  const raw = { s: { a: 1, b: 2, c: { d: 3 } } };
  const l = new KeyLedger();
  const s = l.wrap(raw.s, ['s']);
  const copy = { ...s };
  void Object.entries(s);
  assert.equal(l.report(raw, ['s']).length, 3);
  void copy.c.d; // the copy holds the recording view of c: reading through it counts
  assert.deepEqual(l.report(raw, ['s']), ['not applied: s.a=1', 'not applied: s.b=2']);
  assert.equal(unwrap(s), raw.s);
  assert.throws(() => structuredClone(copy), 'a copy holds recording views, which cannot be cloned');
  assert.deepEqual(structuredClone(unwrapDeep(copy)), raw.s, 'unwrapDeep gives plain data (for worker threads)');
});

test('ledger: notApplied gives the reason; `type` alone is not a read; honour() marks a dict with no settings', () => {
  const raw = {
    h: [{ type: 'IterTimerHook' }, { type: 'SomeHook', x: 1 }, { type: 'Found' }],
    loss: { type: 'IoULoss', iou_mode: 'wiou' },
  };
  const l = new KeyLedger();
  const h = l.wrap(raw.h, ['h']);
  h.forEach((x) => void x.type);
  honour(h[2]);
  const loss = l.wrap(raw.loss, ['loss']);
  notApplied(loss, 'iou_mode', 'CIoU is used');
  assert.deepEqual(l.report(raw, ['h', 'loss']), [
    "not applied: h.1=dict(type='SomeHook', x=1)",
    "not applied: loss.iou_mode='wiou' (CIoU is used)",
  ]);
  assert.equal(pyLiteral([true, null, 1.5, "a'b"]), "[True, None, 1.5, 'a\\'b']");
});

const dir = mkdtempSync(join(tmpdir(), 'yololab-notapplied-'));
before(async () => {
  await makeDemoDataset(join(dir, 'data'), { train: 8, val: 4, size: 96, seed: 2 });
});

test('a training run names every key it does not honour once at the start, and none it honours', async () => {
  const extra = [
    "optim_wrapper['accumulative_counts'] = 4",
    "model['backbone']['act_cfg'] = dict(type='LeakyReLU', negative_slope=0.1)",
    "model['backbone']['init_cfg'] = dict(type='Pretrained', checkpoint='x.pth')",
    "model['bbox_head']['loss_cls']['use_sigmoid'] = False",
    "default_hooks['checkpoint']['out_dir'] = 's3://bucket'",
    "default_hooks['sync'] = dict(type='SyncBuffersHook')",
    "train_dataloader['dataset']['pipeline'].insert(2, dict(type='mmdet.Albu', transforms=[dict(type='Blur', p=0.01)]))",
    "val_dataloader['dataset']['batch_shapes_cfg'] = dict(type='BatchShapePolicy', batch_size=8, img_size=96, size_divisor=32, extra_pad_ratio=0.5)",
    "train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=max_epochs, val_interval=4, val_begin=1)",
    "val_evaluator['classwise'] = True",
  ].join('\n');
  const f = join(dir, 'cfg.py');
  writeFileSync(f, tinyConfig(join(dir, 'data'), extra));
  const r = await train({
    config: f,
    workDir: join(dir, 'wd'),
    echo: () => undefined,
    tty: false,
    backend: 'wasm',
    maxIters: 1,
  });
  const log = runLogText(r.runDir);
  // The report's lines. Albu and batch_shapes_cfg are not among them: the data layer warns about
  // them with their location, once each, and the report does not repeat them.
  const lines = log
    .split('\n')
    .filter((l) => /not applied: [a-z_]+\.\S+=/.test(l))
    .map((l) => l.slice(l.indexOf('not applied:')));
  assert.deepEqual(lines, [
    "not applied: model.backbone.act_cfg.type='LeakyReLU' (SiLU is used)",
    'not applied: model.backbone.act_cfg.negative_slope=0.1',
    "not applied: model.backbone.init_cfg=dict(type='Pretrained', checkpoint='x.pth')",
    'not applied: model.bbox_head.loss_cls.use_sigmoid=False (sigmoid BCE is used)',
    'not applied: optim_wrapper.accumulative_counts=4',
    "not applied: default_hooks.checkpoint.out_dir='s3://bucket'",
    "not applied: default_hooks.sync=dict(type='SyncBuffersHook')",
    'not applied: val_evaluator.classwise=True',
  ]);
  const once = (re: RegExp) => log.split('\n').filter((l) => re.test(l)).length;
  assert.equal(
    once(/cfg\.py:\d+:\d+: warning: mmdet\.Albu is accepted but not applied/),
    1,
    'Albu: one warning, located',
  );
  assert.equal(
    once(/cfg\.py:\d+:\d+: warning: batch_shapes_cfg is not applied/),
    1,
    'batch_shapes_cfg: one warning, located',
  );
  assert.equal(once(/Albu|batch_shapes_cfg/), 2, 'nothing else names them');
  // Said once, before the first iteration's line.
  assert.ok(log.indexOf('not applied:') < log.indexOf('Epoch(train)') || !log.includes('Epoch(train)'));
});

test('a val_evaluator the trainer cannot build is an error at the start, naming where it is set', async () => {
  const f = join(dir, 'bad-eval.py');
  writeFileSync(f, tinyConfig(join(dir, 'data'), "val_evaluator = dict(type='mmdet.VOCMetric', eval_mode='12points')"));
  await assert.rejects(
    train({
      config: f,
      workDir: join(dir, 'wd-bad-eval'),
      echo: () => undefined,
      tty: false,
      backend: 'wasm',
      maxIters: 1,
    }),
    (e: Error & { where?: string }) => {
      assert.match(e.message, /eval_mode must be '11points' or 'area', got "12points"/);
      assert.match(e.where ?? '', /bad-eval\.py:\d+:\d+/);
      return true;
    },
  );
});

for (const config of [
  'configs/demo/yolov8_n-tiny_1xb8-10e_demo.py',
  'configs/demo-yolov5/yolov5_n-tiny_1xb8-10e_demo.py',
]) {
  test(`${config}: the trainer honours every key of the demo config (the report is empty)`, async () => {
    const data = join(dir, 'data') + '/';
    const r = await train({
      config: join(__dirname, '..', '..', config),
      workDir: join(dir, `wd-${config.split('/')[1]}`),
      cfgOptions: [
        `train_dataloader.dataset.data_root=${data}`,
        `val_dataloader.dataset.data_root=${data}`,
        'train_dataloader.batch_size=4',
        'model.backbone.widen_factor=0.0625',
        'model.neck.widen_factor=0.0625',
        'model.bbox_head.head_module.widen_factor=0.0625',
      ],
      echo: () => undefined,
      tty: false,
      backend: 'wasm',
      maxIters: 1,
    });
    const log = runLogText(r.runDir);
    assert.deepEqual(
      log.split('\n').filter((l) => l.includes('not applied')),
      [],
    );
  });
}
