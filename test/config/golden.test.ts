// The 77 golden cases: each config tree loaded by MMEngine v0.10.7, and our result
// compared key by key, with order and int/float/tuple kinds (test/fixtures/config-cases),
// in both evaluation modes of the loader.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadConfig, toTaggedJson, ConfigLoader } from '../../src/config';
import { diffExact, parseExactJson } from '../helpers/exact-json';

const CASES = path.resolve(__dirname, '../fixtures/config-cases');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('YOLOLAB_CASES_')));
const scopes = { mmdet: path.join(CASES, '_scopes/mmdet'), mmcls: path.join(CASES, '_scopes/mmcls') };

const cases = fs.existsSync(CASES)
  ? fs
      .readdirSync(CASES)
      .filter((d) => /^\d\d-/.test(d))
      .sort()
  : [];

test('the golden cases are present', () => {
  assert.equal(cases.length, 77, `expected 77 cases in ${CASES}`);
});

// Each case twice: with the syntax tree kept (the editor) and streamed statement by statement (the CLI).
for (const name of cases)
  for (const keepSyntaxTree of [true, false]) {
    const dir = path.join(CASES, name);
    test(`golden ${name}${keepSyntaxTree ? '' : ' (streamed)'}`, () => {
      const r = loadConfig(path.join(dir, 'main.py'), { scopes, env, loader: new ConfigLoader(), keepSyntaxTree });
      const errorFile = path.join(dir, 'expected.error.txt');
      if (fs.existsSync(errorFile)) {
        const [pyType, ...rest] = fs.readFileSync(errorFile, 'utf8').split('\n');
        const expected = rest.join('\n').trim();
        const errors = r.diagnostics.filter((d) => d.severity === 'error');
        assert.equal(r.ok, false, `${name}: MMEngine raised ${pyType}: ${expected}\nbut we loaded it`);
        assert.ok(errors.length > 0, `${name}: no error diagnostic`);
        const types = errors.map((d) => d.pyType);
        assert.ok(
          types.includes(pyType),
          `${name}: expected ${pyType} (${expected}), got ${errors.map((d) => `${d.pyType}: ${d.message}`).join(' | ')}`,
        );
        // The gist: every quoted name in MMEngine's message appears in ours.
        if (pyType !== 'RecursionError' && pyType !== 'SyntaxError') {
          const quoted = [...expected.matchAll(/'([A-Za-z_][\w.]*)'/g)].map((m) => m[1]);
          const ours = errors.map((d) => d.message).join(' ');
          for (const q of quoted) assert.ok(ours.includes(q), `${name}: our message should name '${q}': ${ours}`);
        }
        for (const d of errors)
          assert.ok(
            (d.range.start.line >= 0 && fs.existsSync(d.file)) || d.file.startsWith('<'),
            `${name}: error points at a real file: ${d.file}`,
          );
        return;
      }
      assert.equal(
        r.ok,
        true,
        `${name}: ${r.diagnostics.map((d) => `${path.relative(dir, d.file)}:${d.range.start.line + 1}:${d.range.start.col + 1} ${d.pyType}: ${d.message}`).join('\n')}`,
      );
      const expectedText = fs.readFileSync(path.join(dir, 'expected.json'), 'utf8').split('<CASE_DIR>').join(dir);
      const diffs = diffExact(parseExactJson(toTaggedJson(r.config!)), parseExactJson(expectedText));
      assert.deepEqual(diffs, [], `${name}: merged config differs from MMEngine's:\n${diffs.join('\n')}`);
      // Python that docs/config-semantics.md §7 keeps out of configs: reproduced, and also diagnosed.
      if (name.startsWith('03-') || name.startsWith('55-')) {
        assert.ok(
          r.diagnostics.some((d) => d.code === 'unsupported-syntax' && d.severity === 'warning'),
          `${name}: expected unsupported-syntax warnings`,
        );
      }
      const warnFile = path.join(dir, 'expected.warnings.txt');
      if (fs.existsSync(warnFile)) {
        const [category] = fs.readFileSync(warnFile, 'utf8').split(':');
        assert.ok(
          r.diagnostics.some((d) => d.severity === 'warning' && d.pyType === category),
          `${name}: expected a ${category}`,
        );
      }
    });
  }
