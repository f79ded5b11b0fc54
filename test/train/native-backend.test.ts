// Finding a user-installed tfjs-node(-gpu) and the CUDA libraries its libtensorflow needs,
// on fake installs in temporary folders (no package is run but the fakes' own index.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  findCudaLibraries,
  ldCacheEntries,
  locateNative,
  requireNative,
  searchRoots,
  describeNotFound,
  nativeFiles,
  type SearchEnv,
} from '../../src/train/native-backend';
import { selectBackend } from '../../src/train/backend';

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'yl-native-'));
}

/** A fake package: its index.js throws what a real one throws when libtensorflow is missing, unless `loads`. */
function fakePackage(nodeModules: string, name: string, loads = false): string {
  const dir = join(nodeModules, ...name.split('/'));
  mkdirSync(join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'dist/index.js' }));
  writeFileSync(
    join(dir, 'dist', 'index.js'),
    loads
      ? 'globalThis.__fakeNativeLoaded = (globalThis.__fakeNativeLoaded || 0) + 1;\n'
      : "throw new Error('libtensorflow.so.2: cannot open shared object file: No such file or directory');\n",
  );
  return dir;
}

function env(over: Partial<SearchEnv> & { vars?: NodeJS.ProcessEnv }): SearchEnv {
  const home = over.home ?? tmp();
  return {
    env: over.vars ?? {},
    cwd: over.cwd ?? tmp(),
    home,
    platform: 'linux',
    execPath: over.execPath ?? '/nonexistent/bin/node',
    ownDir: over.ownDir ?? tmp(),
  };
}

