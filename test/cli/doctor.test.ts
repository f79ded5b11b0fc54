// `yololab doctor` on this machine, with a fake GPU package that does not load and fake CUDA
// libraries on LD_LIBRARY_PATH: it names both, says which backend the trainer would use, and
// exits 0 although only the CPU backends load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

test('yololab doctor lists backends with reasons, the CUDA libraries found, threads, memory; exit 0', () => {
  const root = mkdtempSync(join(tmpdir(), 'yl-doctor-'));
  try {
    const pkg = join(root, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', version: '4.22.0', main: 'dist/index.js' }),
    );
    writeFileSync(
      join(pkg, 'dist', 'index.js'),
      "throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');\n",
    );
    const libs = join(root, 'cuda');
    mkdirSync(libs);
    writeFileSync(join(libs, 'libcudnn.so.8'), '');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor'], {
      encoding: 'utf8',
      timeout: 60000,
      env: { ...process.env, YOLOLAB_TFJS_NODE_PATH: root, LD_LIBRARY_PATH: libs },
    });
    assert.equal(r.status, 0, r.stderr);
    const out = r.stdout;
    assert.match(
      out,
      new RegExp(
        `tensorflow-gpu  no: tfjs-node-gpu 4\\.22\\.0 from ${pkg.replace(/[.\\/]/g, '\\$&')} \\(yololab\\.tfjsNodePath\\): does not load \\(libcudart\\.so\\.11\\.0: cannot open shared object file`,
      ),
    );
    assert.match(out, /\n {2}wasm {12}loads: wasm \(tfjs-backend-wasm/);
    assert.match(out, /\n {2}cpu {13}loads: cpu/);
    assert.match(out, /-> the trainer would use (tensorflow|wasm)/);
    assert.match(out, /libtensorflow 2\.9\.1 \(tfjs-node-gpu 4\.x\) needs CUDA 11\.2 and cuDNN 8\.1/);
    assert.match(
      out,
      new RegExp(`cuDNN 8 +libcudnn\\.so\\.8 +${join(libs, 'libcudnn.so.8').replace(/[.\\/]/g, '\\$&')}`),
    );
    assert.match(out, /CUDA 11 runtime +libcudart\.so\.11\.0 +\S+/);
    assert.match(out, /\nthreads: \d+ cores available/);
    assert.match(out, /\nmemory: [\d.]+ GB total, [\d.]+ GB available/);
    assert.match(out, /\ndata: images decoded by (sharp|jpeg-js)/);
    assert.equal(
      spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'doctor', 'extra'], { encoding: 'utf8' })
        .status,
      2,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
