// Provenance: every value knows the file and range that set it, what it
// overrode (nearest first), and the names it was computed from.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigLoader, entryAt, loadConfig, locate } from '../../src/config';

const DIR = path.resolve(__dirname, '../fixtures/provenance');
const r = loadConfig(path.join(DIR, 'child.py'), { loader: new ConfigLoader() });

test('the winning value points at the child, with the chain it overrode', () => {
  assert.ok(r.ok);
  const lr = entryAt(r.config!, ['lr'])!;
  assert.equal(lr.value, 0.01);
  assert.equal(path.basename(lr.prov!.file), 'child.py');
  assert.deepEqual(lr.prov!.range, { start: { line: 1, col: 0 }, end: { line: 1, col: 2 } });
  assert.deepEqual(lr.prov!.deps, ['_base_.lr']);
  assert.deepEqual(
    lr.prov!.overridden!.map((p) => `${path.basename(p.file)}:${p.range.start.line + 1}`),
    ['mid.py:2', 'base.py:5'],
  );
});

test('nested keys carry their own provenance and dependencies', () => {
  const d = entryAt(r.config!, ['model', 'backbone', 'deepen_factor'])!;
  assert.equal(d.value, 0.67);
  assert.equal(path.basename(d.prov!.file), 'child.py');
  assert.deepEqual(
    d.prov!.overridden!.map((p) => [path.basename(p.file), p.deps]),
    [['base.py', ['deepen_factor']]],
  );
  const t = entryAt(r.config!, ['model', 'backbone', 'type'])!;
  assert.equal(path.basename(t.prov!.file), 'base.py');
  assert.deepEqual(locate(r.config!, ['model', 'backbone', 'type']), {
    file: path.join(DIR, 'base.py'),
    line: 4,
    col: 19,
  });
});

test('the unit keeps each file: own names, the merged base, the inheritance tree', () => {
  const u = r.unit;
  assert.deepEqual(u.own!.keys(), ['lr', 'model']);
  assert.equal(u.mergedBase!.get('lr'), 0.02);
  assert.deepEqual(
    u.bases.map((b) => [b.spec, path.basename(b.resolved!)]),
    [['./mid.py', 'mid.py']],
  );
  assert.equal(path.basename(u.baseUnits[0].baseUnits[0].path), 'base.py');
});

test('the cache re-evaluates only what changed', () => {
  const loader = new ConfigLoader();
  const a = loader.loadUnit(path.join(DIR, 'child.py'));
  const b = loader.loadUnit(path.join(DIR, 'child.py'));
  assert.equal(a, b, 'unchanged files reuse their unit');
  const overlay = (f: string) => (f.endsWith('child.py') ? "_base_ = './mid.py'\nlr = 1.0\n" : undefined);
  const c = loader.loadUnit(path.join(DIR, 'child.py'), { overlay });
  assert.notEqual(c, a);
  assert.equal(c.baseUnits[0], a.baseUnits[0], 'the unchanged base is not evaluated again');
  assert.equal(c.result!.get('lr'), 1.0);
});

test('a value range covers the whole expression, brackets around its operands included', () => {
  // Branch editor found `a * (b)` ending before `)`: the propagation-trap fix reads its text from these ranges.
  const file = path.join(DIR, 'brackets.py');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const textOf = (range: { start: { line: number; col: number }; end: { line: number; col: number } }) => {
    assert.equal(range.start.line, range.end.line);
    return lines[range.start.line].slice(range.start.col, range.end.col);
  };
  const expected: [string[], string][] = [
    [['lr'], '0.01 * (scale)'],
    [['size'], '(640) * scale'],
    [['neg'], '-(scale)'],
    [['power'], '(scale) ** (2)'],
    [['picked'], '(1) if scale else (2)'],
    [['both'], '(scale) and (lr)'],
    [['compared'], '(scale) < (3)'],
    [['indexed'], '(scale, 3)[(0)]'],
    [['called'], '(dict)(a=1)'],
    // Parentheses around a whole value are not part of it, as in Python's ast.
    [['model', 'inner'], 'scale'],
    [['model', 'mix'], '[scale][0] * (2 + 1)'],
  ];
  for (const keepSyntaxTree of [true, false]) {
    const loaded = loadConfig(file, { loader: new ConfigLoader(), keepSyntaxTree });
    assert.ok(loaded.ok, loaded.diagnostics.map((d) => d.message).join('|'));
    for (const [key, text] of expected) {
      const prov = entryAt(loaded.config!, key)!.prov!;
      assert.equal(textOf(prov.valueRange!), text, `brackets.py ${key.join('.')} (keepSyntaxTree ${keepSyntaxTree})`);
    }
  }
});
