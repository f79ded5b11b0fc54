// Inlay hints on every config of the fixture tree (test/fixtures/workspace-traps):
// the value each used name or `_base_.x` stands for, compared with
// expected-hints.txt beside the fixtures (YOLOLAB_UPDATE_EXPECTED=1 rewrites it),
// plus the cases a hint must not guess.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigLoader, loadConfig } from '../../src/config/index';
import { hintLabel, valueHints } from '../../src/workspace/inlay-hints';
import { loadWith } from './trap-oracle';

const TREE = path.resolve(__dirname, '../fixtures/workspace-traps');
const CONFIGS = path.join(TREE, 'configs');

function pyFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.py'))
    .map((f) => path.join(dir, f))
    .sort();
}

describe('inlay hints', () => {
  test('every config of the fixture tree', () => {
    const out: string[] = [];
    const loader = new ConfigLoader();
    for (const file of pyFiles(CONFIGS)) {
      const r = loadConfig(file, { loader });
      const lines = r.unit.text.split('\n');
      for (const h of valueHints(r)) {
        const before = lines[h.position.line].slice(Math.max(0, h.position.col - 24), h.position.col);
        out.push(
          `${path.relative(CONFIGS, file)}:${h.position.line + 1}:${h.position.col + 1}: …${before} ⟨${h.label}⟩`,
        );
      }
    }
    const expectedFile = path.join(TREE, 'expected-hints.txt');
    const got = out.join('\n') + '\n';
    if (process.env.YOLOLAB_UPDATE_EXPECTED) fs.writeFileSync(expectedFile, got);
    assert.equal(got, fs.readFileSync(expectedFile, 'utf8'));
  });

  test('deepen_factor=deepen_factor shows the value, with where it was set', () => {
    const file = path.join(CONFIGS, 'yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py');
    const r = loadConfig(file, { loader: new ConfigLoader() });
    const line = r.unit.text.split('\n').findIndex((l) => l.includes('backbone=dict(deepen_factor=deepen_factor'));
    const h = valueHints(r).filter((x) => x.position.line === line);
    assert.deepEqual(
      h.map((x) => x.label),
      ['0.67', '0.75'],
    );
    assert.equal(h[0].tooltip, 'deepen_factor = 0.67 (set in yolov8_m_syncbn_fast_8xb16-500e_coco.py:3)');
  });

  test('only the requested range', () => {
    const file = path.join(CONFIGS, 'yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py');
    const r = loadConfig(file, { loader: new ConfigLoader() });
    const all = valueHints(r);
    const some = valueHints(r, { start: { line: 8, col: 0 }, end: { line: 8, col: 200 } });
    assert.ok(some.length > 0 && some.length < all.length && some.every((h) => h.position.line === 8));
  });

  test('no hint where the value depends on where it is read', () => {
    const file = path.join(CONFIGS, 'yolov8/yolov8_s_fast_1xb12-40e_cat.py');
    const text = [
      "_base_ = 'yolov8_s_syncbn_fast_8xb16-500e_coco.py'",
      'n = 1',
      'a = dict(x=n)',
      'n = 2', // n is bound twice: a.x is 1, the final n is 2
      '_base_.train_cfg.max_epochs = 3',
      'b = dict(y=_base_.train_cfg.max_epochs, z=_base_.train_cfg)', // a path the file writes into
      'c = [i * n for i in range(3)]', // comprehension variables
      'd = dict(m=_base_.model)', // a dict: too big
    ].join('\n');
    const r = loadWith(file, { [file]: text });
    assert.ok(r.ok);
    assert.deepEqual(
      valueHints(r).map((h) => h.label),
      [],
    );
  });

  test('a {{_base_.x}} template shows the base value at its end', () => {
    const file = path.join(CONFIGS, 'yolov8/yolov8_s_fast_1xb12-40e_cat.py');
    const text =
      "_base_ = 'yolov8_s_syncbn_fast_8xb16-500e_coco.py'\ntrain_cfg = dict(max_epochs={{_base_.max_epochs}})\n";
    const r = loadWith(file, { [file]: text });
    assert.ok(r.ok);
    assert.deepEqual(
      valueHints(r).map((h) => [h.position, h.label]),
      [[{ line: 1, col: 49 }, '500']],
    );
  });

  test('labels: short values only', () => {
    assert.equal(hintLabel(0.5), '0.5');
    assert.equal(hintLabel('x'.repeat(50)), `'${'x'.repeat(39)}…'`);
    assert.equal(hintLabel(null), 'None');
  });
});
