// The language server bundle (dist/server.js) holds the config engine, lint
// and the editor features, not the trainer: esbuild's metafile lists every
// source that goes into it, and none may come from src/train or src/data
// (or their image libraries). This is what keeps the server small and quick
// to start; src/registry/type-names.ts is how the editor knows `type=` names.

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { build } from 'esbuild';

const REPO = path.resolve(__dirname, '../..');
const FORBIDDEN = [/^src\/train\//, /^src\/data\//, /^src\/metrics\//, /node_modules\/(jpeg-js|pngjs|@tensorflow)\//];

test('the server bundle includes nothing from src/train, src/data, src/metrics or their libraries', async () => {
  // Bundled as scripts/build.mjs bundles dist/server.js, but into memory.
  const r = await build({
    entryPoints: [path.join(REPO, 'server/main.ts')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    write: false,
    metafile: true,
    logLevel: 'silent',
    absWorkingDir: REPO,
  });
  const inputs = Object.keys(r.metafile.inputs);
  assert.ok(
    inputs.some((i) => i.startsWith('src/config/')),
    `the metafile lists the sources (got ${inputs.slice(0, 5).join(', ')})`,
  );
  const crossing = inputs.filter((i) => FORBIDDEN.some((re) => re.test(i)));
  assert.deepEqual(crossing, [], `dist/server.js would include: ${crossing.join(', ')}`);
});
