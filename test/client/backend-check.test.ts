// When a built-in run cannot use the backend the user picked, the extension shows `yololab doctor`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BackendWatch, runDoctor } from '../../client/runs/backend-check';

test('the trainer refusing the asked-for backend is caught, once, with its line', () => {
  const w = new BackendWatch('tensorflow');
  assert.equal(w.feed('2026/12/03 08:01:17 - yololab - INFO - seed: 1'), undefined);
  const line =
    "yololab train: error: backend 'tensorflow' is not usable: @tensorflow/tfjs-node: not available (Cannot find module '@tensorflow/tfjs-node')";
  assert.equal(
    w.feed(line),
    "backend 'tensorflow' is not usable: @tensorflow/tfjs-node: not available (Cannot find module '@tensorflow/tfjs-node')",
  );
  assert.equal(w.feed(line), undefined, 'said once');
});

test('a run on another backend than the one asked for is caught; the right one, or none asked for, is not', () => {
  assert.equal(
    new BackendWatch('tensorflow-gpu').feed(
      '2026/12/03 - yololab - INFO - backend: tensorflow (tfjs-node, native CPU)',
    ),
    'the run uses tensorflow (tfjs-node, native CPU)',
  );
  assert.equal(new BackendWatch('gpu').feed('... - INFO - backend: tensorflow (tfjs-node-gpu, CUDA)'), undefined);
  assert.equal(
    new BackendWatch('wasm').feed('... - INFO - backend: wasm (tfjs-backend-wasm, XNNPACK, single thread)'),
    undefined,
  );
  assert.equal(
    new BackendWatch('cpu').feed('... - INFO - backend: wasm (tfjs-backend-wasm, XNNPACK, single thread)'),
    'the run uses wasm (tfjs-backend-wasm, XNNPACK, single thread)',
  );
  assert.equal(new BackendWatch(undefined).feed("error: backend 'tensorflow' is not usable: x"), undefined);
  assert.equal(
    new BackendWatch('tpu').feed("yololab train: error: unknown backend 'tpu' (known: gpu, cpu)"),
    "unknown backend 'tpu' (known: gpu, cpu)",
  );
});

test("runDoctor gives the report of the CLI's doctor, run in the folder and environment of the run", async () => {
  const cli = path.resolve(__dirname, '../../bin/yololab.js');
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'yl-ws-'));
  const got = await runDoctor(process.execPath, cli, {
    cwd: ws,
    env: { YOLOLAB_TFJS_NODE_PATH: path.join(ws, 'elsewhere') },
  });
  assert.match(got, /^yololab doctor: /);
  assert.match(got, /\n  wasm +loads: wasm/);
  // the workspace is where doctor looked for a user-installed tfjs-node
  assert.ok(
    got.includes(`workspace ${fs.realpathSync(ws)}`) || got.includes(`workspace ${ws}`),
    got.split('\n').slice(0, 5).join('\n'),
  );
  assert.doesNotMatch(got, /exited with code/);
});

test('runDoctor on a node that is not there says so instead of throwing', async () => {
  const got = await runDoctor(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'yl-')), 'no-node'), 'cli.js', {
    cwd: os.tmpdir(),
  });
  assert.match(got, /^cannot run .*no-node cli\.js doctor: .*ENOENT/);
});
