// The merged preview's text (src/workspace/merged-view.ts) on the fixture tree:
// the focused part (what each config sets, old -> new, where the old value came
// from) against expected-focus.txt; its old values against the base loaded on
// its own; every line's way back to the source; and the full text, which must
// load to the same config and, where MMEngine is here, run to the same dict as
// MMEngine's own `pretty_text`, keys in the same order.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { ConfigLoader, entryAt, loadConfig, type LoadResult } from '../../src/config/index';
import { pyEquals } from '../../src/config/values';
import { configChanges } from '../../src/workspace/config-changes';
import { mergedView } from '../../src/workspace/merged-view';
import { flatValue, prettyConfig } from '../../src/workspace/pretty-config';
import { showKeyPath } from '../../src/workspace/trap-fix';
import { loadWith } from './trap-oracle';

const TREE = path.resolve(__dirname, '../fixtures/workspace-traps');
const CONFIGS = path.join(TREE, 'configs');
const SRC = process.env.MMYOLO_SRC ?? '/tmp/src';
const PYTHON = '/usr/bin/python3';

function pyFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.py'))
    .map((f) => path.join(dir, f))
    .sort();
}

const load = (file: string, scopes: Record<string, string> = {}) =>
  loadConfig(file, { loader: new ConfigLoader(), scopes });

describe('the merged preview', () => {
  test('the focused part of every config of the fixture tree', () => {
    const out: string[] = [];
    for (const file of pyFiles(CONFIGS)) {
      const v = mergedView(load(file));
      out.push(`== ${path.relative(CONFIGS, file)}`, ...v.text.split('\n').slice(0, v.focusLines), '');
    }
    const expectedFile = path.join(TREE, 'expected-focus.txt');
    const got = out.join('\n');
    if (process.env.YOLOLAB_UPDATE_EXPECTED) fs.writeFileSync(expectedFile, got);
    assert.equal(got, fs.readFileSync(expectedFile, 'utf8'));
  });

  test('old values are the base’s own, and each change line leads to the line that sets it', () => {
    for (const file of pyFiles(CONFIGS)) {
      const r = load(file);
      const source = r.unit.text.split('\n');
      for (const c of configChanges(r.unit)) {
        const key = showKeyPath(c.path);
        assert.equal(c.prov.file, file, `${key}: set in ${c.prov.file}`);
        assert.ok(
          source[c.prov.range.start.line] !== undefined,
          `${key}: line ${c.prov.range.start.line + 1} of ${file}`,
        );
        if (!c.was) continue;
        // The base chain alone, without this file.
        const base = r.unit.baseUnits.find((b) => b.result?.has(c.path[0] as string))!;
        const alone = load(base.path);
        const expected = entryAt(alone.config!, c.path);
        assert.ok(
          expected && pyEquals(expected.value, c.was.value),
          `${path.basename(file)}: ${key} was ${flatValue(c.was.value)}, the base alone has ${expected && flatValue(expected.value)}`,
        );
      }
      const v = mergedView(r);
      assert.equal(v.lines.length, v.text.split('\n').length - 1, `${file}: one place per line`);
      for (const l of v.links)
        assert.equal(
          v.text.split('\n')[l.line].slice(l.start, l.end),
          `${path.basename(l.target.file)}:${l.target.line + 1}`,
        );
    }
  });

  test('the issue’s example: the child’s keys come first, with where the old value came from', () => {
    const file = path.join(CONFIGS, 'yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py');
    const v = mergedView(load(file));
    const lines = v.text.split('\n');
    assert.equal(lines[1], 'deepen_factor = 0.67  # was 0.33 (yolov8_s_syncbn_fast_8xb16-500e_coco.py:8)');
    assert.deepEqual(v.lines[1], { file, line: 2, col: 0 });
    const link = v.links.find((l) => l.line === 1)!;
    assert.equal(link.target.line, 7);
  });

  test('the full text loads back to the same config, keys sorted, within 79 columns where it can', () => {
    for (const file of pyFiles(CONFIGS)) {
      const r = load(file);
      const full = prettyConfig(r.config!);
      const back = loadWith(file, { [file]: full.text });
      assert.ok(back.ok, `${file}: ${back.diagnostics.find((d) => d.severity === 'error')?.message}`);
      for (const e of r.config!)
        assert.ok(
          pyEquals(back.config!.get(e.key)!, e.value),
          `${path.basename(file)}: ${String(e.key)} differs after a round trip`,
        );
      const keys = back.config!.keys().map(String);
      assert.deepEqual(keys, [...keys].sort());
      const long = full.text
        .split('\n')
        .filter((l) => l.length > 79 && !/^\s*\w+=?\s*=?\s*'[^']*',?\)*$/.test(l) && !/^\s*\w+ = '[^']*'$/.test(l));
      assert.deepEqual(long, [], `${path.basename(file)}: lines over 79 columns`);
    }
  });
});

