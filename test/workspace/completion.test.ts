// Completion on a config of the fixture tree (test/fixtures/workspace-traps),
// with half-written text appended as a user would type it: `type='` offers the
// types that fit the place, each with what it is; `_base_.` offers what the
// bases define.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigLoader, loadConfig } from '../../src/config/index';
import { completions, typeNames } from '../../src/workspace/completion';
import { completionContext } from '../../src/workspace/completion-context';
import { typeKindAt } from '../../src/workspace/type-context';

const CHILD = path.resolve(__dirname, '../fixtures/workspace-traps/configs/yolov8/yolov8_s_fast_1xb12-40e_cat.py');
const result = loadConfig(CHILD, { loader: new ConfigLoader() });
const text = fs.readFileSync(CHILD, 'utf8');

/** Completion at the end of the child's text plus `typed`. */
const at = (typed: string) => {
  const t = text + typed;
  return completions(t, t.length, result);
};
const kinds = (typed: string) => [...new Set(at(typed).map((c) => c.detail))];

describe('type= completion fits the place', () => {
  test('a backbone under backbone=dict(', () => {
    const c = at("model = dict(backbone=dict(type='");
    assert.deepEqual(
      c.map((x) => x.label),
      ['YOLOv5CSPDarknet', 'YOLOv8CSPDarknet'],
    );
    assert.ok(c.every((x) => x.detail === 'backbone' && x.insertText === x.label));
    assert.match(c[1].documentation!, /YOLOv8 CSP-Darknet/);
  });

  test('transforms in any pipeline list, filtered by what is typed', () => {
    assert.deepEqual(kinds("train_pipeline = [\n    dict(type='LoadImageFromFile'),\n    dict(type='"), ['transform']);
    assert.deepEqual(
      at("train_dataloader = dict(dataset=dict(pipeline=[dict(type='Load").map((x) => x.label),
      ['LoadAnnotations', 'LoadImageFromFile'],
    );
    assert.deepEqual(kinds("custom_hooks = [dict(type='PipelineSwitchHook', switch_pipeline=[dict(type='"), [
      'transform',
    ]);
  });

  test('optimizers under optimizer=, hooks in default_hooks and custom_hooks, losses and the detector', () => {
    assert.deepEqual(
      at("optim_wrapper = dict(optimizer=dict(type='").map((x) => x.label),
      ['AdamW', 'SGD'],
    );
    assert.deepEqual(kinds("optim_wrapper = dict(type='"), ['optim wrapper']);
    assert.deepEqual(kinds("default_hooks = dict(checkpoint=dict(type='"), ['hook']);
    assert.deepEqual(kinds("custom_hooks = [dict(type='EMAHook'), dict(type='"), ['hook']);
    assert.deepEqual(kinds("model = dict(bbox_head=dict(loss_cls=dict(type='"), ['loss']);
    assert.deepEqual(kinds("model = dict(type='"), ['model']);
    assert.deepEqual(
      at("val_evaluator = dict(type='").map((x) => x.label),
      ['CocoMetric', 'VOCMetric'],
    );
    assert.deepEqual(kinds("model = {'bbox_head': {'head_module': {'type': '"), ['head module']);
  });

  test('an mmdet. prefix is understood; without a quote the name comes quoted', () => {
    assert.deepEqual(
      at("train_pipeline = [dict(type='mmdet.Rand").map((x) => x.label),
      ['RandomFlip'],
    );
    assert.deepEqual(
      at('model = dict(neck=dict(type=').map((x) => x.insertText),
      ["'YOLOv5PAFPN'", "'YOLOv8PAFPN'"],
    );
  });

  test('a place whose kind has no known type offers none rather than wrong ones', () => {
    assert.deepEqual(at("model = dict(backbone=dict(act_cfg=dict(type='"), []);
  });

  test('where the place says nothing, every type, grouped by kind', () => {
    const all = at("something = dict(type='");
    assert.equal(all.length, typeNames().length);
    const order = all.map((x) => x.detail);
    assert.deepEqual(order, [...order].sort());
  });
});

describe('_base_. completion', () => {
  test('after _base_. the names the bases define, with their values', () => {
    const c = at('x = _base_.');
    const labels = c.map((x) => x.label);
    for (const k of ['max_epochs', 'train_cfg', 'img_scale', 'default_scope'])
      assert.ok(labels.includes(k), `${k} missing from ${labels.join(', ')}`);
    assert.equal(c.find((x) => x.label === 'max_epochs')!.detail, '500');
    assert.equal(c.find((x) => x.label === 'max_epochs')!.insertText, 'max_epochs');
  });
  test('a prefix and a deeper path', () => {
    assert.deepEqual(
      at('x = _base_.close').map((x) => x.label),
      ['close_mosaic_epochs'],
    );
    assert.deepEqual(
      at('x = _base_.train_cfg.').map((x) => x.label),
      ['type', 'max_epochs', 'val_interval', 'dynamic_intervals'],
    );
    assert.deepEqual(
      at('model = dict(x={{_base_.model.bac').map((x) => x.label),
      ['backbone'],
    );
  });
  test('not inside a string or a comment, and not after other names', () => {
    assert.deepEqual(at("x = '_base_."), []);
    assert.deepEqual(at('# _base_.'), []);
    assert.deepEqual(completionContext('my_base_.', 9), { kind: 'none' });
  });
});

describe('the place a type= is in', () => {
  test('named by the keys of the enclosing brackets', () => {
    assert.equal(typeKindAt(['model', 'backbone', 'plugins', 'cfg']), 'plugin');
    assert.equal(typeKindAt(['train_cfg']), 'loop');
    assert.equal(typeKindAt(['model', 'train_cfg', 'assigner']), 'assigner');
    assert.equal(typeKindAt(['model', 'train_cfg']), undefined);
    assert.equal(typeKindAt(['val_evaluator']), 'metric');
    assert.equal(typeKindAt(['param_scheduler']), 'scheduler');
    assert.equal(typeKindAt(['model', 'backbone', 'act_cfg']), 'activation');
    assert.equal(typeKindAt([]), undefined);
  });
});
