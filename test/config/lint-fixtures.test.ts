// Lint findings over fixture config trees on disk; each folder holds the
// expected `file:line:col: severity: message [rule]` lines beside the configs.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic } from '../../src/config';
import { collectConfigFiles, lintFiles } from '../../src/cli/lint';

const ROOT = path.resolve(__dirname, '../fixtures/lint');

for (const name of fs.readdirSync(ROOT).sort()) {
  const dir = path.join(ROOT, name);
  test(`lint fixture ${name}`, () => {
    const { files } = collectConfigFiles([dir]);
    const got = lintFiles(files, {}).map((d) => formatDiagnostic(d, dir));
    const expectedFile = path.join(dir, 'expected.txt');
    if (process.env.UPDATE_EXPECTED) fs.writeFileSync(expectedFile, got.join('\n') + '\n');
    const expected = fs.readFileSync(expectedFile, 'utf8').trimEnd().split('\n');
    assert.deepEqual(got, expected, `lint findings for test/fixtures/lint/${name} differ from expected.txt`);
  });
}