function mmengineCompare(
  results: [string, LoadResult][],
): { config: string; same?: boolean; order?: boolean; differ?: string[]; skipped?: string }[] {
  const input = JSON.stringify(results.map(([f, r]) => [f, prettyConfig(r.config!).text]));
  const p = spawnSync(PYTHON, [path.resolve(__dirname, '../helpers/pretty_text_check.py')], {
    input,
    encoding: 'utf8',
    env: { ...process.env, MMYOLO_SRC: SRC },
    maxBuffer: 64 << 20,
  });
  assert.equal(p.status, 0, p.stderr);
  return p.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

const haveMMEngine = fs.existsSync(PYTHON) && fs.existsSync(path.join(SRC, 'mmengine/mmengine/config/config.py'));

describe(
  'the full text against MMEngine’s pretty_text',
  { skip: haveMMEngine ? false : `no MMEngine sources at ${SRC}/mmengine or no ${PYTHON} (set MMYOLO_SRC)` },
  () => {
    test('the fixture tree: same dict, same key order', () => {
      const rows = mmengineCompare(
        pyFiles(CONFIGS)
          .filter((f) => !f.includes('/misc/'))
          .map((f) => [f, load(f)]),
      );
      for (const r of rows) {
        assert.ok(!r.skipped, `${r.config}: ${r.skipped}`);
        assert.ok(r.same && r.order, `${r.config}: differs from MMEngine's pretty_text in ${r.differ?.join(', ')}`);
      }
    });

    test(
      'MMYOLO’s own configs',
      { skip: fs.existsSync(path.join(SRC, 'mmyolo/configs')) ? false : 'no MMYOLO configs' },
      () => {
        const scopes = { mmdet: path.join(SRC, 'mmdetection/configs'), mmyolo: path.join(SRC, 'mmyolo/configs') };
        const files = [
          'yolov8/yolov8_s_fast_1xb12-40e_cat.py',
          'yolov5/yolov5_s-v61_syncbn_fast_8xb16-300e_coco.py',
          'rtmdet/rtmdet_tiny_fast_1xb12-40e_cat.py',
          'yolox/yolox_s_fast_8xb8-300e_coco.py',
          'yolov6/yolov6_m_syncbn_fast_8xb32-300e_coco.py',
        ];
        const rows = mmengineCompare(
          files.map((f) => path.join(SRC, 'mmyolo/configs', f)).map((f) => [f, load(f, scopes)]),
        );
        let compared = 0;
        for (const r of rows) {
          if (r.skipped) continue;
          compared++;
          assert.ok(r.same && r.order, `${r.config}: differs from MMEngine's pretty_text in ${r.differ?.join(', ')}`);
        }
        assert.ok(
          compared >= 3,
          `only ${compared} MMYOLO configs could be compared: ${JSON.stringify(rows.filter((r) => r.skipped))}`,
        );
      },
    );
  },
);
