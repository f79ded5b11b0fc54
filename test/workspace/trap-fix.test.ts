// The propagation-trap quick fix on every trap of a fixture tree modelled on
// MMYOLO (and, when MMYOLO's sources are here, on every MMYOLO config that
// shows one): apply the fix, reload, and the trap is gone because each stale
// key now holds what the base would have computed from the child's values
// (test/workspace/trap-oracle.ts), written in the child, with nothing else changed.
// The edits themselves are compared with expected-fixes.txt beside the fixtures
// (YOLOLAB_UPDATE_EXPECTED=1 rewrites it).

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { entryAt, loadConfig, ConfigLoader, type FileUnit, type PyValue } from '../../src/config/index';
import { PyDict, PyList, PyTuple, pyEquals, repr } from '../../src/config/values';
import { propagationTrap, staleKeysOf } from '../../src/lint/inheritance';
import type { FixEdit } from '../../src/workspace/quick-fixes';
import { propagationFix, showKeyPath } from '../../src/workspace/trap-fix';
import { loadWith, trapNames, valueIfBaseHadChildValues } from './trap-oracle';

const TREE = path.resolve(__dirname, '../fixtures/workspace-traps');
const MMYOLO = path.join(process.env.MMYOLO_SRC ?? '/tmp/src', 'mmyolo');
const MMDET = path.join(process.env.MMYOLO_SRC ?? '/tmp/src', 'mmdetection');

function pyFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.py'))
    .map((e) => path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name))
    .sort();
}

function applyEdits(text: string, unit: FileUnit, edits: FixEdit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => unit.lines.offset(b.range.start) - unit.lines.offset(a.range.start))) {
    out = out.slice(0, unit.lines.offset(e.range.start)) + e.newText + out.slice(unit.lines.offset(e.range.end));
  }
  return out;
}

/** Key paths where two configs differ, leaving out `skip` and everything under it. */
function changedKeys(a: PyValue, b: PyValue, at: (string | number)[], skip: Set<string>, out: string[] = []): string[] {
  if (skip.has(JSON.stringify(at))) return out;
  if (a instanceof PyDict && b instanceof PyDict) {
    const keys = new Set([...a.keys(), ...b.keys()].map(String));
    for (const k of keys) {
      if (!a.has(k) || !b.has(k)) {
        if (!skip.has(JSON.stringify([...at, k]))) out.push(showKeyPath([...at, k]));
      } else changedKeys(a.get(k)!, b.get(k)!, [...at, k], skip, out);
    }
  } else if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    if (a.items.length !== b.items.length) out.push(showKeyPath(at));
    else a.items.forEach((x, i) => changedKeys(x, b.items[i], [...at, i], skip, out));
  } else if (!pyEquals(a, b)) out.push(showKeyPath(at) || '(top level)');
  return out;
}

interface Checked {
  title: string;
  edits: FixEdit[];
  fixedText: string;
}

/** Applies the fix of one trap and checks the outcome; returns what it wrote. */
function checkTrap(file: string, name: string, scopes: Record<string, string>, label: string): Checked {
  const before = loadConfig(file, { loader: new ConfigLoader(), scopes });
  const unit = before.unit;
  const stale = staleKeysOf(unit, name);
  const names = trapNames(unit);
  const result = propagationFix(unit, name, (text) => loadWith(file, { [file]: text }, scopes));
  assert.ok('fix' in result, `${label}: no fix for ${name}: ${'error' in result ? result.error : ''}`);
  const { fix } = result;
  for (const s of stale.slice(0, 3))
    assert.ok(
      fix.title.includes(showKeyPath(s.path)),
      `${label}: the title "${fix.title}" does not name ${showKeyPath(s.path)}`,
    );
  const fixedText = applyEdits(unit.text, unit, fix.edits);
  const after = loadWith(file, { [file]: fixedText }, scopes);
  assert.ok(
    after.ok,
    `${label} (${name}): the fixed config does not load: ${after.diagnostics.find((d) => d.severity === 'error')?.message}\n${fixedText}`,
  );
  assert.ok(
    !propagationTrap(after.unit).some((d) => (d.data as { name: string }).name === name),
    `${label}: the ${name} trap is still reported after the fix`,
  );
  for (const s of stale) {
    const key = showKeyPath(s.path);
    const got = entryAt(after.config!, s.path);
    assert.ok(got, `${label}: ${key} is gone after the ${name} fix`);
    assert.equal(got.prov?.file, file, `${label}: ${key} is not written by the config after the ${name} fix`);
    const expected = valueIfBaseHadChildValues(unit, s.prov.file, s.path, names, scopes);
    assert.ok(!expected.error, `${label}: ${expected.error}`);
    assert.ok(
      pyEquals(got.value, expected.value!),
      `${label}: ${key} after the ${name} fix is ${repr(got.value)}, the base with the child's values computes ${repr(expected.value!)}`,
    );
  }
  const changed = changedKeys(before.config!, after.config!, [], new Set(stale.map((s) => JSON.stringify(s.path))));
  assert.deepEqual(changed, [], `${label}: the ${name} fix also changed other keys`);
  return { title: fix.title, edits: fix.edits, fixedText };
}

