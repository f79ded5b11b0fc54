// CI-sized demo: `yololab demo` on a small pre-generated shapes set, cut to a few
// iterations; checks the command's wiring (config discovery, data root override, the
// summary naming curves and checkpoints that exist). The full demo is measured by hand
// (see the trainer report): it is minutes, not seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';

test('yololab demo trains the demo config and says where the curves and checkpoints are', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'yololab-demo-'));
  await makeDemoDataset(join(dir, 'data'), { train: 16, val: 8, seed: 4 });
  const r = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      'src/cli/main.ts',
      'demo',
      '--data',
      join(dir, 'data'),
      '--work-dir',
      join(dir, 'wd'),
      '--max-iters',
      '3',
      '--backend',
      'wasm',
    ],
    { encoding: 'utf8', timeout: 120000 },
  );
  assert.equal(r.status, 0, r.stderr);
  const curves = r.stdout.match(/curves \(MMEngine scalars\.json\): (\S+)/)?.[1];
  assert.ok(curves && existsSync(curves), r.stdout);
  const lines = readFileSync(curves, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.filter((l) => 'loss' in l).length >= 1, true);
  assert.match(r.stdout, /checkpoints: .*wd/);
  assert.ok(existsSync(join(dir, 'wd', 'last_checkpoint')));
  assert.match(r.stdout, /train: 16 images/);
});
