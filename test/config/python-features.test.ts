// docs/config-semantics.md §7 features, checked against Python itself: each fixture is an
// inheritance-free config, so MMEngine's result is Python's module namespace
// (minus modules, functions and `__` names) — real Python is the oracle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigLoader, loadConfig, toTaggedJson } from '../../src/config';
import { diffExact, parseExactJson } from '../helpers/exact-json';

const DIR = path.resolve(__dirname, '../fixtures/python-features');
const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;
const dump = path.resolve(__dirname, '../helpers/dump_config.py');

for (const name of fs
  .readdirSync(DIR)
  .filter((f) => f.endsWith('.py'))
  .sort()) {
  test(
    `python feature fixture ${name} evaluates as Python does`,
    { skip: python ? false : 'python3 is not installed' },
    () => {
      const file = path.join(DIR, name);
      const r = loadConfig(file, { loader: new ConfigLoader() });
      assert.ok(
        r.ok,
        `${name}: ${r.diagnostics.map((d) => `${d.range.start.line + 1}:${d.range.start.col + 1} ${d.message}`).join(' | ')}`,
      );
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity !== 'information'),
        [],
        `${name}: docs/config-semantics.md §7 features need no warning`,
      );
      const p = spawnSync(python!, [dump, file, '--config'], { encoding: 'utf8' });
      assert.equal(p.status, 0, p.stderr);
      const diffs = diffExact(parseExactJson(toTaggedJson(r.config!)), parseExactJson(p.stdout));
      assert.deepEqual(diffs, [], `${name}: differs from Python:\n${diffs.join('\n')}`);
    },
  );
}
