// Quick fixes in-process: the diagnostics of a fixture config, the fix each
// one offers, and the config text once the fix is applied (expected beside).

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Diagnostic } from '../../src/config/index';
import { LineIndex } from '../../src/config/source';
import { features } from '../../src/workspace/features';
import type { TextEdit } from '../../src/workspace/rename-edits';
import { check, expect, workspaceFrom, type Expect, type FixtureWorkspace } from './check';

function apply(text: string, edits: TextEdit[]): string {
  const lines = new LineIndex(text);
  return [...edits]
    .map((e) => ({ start: lines.offset(e.range.start), end: lines.offset(e.range.end), text: e.newText }))
    .sort((a, b) => b.start - a.start)
    .reduce((t, e) => t.slice(0, e.start) + e.text + t.slice(e.end), text);
}

/** Applies the fix offered for the diagnostic with `code`; renders its title and every file it changes. */
function fixFor(f: FixtureWorkspace, code: string): string {
  const diags = features.diagnostics(f.ws, f.file) ?? [];
  const d = diags.find((x) => x.code === code);
  assert.ok(d, `no ${code} among ${diags.map((x) => x.code).join(', ')}`);
  const [a, ...more] = features.codeActions(f.ws, f.file, [d]);
  assert.ok(a && !more.length, 'one action');
  const byFile = new Map<string, TextEdit[]>();
  for (const e of a.edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  const out = [`# ${a.title}`];
  for (const [file, edits] of byFile)
    out.push(`#- ${f.rel(file)}`, apply(f.ws.textOf(file) ?? f.text(f.rel(file)), edits).trimEnd());
  for (const m of a.moves) out.push(`# move ${f.rel(m.from)} -> ${f.rel(m.to)}`);
  return out.join('\n');
}

async function checkFix(fixture: string, code: string, exp: Expect): Promise<FixtureWorkspace> {
  const f = await workspaceFrom(fixture);
  check(fixFor(f, code), exp);
  return f;
}

const BASE = `
#- configs/_base_/base.py
num_classes = 80
model = dict(
    backbone=dict(type='YOLOv8CSPDarknet', deepen_factor=0.33, last_stage_out_channels=1024),
    bbox_head=dict(head_module=dict(num_classes=num_classes)))
`;

test('type changed without _delete_: the fix puts _delete_=True first, and the warning goes away', async () => {
  const f = await checkFix(
    BASE +
      "#- configs/yolov5/yolov5_s_syncbn_fast_8xb16-300e_coco.py$0\n_base_ = '../_base_/base.py'\nmodel = dict(backbone=dict(type='YOLOv5CSPDarknet'))\n",
    'stale-type-keys',
    expect`
      # Add _delete_=True (replace the base dict)
      #- configs/yolov5/yolov5_s_syncbn_fast_8xb16-300e_coco.py
      _base_ = '../_base_/base.py'
      model = dict(backbone=dict(_delete_=True, type='YOLOv5CSPDarknet'))
    `,
  );
  f.ws.setBuffer(
    f.file,
    "_base_ = '../_base_/base.py'\nmodel = dict(backbone=dict(_delete_=True, type='YOLOv5CSPDarknet'))\n",
  );
  assert.deepEqual(
    features.diagnostics(f.ws, f.file)!.filter((d: Diagnostic) => d.code === 'stale-type-keys'),
    [],
  );
});

test('propagation trap: the fix writes the stale keys again inside the dict the child has', async () => {
  const f = await checkFix(
    BASE +
      "#- configs/yolov8/yolov8_s_syncbn_fast_8xb16-100e_voc.py$0\n_base_ = '../_base_/base.py'\nnum_classes = 20\nmodel = dict(backbone=dict(deepen_factor=0.5))\n",
    'propagation-trap',
    expect`
      # Recompute model.bbox_head.head_module.num_classes here, as the base does
      #- configs/yolov8/yolov8_s_syncbn_fast_8xb16-100e_voc.py
      _base_ = '../_base_/base.py'
      num_classes = 20
      model = dict(bbox_head=dict(head_module=dict(num_classes=num_classes)), backbone=dict(deepen_factor=0.5))
    `,
  );
  f.ws.setBuffer(f.file, fixFor(f, 'propagation-trap').split('\n').slice(2).join('\n') + '\n');
  assert.deepEqual(
    features.diagnostics(f.ws, f.file)!.filter((d: Diagnostic) => d.code === 'propagation-trap'),
    [],
  );
});

test('a misspelt file name: rename it and update the configs that inherit from it', async () => {
  await checkFix(
    BASE +
      "#- configs/yolov8/yolov8_n_syncbn_fast_8x16b-500e_coco.py$0\n_base_ = '../_base_/base.py'\n#- configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py\n_base_ = './yolov8_n_syncbn_fast_8x16b-500e_coco.py'\n",
    'filename-misspelling',
    expect`
      # Rename to yolov8_n_syncbn_fast_8xb16-500e_coco.py (and update its references)
      #- configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py
      _base_ = './yolov8_n_syncbn_fast_8xb16-500e_coco.py'
      # move configs/yolov8/yolov8_n_syncbn_fast_8x16b-500e_coco.py -> configs/yolov8/yolov8_n_syncbn_fast_8xb16-500e_coco.py
    `,
  );
});

test('data the server did not attach, or that came back mangled, offers nothing', async () => {
  const f = await workspaceFrom(BASE + '#- configs/child.py$0\nx = 1\n');
  const bad = [
    {},
    { data: null },
    { data: { fix: 'rebind', keys: 'x' } },
    { data: { fix: 'rename', newName: '../../etc/passwd.py' } },
    { data: { fix: 'add-delete' } },
    { data: { fix: 'nope' } },
  ];
  assert.deepEqual(features.codeActions(f.ws, f.file, bad), []);
});
