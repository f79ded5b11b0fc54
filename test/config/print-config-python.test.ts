// The python output of print-config, run by real Python, rebuilds exactly the
// dict MMEngine gave for every golden case (keys, order, types).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigLoader, loadConfig, toPythonText } from '../../src/config';
import { diffExact, parseExactJson } from '../helpers/exact-json';

const CASES = path.resolve(__dirname, '../fixtures/config-cases');
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('YOLOLAB_CASES_')));
const scopes = { mmdet: path.join(CASES, '_scopes/mmdet'), mmcls: path.join(CASES, '_scopes/mmcls') };
const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;
const dump = path.resolve(__dirname, '../helpers/dump_config.py');

// Python objects that are not data (case 55: builtin functions, a class) cannot round-trip through text.
const NOT_DATA = new Set(['55-python-statements-beyond-spec']);

test(
  'print-config python output round-trips through Python for every golden case',
  { skip: python ? false : 'python3 is not installed' },
  () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-py-'));
    const cases = fs
      .readdirSync(CASES)
      .filter((d) => /^\d\d-/.test(d) && fs.existsSync(path.join(CASES, d, 'expected.json')) && !NOT_DATA.has(d));
    assert.ok(cases.length >= 50, `only ${cases.length} cases found in ${CASES}`);
    for (const name of cases) {
      const caseDir = path.join(CASES, name);
      const r = loadConfig(path.join(caseDir, 'main.py'), { scopes, env, loader: new ConfigLoader() });
      assert.ok(r.ok, `${name}: ${r.diagnostics.map((d) => d.message).join(' | ')}`);
      const out = path.join(dir, `${name}.py`);
      fs.writeFileSync(out, toPythonText(r.config!).text);
      const p = spawnSync(python!, [dump, out], { encoding: 'utf8' });
      assert.equal(p.status, 0, `${name}: Python could not run our output:\n${p.stderr}`);
      const expected = fs.readFileSync(path.join(caseDir, 'expected.json'), 'utf8').split('<CASE_DIR>').join(caseDir);
      const diffs = diffExact(parseExactJson(p.stdout), parseExactJson(expected));
      assert.deepEqual(diffs, [], `${name}: Python rebuilt a different dict:\n${diffs.join('\n')}`);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  },
);
