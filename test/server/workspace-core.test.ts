// The editor-agnostic pieces behind the server (src/workspace), on small
// inputs: completion context on half-written text, globs, path moves, the
// reverse dependency graph, value formatting and quick-fix edits.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigLoader, loadConfig, PyDict, PyList } from '../../src/config/index';
import { completionContext } from '../../src/workspace/completion-context';
import { ConfigMatcher, globToRegExp } from '../../src/workspace/config-files';
import { formatValue } from '../../src/workspace/hover';
import { countOverrides } from '../../src/workspace/outline';
import { addDeleteEdit } from '../../src/workspace/quick-fixes';
import { propagationFix } from '../../src/workspace/trap-fix';
import { movedPath, specFor } from '../../src/workspace/rename-edits';
import { WorkspaceIndex } from '../../src/workspace/workspace-index';

const ctx = (textWithCursor: string) => completionContext(textWithCursor.replace('|', ''), textWithCursor.indexOf('|'));

describe('completion context', () => {
  test('nested dict(...) calls give the key path', () => {
    assert.deepEqual(ctx('optim_wrapper = dict(optimizer=dict(lr=0.1, mo|'), {
      kind: 'key',
      keyPath: ['optim_wrapper', 'optimizer'],
      prefix: 'mo',
      written: ['lr'],
    });
  });
  test('closed dicts, strings with brackets and comments do not confuse it', () => {
    const t = "model = dict(\n    backbone=dict(type='A(', x=[1, 2]),  # dict(\n    neck=dict(\n        |";
    assert.deepEqual(ctx(t), { kind: 'key', keyPath: ['model', 'neck'], prefix: '', written: [] });
  });
  test('dict literals use quoted keys', () => {
    assert.deepEqual(ctx("model = {'backbone': dict(|"), {
      kind: 'key',
      keyPath: ['model', 'backbone'],
      prefix: '',
      written: [],
    });
  });
  test('inside a list or after = there is no key to complete', () => {
    assert.deepEqual(ctx('pipeline = [dict(|'), { kind: 'none' });
    assert.deepEqual(ctx('model = dict(depth=|'), { kind: 'none' });
  });
  test('the top level completes names; type= completes types', () => {
    assert.deepEqual(ctx('x = 1\nmax_|'), { kind: 'key', keyPath: [], prefix: 'max_', written: ['x'] });
    assert.deepEqual(ctx("model = dict(type='YOLO|"), {
      kind: 'type-value',
      prefix: 'YOLO',
      quote: "'",
      owners: ['model'],
    });
  });
});

describe('config files', () => {
  test('globs match the way VS Code settings write them', () => {
    assert.ok(globToRegExp('**/configs/**/*.py').test('configs/a.py'));
    assert.ok(globToRegExp('**/configs/**/*.py').test('x/configs/y/z/a.py'));
    assert.ok(!globToRegExp('**/configs/**/*.py').test('x/configsy/a.py'));
    assert.ok(globToRegExp('exp/{a,b}*.py').test('exp/b1.py'));
  });
  test('a file is a config under configs/ or when it mentions _base_', () => {
    const m = new ConfigMatcher(['/w']);
    assert.ok(m.isConfig('/w/configs/a.py', 'x = 1'));
    assert.ok(m.isConfig('/w/tools/a.py', "_base_ = './b.py'"));
    assert.ok(!m.isConfig('/w/tools/a.py', 'import torch'));
    assert.ok(!m.isConfig('/w/configs/readme.md', ''));
  });
});

describe('moves', () => {
  test('paths under a moved folder move with it', () => {
    const moves = [{ from: '/w/configs/_base_', to: '/w/configs/common' }];
    assert.equal(movedPath('/w/configs/_base_/x/a.py', moves), '/w/configs/common/x/a.py');
    assert.equal(movedPath('/w/configs/_base_2/a.py', moves), '/w/configs/_base_2/a.py');
  });
  test('specs keep their style: ./ prefix, absolute paths, scope::', () => {
    assert.equal(specFor('/w/c/b.py', '/w/c', './old.py'), './b.py');
    assert.equal(specFor('/w/c/b.py', '/w/c', 'old.py'), 'b.py');
    assert.equal(specFor('/w/b.py', '/w/c/d', '../../old.py'), '../../b.py');
    assert.equal(specFor('/w/c/b.py', '/w/x', '/w/old.py'), '/w/c/b.py');
    assert.equal(
      specFor('/v/mmdet/configs/m/b.py', '/w', 'mmdet::m/a.py', '/v/mmdet/configs', 'mmdet'),
      'mmdet::m/b.py',
    );
  });
});

