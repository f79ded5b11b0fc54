// The seeded config fuzzer (test/fuzz/config-fuzz.ts), bounded for `npm test`: a fixed
// seed, 120 mutated configs, in a child process with a timeout, so an input that runs
// without bound fails this test instead of hanging the suite. `npm run fuzz` runs longer.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const FUZZ = path.join(ROOT, 'test/fuzz/config-fuzz.ts');

test(
  'fuzz: 120 mutated configs load, lint and print without a throw, in one-line diagnostics, the same in both loader modes',
  { timeout: 300_000 },
  () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', FUZZ, '14', '120'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 240_000,
    });
    assert.notEqual(r.status, null, `the fuzzer was killed after 240 s: some input runs without bound (${r.signal})`);
    const last = r.stdout.trim().split('\n').pop() ?? '';
    assert.ok(last.startsWith('{'), `no report: ${r.stderr}`);
    const report = JSON.parse(last);
    assert.equal(report.cases, 120);
    assert.ok(report.loaded > 0, 'some mutated configs still load (the fuzzer reaches the evaluator)');
    assert.deepEqual(
      report.failed.map((f: { index: number; problem: string }) => `case ${f.index}: ${f.problem}`),
      [],
    );
  },
);
