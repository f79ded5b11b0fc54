import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { stopProcess, stopSteps } from '../../client/runs/stop';

// A real child in its own process group, like the extension spawns trainers.
function child(script: string) {
  const c = spawn(process.execPath, ['-e', script], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  c.stdout!.on('data', (d) => (out += d));
  let done = false;
  const exited = new Promise<void>((r) => c.on('close', () => ((done = true), r())));
  const ready = new Promise<void>((r) => c.stdout!.once('data', () => r()));
  return { c, exited, ready, output: () => out, proc: { pid: c.pid, exited, hasExited: () => done } };
}

test('a trainer that handles Ctrl-C stops gracefully on SIGINT, without being killed', async () => {
  const t = child(
    `process.on('SIGINT', () => { console.log('checkpoint saved'); process.exit(0); }); console.log('ready'); setInterval(() => {}, 1000);`,
  );
  await t.ready;
  const outcome = await stopProcess(t.proc, 'interrupt', 5000);
  assert.equal(outcome, 'graceful');
  assert.match(t.output(), /checkpoint saved/);
  assert.equal(t.c.exitCode, 0);
});

test('a process that ignores SIGINT is killed after the grace period', async () => {
  const t = child(
    `process.on('SIGINT', () => console.log('ignoring')); console.log('ready'); setInterval(() => {}, 1000);`,
  );
  await t.ready;
  const started = Date.now();
  const outcome = await stopProcess(t.proc, 'interrupt', 300);
  assert.equal(outcome, 'killed');
  assert.ok(Date.now() - started >= 290, 'waited for the grace period first');
  assert.equal(t.c.signalCode, 'SIGKILL');
  assert.match(t.output(), /ignoring/);
});

test('the signal reaches the whole process group (torchrun/srun workers)', async () => {
  // The parent spawns a grandchild in the same group and ignores SIGINT; only the group signal stops the grandchild.
  const t = child(`
    const { spawn } = require('child_process');
    const g = spawn(process.execPath, ['-e', "process.on('SIGINT', () => { console.log('worker stopped'); process.exit(0); }); setInterval(() => {}, 1000); console.log('w')"], { stdio: ['ignore', 'pipe', 'inherit'] });
    g.stdout.on('data', (d) => process.stdout.write(d));
    process.on('SIGINT', () => {});
    g.on('exit', () => process.exit(0));
    console.log('ready');`);
  await t.ready;
  // the worker prints 'w' once its handler is installed
  for (let i = 0; i < 250 && !/^w$/m.test(t.output()); i++) await new Promise((r) => setTimeout(r, 20));
  const outcome = await stopProcess(t.proc, 'interrupt', 5000);
  assert.equal(outcome, 'graceful');
  assert.match(t.output(), /worker stopped/);
});

test('slurm runs get a second SIGINT (srun cancels the step on two within a second), then a kill', () => {
  assert.deepEqual(
    stopSteps('slurm', 10000).map((s) => [s.signal, s.afterMs]),
    [
      ['SIGINT', 0],
      ['SIGINT', 300],
      ['SIGKILL', 10000],
    ],
  );
  assert.deepEqual(
    stopSteps('interrupt', 2000).map((s) => s.signal),
    ['SIGINT', 'SIGKILL'],
  );
});

test('stopping a process that already exited sends nothing', async () => {
  const sent: string[] = [];
  const outcome = await stopProcess(
    { pid: 12345, exited: Promise.resolve(), hasExited: () => true },
    'interrupt',
    100,
    (_p, s) => sent.push(s),
  );
  assert.equal(outcome, 'already-exited');
  assert.deepEqual(sent, []);
});