function describeFix(rel: string, name: string, c: Checked, original: string): string {
  const out = [`== ${rel}: ${name}`, c.title];
  // The lines of the fixed text that are not in the original, with their line numbers.
  const old = new Set(original.split('\n'));
  c.fixedText.split('\n').forEach((l, i) => {
    if (!old.has(l)) out.push(`${String(i + 1).padStart(3)} + ${l}`);
  });
  return out.join('\n');
}

describe('propagation-trap fix on the fixture tree', () => {
  const files = pyFiles(path.join(TREE, 'configs'));
  const report: string[] = [];
  const unfixable = path.join(TREE, 'configs/misc/named_child.py');

  test('every trap gets a fix that leaves each stale key at the value the base computes from the child’s values', () => {
    let traps = 0;
    for (const file of files) {
      if (file === unfixable) continue;
      const r = loadConfig(file, { loader: new ConfigLoader() });
      for (const d of propagationTrap(r.unit)) {
        const name = (d.data as { name: string }).name;
        const rel = path.relative(path.join(TREE, 'configs'), file);
        report.push(describeFix(rel, name, checkTrap(file, name, {}, rel), r.unit.text));
        traps++;
      }
    }
    assert.ok(traps >= 10, `only ${traps} traps in the fixture tree`);
    const expectedFile = path.join(TREE, 'expected-fixes.txt');
    const got = report.join('\n\n') + '\n';
    if (process.env.YOLOLAB_UPDATE_EXPECTED) fs.writeFileSync(expectedFile, got);
    assert.equal(got, fs.readFileSync(expectedFile, 'utf8'));
  });

  test('the fix from either of two names a key reads writes the same expression', () => {
    const file = path.join(TREE, 'configs/yolov8/yolov8_s_fast_1xb12-40e_cat.py');
    const a = checkTrap(file, 'max_epochs', {}, 'cat');
    const b = checkTrap(file, 'close_mosaic_epochs', {}, 'cat');
    const line = (t: string) => t.split('\n').find((l) => l.startsWith('train_cfg = '));
    assert.equal(line(a.fixedText), line(b.fixedText));
    assert.equal(
      line(a.fixedText),
      'train_cfg = dict(dynamic_intervals=[((max_epochs - close_mosaic_epochs), _base_.val_interval_stage2)], max_epochs=max_epochs, val_interval=10)',
    );
  });

  test('a trap whose base expression cannot be written in the child gets no fix, and says why', () => {
    const r = loadConfig(unfixable, { loader: new ConfigLoader() });
    const [d] = propagationTrap(r.unit);
    assert.ok(d, 'the fixture has a trap');
    const result = propagationFix(r.unit, 'exp_name', (text) => loadWith(unfixable, { [unfixable]: text }));
    assert.ok('error' in result);
    assert.match(result.error, /^work_dir: .*\{\{ \}\} template/);
  });

  test('a config that does not load gets no fix', () => {
    const file = path.join(TREE, 'configs/yolov8/yolov8_s_fast_1xb12-40e_cat.py');
    const r = loadWith(file, { [file]: "_base_ = 'yolov8_s_syncbn_fast_8xb16-500e_coco.py'\nmax_epochs = (\n" });
    const result = propagationFix(r.unit, 'max_epochs');
    assert.deepEqual(result, { error: 'the config does not load' });
  });
});

describe(
  'propagation-trap fix on MMYOLO’s configs',
  { skip: fs.existsSync(path.join(MMYOLO, 'configs')) ? false : `no MMYOLO checkout at ${MMYOLO} (set MMYOLO_SRC)` },
  () => {
    const scopes = { mmdet: path.join(MMDET, 'configs'), mmyolo: path.join(MMYOLO, 'configs') };

    test('the issue’s example: yolov8_s_fast_1xb12-40e_cat.py gets dynamic_intervals [(35, 1)]', () => {
      const file = path.join(MMYOLO, 'configs/yolov8/yolov8_s_fast_1xb12-40e_cat.py');
      for (const name of ['max_epochs', 'close_mosaic_epochs']) {
        const c = checkTrap(file, name, scopes, 'yolov8_s_fast_1xb12-40e_cat.py');
        const v = entryAt(loadWith(file, { [file]: c.fixedText }, scopes).config!, [
          'train_cfg',
          'dynamic_intervals',
        ])!.value;
        assert.equal(repr(v), '[(35, 1)]');
      }
    });

    test('every MMYOLO config with a trap gets a fix that is right', () => {
      let traps = 0;
      for (const file of [...pyFiles(path.join(MMYOLO, 'configs')), ...pyFiles(path.join(MMYOLO, 'projects'))]) {
        const r = loadConfig(file, { loader: new ConfigLoader(), scopes });
        if (!r.ok) continue;
        for (const d of propagationTrap(r.unit)) {
          checkTrap(file, (d.data as { name: string }).name, scopes, path.relative(MMYOLO, file));
          traps++;
        }
      }
      assert.ok(traps >= 15, `only ${traps} traps found in MMYOLO's configs`);
    });
  },
);
