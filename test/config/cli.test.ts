// The yololab CLI as users run it: exit codes, the one-line error format, options.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yololab.js');
const CASES = path.resolve(ROOT, 'test/fixtures/config-cases');
const run = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8' });
const S = 'configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py';
const N = 'configs/yolov8/yolov8_n_syncbn_fast_8xb16-500e_coco.py';

test('print-config prints the merged python config', () => {
  const r = run(['print-config', N]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^default_scope = 'mmyolo'$/m);
  assert.match(r.stdout, /^deepen_factor = 0\.33$/m);
  assert.match(r.stdout, /^widen_factor = 0\.25$/m);
  // the child re-bound the head width: the merged model shows the n value
  assert.match(r.stdout, /head_module=dict\(\n(.*\n)*?\s+widen_factor=0\.25,/);
});

test('print-config --format json is the lossless encoding', () => {
  const r = run(['print-config', S, '--format', 'json']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /"img_scale": \{"__tuple__": \[\s*640,\s*640\s*\]\}/);
  assert.match(r.stdout, /"base_lr": 0\.01/);
});

test('--cfg-options edits nested keys and list elements with MMEngine value parsing', () => {
  const r = run([
    'print-config',
    S,
    '--format',
    'json',
    '--cfg-options',
    'train_dataloader.batch_size=8',
    'custom_hooks.0.momentum=0.001',
    'model.backbone.out_indices=(2,3,4)',
    'work_dir=runs/x',
    'load_from=None',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const cfg = JSON.parse(r.stdout);
  assert.equal(cfg.train_dataloader.batch_size, 8);
  assert.equal(cfg.custom_hooks[0].momentum, 0.001);
  assert.equal(cfg.custom_hooks[0].type, 'EMAHook');
  assert.deepEqual(cfg.model.backbone.out_indices, { __tuple__: [2, 3, 4] });
  assert.equal(cfg.work_dir, 'runs/x');
  assert.equal(cfg.load_from, null);
});

test('--cfg-options with a bad list index fails with a one-line error', () => {
  const r = run(['print-config', S, '--cfg-options', 'custom_hooks.9.momentum=1']);
  assert.equal(r.status, 1);
  assert.match(r.stderr.trim(), /^[^\n]+:1:1: error: --cfg-options: .*Index 9 exceeds the length of list/);
});

test('print-config reports errors as one file:line:col line, exit 1', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-cli-'));
  fs.writeFileSync(path.join(dir, 'broken.py'), "model = dict(\n    type='YOLODetector',\n    depth=[1, 2\n");
  const r = run(['print-config', path.join(dir, 'broken.py')]);
  assert.equal(r.status, 1);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /broken\.py:1:13: error: '\(' was never closed \[syntax-error\]$/);
  const missing = run(['print-config', path.join(dir, 'nope.py')]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr.trim(), /nope\.py:1:1: error: No such file or directory/);
});

test('print-config --scope resolves scope::path bases', { skip: !fs.existsSync(CASES) }, () => {
  const dir = path.join(CASES, '57-scope-mmdet-model');
  const without = run(['print-config', 'main.py'], dir);
  assert.equal(without.status, 1);
  assert.match(without.stderr, /mmdet is not installed/);
  const r = run(['print-config', 'main.py', '--scope', 'mmdet=../_scopes/mmdet', '--format', 'json'], dir);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /"_scope_": "mmdet"/);
});

test('lint: every config under configs/ is clean, broken fixtures exit 1, json for machines', () => {
  const clean = run(['lint', 'configs']);
  assert.equal(clean.status, 0, clean.stdout + clean.stderr);
  assert.equal(clean.stdout, '');
  const bad = run(['lint', 'test/fixtures/lint/errors/missing_base.py']);
  assert.equal(bad.status, 1);
  assert.match(
    bad.stdout,
    /missing_base\.py:1:10: error: No such file or directory: '\.\/_base_\/missing\.py'.*\[base-missing\]/,
  );
  const json = run(['lint', 'test/fixtures/lint/trap', '--format', 'json']);
  assert.equal(json.status, 0);
  const parsed = JSON.parse(json.stdout);
  assert.equal(parsed.files, 2);
  assert.deepEqual(
    parsed.findings.map((f: { rule: string; line: number }) => [f.rule, f.line]),
    [
      ['propagation-trap', 4],
      ['propagation-trap', 6],
    ],
  );
});

test('usage errors exit 2 with a message, never a stack trace', () => {
  for (const args of [
    ['print-config'],
    ['print-config', S, '--format', 'yaml'],
    ['lint'],
    ['lint', '--bogus'],
    ['nonsense'],
  ]) {
    const r = run(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(r.stderr.length > 0);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  }
});

test('a reader that goes away (broken pipe) does not crash the CLI', async () => {
  const { spawn } = await import('node:child_process');
  const child = spawn(process.execPath, [BIN, 'print-config', S], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, err);
  assert.doesNotMatch(err, /EPIPE|\n\s+at /);
});
