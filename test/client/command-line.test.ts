import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildTrainCommand, renderCommandLine, RunnerSetupError, torchrunBeside } from '../../client/runs/command-line';

const req = { config: '/ws/configs/yolov8_n_demo.py', workDir: '/ws/work_dirs/yolov8_n_demo', amp: false };

test('builtin runner: node CLI train with work dir, and flags only when asked', () => {
  const r = { kind: 'builtin' as const, node: '/usr/bin/node', cli: '/ext/bin/yololab.js', cwd: '/ws' };
  const plain = buildTrainCommand(r, req);
  assert.equal(plain.command, '/usr/bin/node');
  assert.deepEqual(plain.args, ['/ext/bin/yololab.js', 'train', req.config, '--work-dir', req.workDir]);
  assert.equal(plain.stopStyle, 'interrupt');
  assert.equal(plain.cwd, '/ws'); // data_root is relative to where training starts
  const all = buildTrainCommand(r, { ...req, amp: true, seed: 7, backend: 'wasm' });
  assert.deepEqual(all.args.slice(5), ['--amp', '--seed', '7', '--backend', 'wasm']);
});

test('mmyolo single process: python tools/train.py in the MMYOLO root, seed through --cfg-options', () => {
  const r = {
    kind: 'mmyolo' as const,
    python: '/opt/venv/bin/python',
    root: '/src/mmyolo',
    gpus: 1,
    launcher: 'none' as const,
  };
  const c = buildTrainCommand(r, { ...req, amp: true, seed: 3 });
  assert.equal(c.command, '/opt/venv/bin/python');
  assert.equal(c.cwd, '/src/mmyolo');
  assert.deepEqual(c.args, [
    'tools/train.py',
    req.config,
    '--work-dir',
    req.workDir,
    '--amp',
    '--cfg-options',
    'randomness.seed=3',
  ]);
});

test('mmyolo several GPUs: torchrun beside the configured python, pytorch launcher, own master port', () => {
  const r = {
    kind: 'mmyolo' as const,
    python: '/opt/venv/bin/python',
    root: '/src/mmyolo',
    gpus: 4,
    launcher: 'pytorch' as const,
    masterPort: 29611,
  };
  const c = buildTrainCommand(r, req);
  assert.equal(c.command, '/opt/venv/bin/torchrun');
  assert.deepEqual(c.args, [
    '--nproc_per_node=4',
    '--master_port=29611',
    'tools/train.py',
    req.config,
    '--work-dir',
    req.workDir,
    '--launcher',
    'pytorch',
  ]);
  // gpus > 1 with launcher none still needs a distributed launch
  assert.equal(buildTrainCommand({ ...r, launcher: 'none', python: 'python3' }, req).command, 'torchrun');
  assert.equal(torchrunBeside('python'), 'torchrun');
});

test('mmyolo on slurm: srun with partition, one task per GPU, slurm launcher, unbuffered python', () => {
  const r = {
    kind: 'mmyolo' as const,
    python: 'python',
    root: '/src/mmyolo',
    gpus: 16,
    launcher: 'slurm' as const,
    partition: 'gpu-a100',
  };
  const c = buildTrainCommand(r, req);
  assert.equal(c.command, 'srun');
  assert.equal(c.stopStyle, 'slurm');
  assert.deepEqual(c.args.slice(0, 2), ['-p', 'gpu-a100']);
  assert.ok(c.args.includes('--ntasks=16'));
  assert.ok(c.args.includes('--ntasks-per-node=8'));
  assert.ok(c.args.includes('--gres=gpu:8'));
  assert.ok(c.args.includes('--job-name=yolov8_n_demo'));
  const py = c.args.indexOf('python');
  assert.deepEqual(c.args.slice(py), [
    'python',
    '-u',
    'tools/train.py',
    req.config,
    '--work-dir',
    req.workDir,
    '--launcher',
    'slurm',
  ]);
});

test('mmyolo runner refuses incomplete settings with a message naming the setting', () => {
  const base = { kind: 'mmyolo' as const, python: 'python', root: '/src/mmyolo', gpus: 1, launcher: 'none' as const };
  assert.throws(
    () => buildTrainCommand({ ...base, root: '' }, req),
    (e: Error) => e instanceof RunnerSetupError && /yololab\.mmyolo\.root/.test(e.message),
  );
  assert.throws(() => buildTrainCommand({ ...base, launcher: 'slurm' }, req), /yololab\.mmyolo\.partition/);
  assert.throws(() => buildTrainCommand({ ...base, gpus: 0 }, req), /gpus must be a positive integer/);
  assert.throws(
    () => buildTrainCommand({ ...base, launcher: 'mpi' as any }, req),
    /unknown yololab\.mmyolo\.launcher 'mpi'/,
  );
  assert.throws(() => buildTrainCommand(base, { ...req, seed: -1 }), /seed must be a non-negative integer/);
});

test('rendered command line quotes only what a shell would split', () => {
  assert.equal(
    renderCommandLine({ command: 'python', args: ['tools/train.py', '/a b/c.py', "it's"] }),
    `python tools/train.py '/a b/c.py' 'it'\\''s'`,
  );
});

test('resume: both runners take --resume CKPT; MMYOLO gets it before --cfg-options, which takes the rest', () => {
  const b = buildTrainCommand(
    { kind: 'builtin', node: 'node', cli: '/ext/bin/yololab.js', cwd: '/ws' },
    { ...req, resume: '/w/iter_4.ckpt' },
  );
  assert.deepEqual(b.args.slice(-2), ['--resume', '/w/iter_4.ckpt']);
  const m = buildTrainCommand(
    { kind: 'mmyolo', python: 'python', root: '/src/mmyolo', gpus: 1, launcher: 'none' },
    { ...req, seed: 1, resume: '/w/epoch_3.pth' },
  );
  assert.deepEqual(m.args.slice(2), [
    '--work-dir',
    req.workDir,
    '--resume',
    '/w/epoch_3.pth',
    '--cfg-options',
    'randomness.seed=1',
  ]);
});

test('the stop notice says what each runner does on Ctrl-C: the built-in trainer saves, MMEngine does not', () => {
  const builtin = buildTrainCommand({ kind: 'builtin', node: 'node', cli: '/ext/bin/yololab.js', cwd: '/ws' }, req);
  assert.match(builtin.stopNotice, /^sending SIGINT: .*finishes its step, saves a checkpoint/);
  const base = { kind: 'mmyolo' as const, python: 'python', root: '/src/mmyolo', gpus: 1, launcher: 'none' as const };
  for (const c of [
    buildTrainCommand(base, req),
    buildTrainCommand({ ...base, gpus: 2 }, req),
    buildTrainCommand({ ...base, launcher: 'slurm', partition: 'p' }, req),
  ]) {
    assert.match(c.stopNotice, /KeyboardInterrupt and saves nothing/, c.command);
    assert.doesNotMatch(c.stopNotice, /saves a checkpoint/, c.command);
  }
  assert.match(
    buildTrainCommand({ ...base, launcher: 'slurm', partition: 'p' }, req).stopNotice,
    /^sending SIGINT twice/,
  );
});
