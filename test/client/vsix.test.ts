// The packaged extension carries everything it runs: the .vsix that `npm run package` builds
// (scripts/package-vsix.mjs, vsce over the .vscodeignore allow-list) is unpacked into a temporary
// folder outside the repository, and the CLI inside it trains a tiny config for one iteration with a
// loader worker thread. A file the allow-list forgets (a bundle, a wasm binary, a module the bundles
// require, the data worker) fails here instead of in a user's run.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yauzl from 'yauzl';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tinyConfig } from '../train/fixtures/tiny-config';

const repo = path.resolve(__dirname, '../..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-vsix-test-'));
const vsix = path.join(dir, 'yololab.vsix');
const unpacked = path.join(dir, 'unpacked');
let entries: string[] = [];

// Extracts every file entry; refuses names that would land outside the target folder.
function unzip(file: string, target: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        const dest = path.resolve(target, e.fileName);
        if (!dest.startsWith(target + path.sep))
          return reject(new Error(`${file}: entry escapes the folder: ${e.fileName}`));
        if (e.fileName.endsWith('/')) return zip.readEntry();
        names.push(e.fileName);
        fs.mkdirSync(path.dirname(dest), { recursive: true });
        zip.openReadStream(e, (err2, stream) => {
          if (err2) return reject(err2);
          stream
            .pipe(fs.createWriteStream(dest))
            .on('finish', () => zip.readEntry())
            .on('error', reject);
        });
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

before(async () => {
  // npm test has built dist/; a single run of this file builds it when it is missing
  const build = fs.existsSync(path.join(repo, 'dist/cli.js')) ? ['--no-build'] : [];
  const r = spawnSync(process.execPath, [path.join(repo, 'scripts/package-vsix.mjs'), vsix, ...build], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  assert.equal(r.status, 0, `packaging failed:\n${r.stdout}\n${r.stderr}`);
  entries = await unzip(vsix, unpacked);
});

test('the .vsix carries the bundles the extension, the server and the CLI run, the data and config workers and the wasm binaries', () => {
  for (const f of [
    'bin/yololab.js',
    'dist/extension.js',
    'dist/server.js',
    'dist/cli.js',
    'dist/webview-metrics.js',
    'dist/data-worker.js',
    'dist/config-worker.js',
    'dist/yololab-kernels.wasm',
    'package.json',
  ]) {
    assert.ok(entries.includes(`extension/${f}`), `extension/${f} is in the .vsix`);
  }
  assert.ok(
    entries.some((e) => /^extension\/node_modules\/@tensorflow\/tfjs-backend-wasm\/dist\/.*\.wasm$/.test(e)),
    'the wasm binaries',
  );
  // the allow-list keeps the package small: no sources, tests or source maps
  assert.ok(
    !entries.some((e) => /^extension\/(src|test|client|server)\/|\.map$/.test(e)),
    entries.filter((e) => /^extension\/(src|test|client|server)\/|\.map$/.test(e)).join(', '),
  );
});

test(
  'the CLI from the unpacked .vsix trains one iteration with its loader worker thread',
  {
    skip:
      os.availableParallelism() < 2
        ? 'one CPU: the trainer starts no loader worker (it leaves a core for the model)'
        : false,
    timeout: 300_000,
  },
  async () => {
    const data = path.join(dir, 'data');
    await makeDemoDataset(data, { train: 4, val: 2, size: 96, seed: 3 });
    const config = path.join(dir, 'tiny.py');
    fs.writeFileSync(config, tinyConfig(data, "train_dataloader['num_workers'] = 1\n"));
    // started from the temporary folder: nothing resolves from the repository's node_modules
    const r = spawnSync(
      process.execPath,
      [
        path.join(unpacked, 'extension/bin/yololab.js'),
        'train',
        config,
        '--work-dir',
        path.join(dir, 'work'),
        '--max-iters',
        '1',
        '--backend',
        'wasm',
      ],
      {
        cwd: dir,
        encoding: 'utf8',
        timeout: 240_000,
        env: { ...process.env, NODE_PATH: '' },
      },
    );
    const log = `${r.stdout}\n${r.stderr}`;
    assert.equal(r.status, 0, log.slice(-3000));
    assert.match(log, /backend: wasm/);
    // the CLI finds YOLO Lab's kernel module next to it (without it training falls back to tfjs's kernels, several times slower)
    assert.match(log, /backend: wasm \(tfjs-backend-wasm \+ YOLO Lab kernels, \d+ threads?\)/);
    assert.match(log, /data: .*\b1 loader worker thread\b/);
    assert.doesNotMatch(log, /no loader worker script/, 'the data worker of the .vsix was not found');
    // ...and the worker thread really decoded the batch (its samples are counted as they come back)
    assert.match(log, /data: [1-9]\d* samples decoded in loader worker threads/);
    assert.match(log, /done: 1 iterations/);
    assert.ok(
      !log.includes(repo),
      `the unpacked CLI reached into the repository:\n${log
        .split('\n')
        .filter((l) => l.includes(repo))
        .join('\n')}`,
    );
  },
);