describe('workspace index', () => {
  test('dependents are transitive and survive a cycle', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-index-'));
    try {
      const w = (n: string, t: string) => fs.writeFileSync(path.join(dir, n), t);
      w('a.py', "_base_ = './c.py'\n");
      w('b.py', "_base_ = './a.py'\n");
      w('c.py', "_base_ = ['./b.py']\n");
      w('d.py', "_base_ = './b.py'\n");
      w('tool.py', 'import os\n');
      const idx = new WorkspaceIndex(new ConfigMatcher([dir]));
      for (const f of ['a', 'b', 'c', 'd', 'tool']) idx.update(path.join(dir, `${f}.py`));
      assert.equal(idx.size, 4);
      assert.deepEqual(
        idx.dependents(path.join(dir, 'a.py')).map((f) => path.basename(f)),
        ['b.py', 'c.py', 'd.py'],
      );
      idx.update(path.join(dir, 'c.py'), 'x = 1\n');
      assert.deepEqual(
        idx.dependents(path.join(dir, 'c.py')).map((f) => path.basename(f)),
        ['a.py', 'b.py', 'd.py'],
      );
      assert.deepEqual(
        idx.dependents(path.join(dir, 'a.py')).map((f) => path.basename(f)),
        ['b.py', 'd.py'],
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('values and fixes', () => {
  test('big values are cut with a count of the lines left out', () => {
    const d = new PyDict();
    for (let i = 0; i < 40; i++) d.set(`k${i}`, new PyList([BigInt(i), 'x'.repeat(90)]));
    const text = formatValue(d, 10);
    const lines = text.split('\n');
    assert.equal(lines.length, 10);
    assert.match(lines[9], /^\.\.\. \(\d+ more lines\)$/);
    assert.equal(formatValue(0.1), '0.1');
    assert.equal(formatValue(3n), '3');
  });

  test('countOverrides counts replaced leaf keys (a _delete_ dict as one) and added keys', () => {
    const mk = (o: Record<string, unknown>): PyDict => {
      const d = new PyDict();
      for (const [k, v] of Object.entries(o))
        d.set(k, v && typeof v === 'object' ? mk(v as Record<string, unknown>) : (v as number));
      return d;
    };
    const base = mk({ a: { b: 1, c: 2 }, d: 3, e: { f: 1 } });
    assert.deepEqual(countOverrides(mk({ a: { b: 5, c: 6, y: 0 }, d: 4, z: 1 }), base), { overridden: 3, added: 2 });
    assert.deepEqual(countOverrides(mk({ e: { _delete_: true, g: 1 } }), base), { overridden: 1, added: 0 });
  });

  test('the trap fix writes a new top-level dict when the child has none, and uses quoted keys in literals', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-fix-'));
    try {
      fs.writeFileSync(path.join(dir, 'base.py'), 'n = 1\nmodel = dict(head=dict(n=n))\n');
      fs.writeFileSync(path.join(dir, 'a.py'), "_base_ = './base.py'\nn = 2\n");
      fs.writeFileSync(path.join(dir, 'b.py'), "_base_ = './base.py'\nn = 2\nmodel = {'head': {}}\n");
      const loader = new ConfigLoader();
      const a = loadConfig(path.join(dir, 'a.py'), { loader }).unit;
      const fa = propagationFix(a, 'n');
      assert.ok('fix' in fa);
      const ea = fa.fix.edits;
      assert.equal(ea.length, 1);
      assert.equal(ea[0].newText, '\nmodel = dict(head=dict(n=n))');
      assert.deepEqual(ea[0].range.start, { line: 1, col: 5 });
      const b = loadConfig(path.join(dir, 'b.py'), { loader }).unit;
      const fb = propagationFix(b, 'n');
      assert.ok('fix' in fb);
      const eb = fb.fix.edits;
      assert.equal(eb[0].newText, "'n': n");
      assert.deepEqual(eb[0].range.start, { line: 2, col: 18 });
      const del = addDeleteEdit(b, { start: { line: 2, col: 8 }, end: { line: 2, col: 20 } });
      assert.equal(del?.newText, "'_delete_': True, ");
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
