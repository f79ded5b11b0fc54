// Go to definition and find references, in-process: fixture configs with a
// `$0` cursor and the place(s) expected beside them.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { features } from '../../src/workspace/features';
import { check, expect, workspaceFrom, type Expect } from './check';

async function checkDefinition(fixture: string, exp: Expect): Promise<void> {
  const f = await workspaceFrom(fixture);
  const loc = features.definition(f.ws, f.file, f.pos);
  check(loc ? f.where(loc) : '(none)', exp);
}

async function checkReferences(fixture: string, exp: Expect): Promise<void> {
  const f = await workspaceFrom(fixture);
  check((await features.references(f.ws, f.file, f.pos, true)).map(f.where).join('\n'), exp);
}

const FAMILY = `
#- configs/_base_/base.py
deepen_factor = 0.33
model = dict(
    type='YOLODetector',
    backbone=dict(type='YOLOv8CSPDarknet', deepen_factor=deepen_factor),
    bbox_head=dict(type='YOLOv8Head'))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01, momentum=0.937))
#- configs/yolov8/s.py
_base_ = '../_base_/base.py'
optim_wrapper = dict(optimizer=dict(lr=0.02))
#- configs/yolov8/m.py
_base_ = './s.py'
optim_wrapper = dict(optimizer=dict(lr=0.04))
`;

test('on a _base_ path: the base file', () =>
  checkDefinition(
    `
#- configs/_base_/base.py
x = 1
#- configs/child.py
_base_ = ['./_base_/ba$0se.py']
`,
    expect`configs/_base_/base.py:1:1: x = 1`,
  ));

test('on a key inside a child dict: the definition it overrides', () =>
  checkDefinition(
    FAMILY.replace('dict(optimizer=dict(lr=0.02))', 'dict(optimizer=dict(l$0r=0.02))'),
    expect`
    configs/_base_/base.py:6:70: lr=0.01, momentum=0.937))
  `,
  ));

test('on _base_.x and {{_base_.x}}: where x is set in the chain', async () => {
  await checkDefinition(
    FAMILY + 'lr = _base_.optim_wrapper.optimizer.l$0r * 2\n',
    expect`configs/yolov8/s.py:2:37: lr=0.02))`,
  );
  await checkDefinition(
    FAMILY + 'head = {{_base_.model.bbox$0_head.type}}\n',
    expect`
    configs/_base_/base.py:5:20: type='YOLOv8Head'))
  `,
  );
});

test('on a name: its assignment', () =>
  checkDefinition('scaled = 0.01 * 2\nalias = sca$0led\n', expect`configs/main.py:1:1: scaled = 0.01 * 2`));

test('a key no base has is its own definition', () =>
  checkDefinition(
    FAMILY.replace("_base_ = './s.py'", "_base_ = './s.py'\nnew$0_key = 1"),
    expect`configs/yolov8/m.py:2:1: new_key = 1`,
  ));

test('nothing to go to: a literal outside any key, a comment, a missing base', async () => {
  await checkDefinition('# a com$0ment\nx = 1\n', expect`(none)`);
  await checkDefinition("_base_ = './mis$0sing.py'\n", expect`(none)`);
});

test('references of a base key: itself and each downstream config that sets it again', () =>
  checkReferences(
    FAMILY.replace("optimizer=dict(type='SGD', lr=0.01", "optimizer=dict(type='SGD', l$0r=0.01"),
    expect`
      configs/_base_/base.py:6:70: lr=0.01, momentum=0.937))
      configs/yolov8/s.py:2:37: lr=0.02))
      configs/yolov8/m.py:2:37: lr=0.04))
    `,
  ));

test('references of a top-level name', () =>
  checkReferences(
    FAMILY.replace('deepen_factor = 0.33', 'deepen$0_factor = 0.33') +
      "#- configs/yolov8/l.py\n_base_ = './m.py'\ndeepen_factor = 1.0\n",
    expect`
      configs/_base_/base.py:1:1: deepen_factor = 0.33
      configs/yolov8/l.py:2:1: deepen_factor = 1.0
    `,
  ));

test('a references search stops when cancelled, and yields between slices', async () => {
  const f = await workspaceFrom(
    FAMILY.replace("optimizer=dict(type='SGD', lr=0.01", "optimizer=dict(type='SGD', l$0r=0.01"),
  );
  assert.deepEqual(await features.references(f.ws, f.file, f.pos, false, { cancelled: () => true }), []);
  let turns = 0;
  let ticking = true;
  const tick = () => {
    turns++;
    if (ticking) setImmediate(tick);
  };
  setImmediate(tick);
  const refs = await features.references(f.ws, f.file, f.pos, false, { sliceMs: -1 });
  ticking = false;
  assert.equal(refs.length, 2);
  assert.ok(turns > 0, 'other work ran during the search');
});