test('the workspace, a global prefix (env, ~/.npmrc, NODE_PATH) and the setting are searched; the setting wins', () => {
  const root = tmp();
  try {
    const ws = join(root, 'ws');
    fakePackage(join(ws, 'node_modules'), '@tensorflow/tfjs-node-gpu');
    let s = locateNative('@tensorflow/tfjs-node-gpu', searchRoots(env({ cwd: ws })));
    assert.equal(s.found?.source, 'workspace');
    assert.equal(s.found?.dir, join(ws, 'node_modules', '@tensorflow', 'tfjs-node-gpu'));
    assert.equal(s.found?.version, '4.22.0');

    // npm install -g with a prefix: PREFIX/lib/node_modules.
    const prefix = join(root, 'prefix');
    fakePackage(join(prefix, 'lib', 'node_modules'), '@tensorflow/tfjs-node');
    s = locateNative('@tensorflow/tfjs-node', searchRoots(env({ vars: { npm_config_prefix: prefix } })));
    assert.deepEqual(
      [s.found?.source, s.found?.dir],
      ['global', join(prefix, 'lib', 'node_modules', '@tensorflow', 'tfjs-node')],
    );
    const home = join(root, 'home');
    mkdirSync(home);
    writeFileSync(join(home, '.npmrc'), `registry=https://registry.npmjs.org/\nprefix=${prefix}\n`);
    assert.equal(locateNative('@tensorflow/tfjs-node', searchRoots(env({ home }))).found?.source, 'global');
    assert.equal(
      locateNative(
        '@tensorflow/tfjs-node',
        searchRoots(env({ vars: { NODE_PATH: join(prefix, 'lib', 'node_modules') } })),
      ).found?.source,
      'global',
    );
    // The node that runs us: PREFIX/bin/node.
    assert.equal(
      locateNative('@tensorflow/tfjs-node', searchRoots(env({ execPath: join(prefix, 'bin', 'node') }))).found?.source,
      'global',
    );

    // The setting may name the package folder itself or a folder above its node_modules.
    const elsewhere = join(root, 'elsewhere');
    const pkgDir = fakePackage(join(elsewhere, 'node_modules'), '@tensorflow/tfjs-node-gpu');
    for (const setting of [pkgDir, elsewhere]) {
      s = locateNative(
        '@tensorflow/tfjs-node-gpu',
        searchRoots(env({ cwd: ws, vars: { YOLOLAB_TFJS_NODE_PATH: setting } })),
      );
      assert.deepEqual([s.found?.source, s.found?.dir], ['yololab.tfjsNodePath', pkgDir], setting);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('not found: the message lists every place looked, once', () => {
  const e = env({ vars: { YOLOLAB_TFJS_NODE_PATH: '/nowhere/tfjs' } });
  const s = locateNative('@tensorflow/tfjs-node-gpu', searchRoots(e));
  assert.equal(s.found, undefined);
  const msg = describeNotFound('@tensorflow/tfjs-node-gpu', s);
  assert.match(
    msg,
    /^@tensorflow\/tfjs-node-gpu: not installed \(looked in yololab\.tfjsNodePath \/nowhere\/tfjs, this installation \S+, workspace \S+, /,
  );
  assert.equal(new Set(s.looked.map((r) => r.dir)).size, s.looked.length);
});

test('a package that does not load says where it is and why; its addon files are listed', () => {
  const root = tmp();
  try {
    const dir = fakePackage(join(root, 'node_modules'), '@tensorflow/tfjs-node-gpu');
    const s = locateNative('@tensorflow/tfjs-node-gpu', searchRoots(env({ cwd: root })));
    assert.equal(
      requireNative(s.found!),
      `tfjs-node-gpu 4.22.0 from ${dir} (workspace): does not load (libtensorflow.so.2: cannot open shared object file: No such file or directory)`,
    );
    assert.deepEqual(nativeFiles(dir), {});
    mkdirSync(join(dir, 'lib', 'napi-v8'), { recursive: true });
    writeFileSync(join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
    writeFileSync(join(dir, 'lib', 'napi-v8', 'libtensorflow.so.2'), '');
    assert.deepEqual(nativeFiles(dir), {
      binding: join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'),
      libtensorflow: join(dir, 'lib', 'napi-v8', 'libtensorflow.so.2'),
    });
    const ok = fakePackage(join(root, 'ok', 'node_modules'), '@tensorflow/tfjs-node', true);
    assert.equal(
      requireNative(locateNative('@tensorflow/tfjs-node', searchRoots(env({ cwd: join(root, 'ok') }))).found!),
      null,
    );
    assert.ok((globalThis as any).__fakeNativeLoaded >= 1, ok);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('--backend tensorflow-gpu names the package found through YOLOLAB_TFJS_NODE_PATH and why it failed', async () => {
  const root = tmp();
  const saved = process.env.YOLOLAB_TFJS_NODE_PATH;
  try {
    const dir = fakePackage(join(root, 'node_modules'), '@tensorflow/tfjs-node-gpu');
    process.env.YOLOLAB_TFJS_NODE_PATH = root;
    await assert.rejects(
      selectBackend('tensorflow-gpu'),
      (e: any) =>
        e.message ===
        `backend 'tensorflow-gpu' is not usable: tfjs-node-gpu 4.22.0 from ${dir} (yololab.tfjsNodePath): does not load (libtensorflow.so.2: cannot open shared object file: No such file or directory)`,
    );
  } finally {
    if (saved === undefined) delete process.env.YOLOLAB_TFJS_NODE_PATH;
    else process.env.YOLOLAB_TFJS_NODE_PATH = saved;
    rmSync(root, { recursive: true, force: true });
  }
});

test('CUDA libraries are looked up where the loader looks: LD_LIBRARY_PATH first (symlinks resolved to the real version)', () => {
  const root = tmp();
  try {
    writeFileSync(join(root, 'libcudart.so.11.2.152'), '');
    symlinkSync('libcudart.so.11.2.152', join(root, 'libcudart.so.11.0'));
    writeFileSync(join(root, 'libcudnn.so.8.1.1'), '');
    symlinkSync('libcudnn.so.8.1.1', join(root, 'libcudnn.so.8'));
    const found = new Map(
      findCudaLibraries({ LD_LIBRARY_PATH: `/nonexistent:${root}` }, 'linux').map((c) => [c.lib, c.path]),
    );
    assert.equal(found.get('libcudart.so.11.0'), join(root, 'libcudart.so.11.2.152'));
    assert.equal(found.get('libcudnn.so.8'), join(root, 'libcudnn.so.8.1.1'));
    assert.ok(found.has('libcublas.so.11') && found.has('libcuda.so.1'));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('/etc/ld.so.cache is read as a file: its absolute library paths by name', () => {
  const root = tmp();
  try {
    // The new format's header, then NUL-terminated keys and paths (offsets are not needed to list them).
    const cache = Buffer.concat([
      Buffer.from('glibc-ld.so.cache1.1'),
      Buffer.alloc(28, 3),
      Buffer.from(
        'libcudnn.so.8\0/usr/lib/x86_64-linux-gnu/libcudnn.so.8\0libz.so.1\0/lib/x86_64-linux-gnu/libz.so.1\0',
        'latin1',
      ),
    ]);
    writeFileSync(join(root, 'ld.so.cache'), cache);
    const m = ldCacheEntries(join(root, 'ld.so.cache'));
    assert.equal(m.get('libcudnn.so.8'), '/usr/lib/x86_64-linux-gnu/libcudnn.so.8');
    assert.equal(m.get('libz.so.1'), '/lib/x86_64-linux-gnu/libz.so.1');
    assert.equal(m.size, 2);
    assert.equal(ldCacheEntries(join(root, 'missing')).size, 0);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
