// yololab train/test on bad input: one clear line naming the file (file:line:col where
// there is one), a non-zero exit, no stack trace.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tinyConfig } from './fixtures/tiny-config';
import { stderrLines } from '../helpers/cli-output';

const dir = mkdtempSync(join(tmpdir(), 'yololab-cli-'));
let cfg = '';

before(async () => {
  await makeDemoDataset(join(dir, 'data'), { train: 4, val: 2, size: 96, seed: 3 });
  cfg = join(dir, 'tiny.py');
  writeFileSync(cfg, tinyConfig(join(dir, 'data')));
});

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8',
    timeout: 60000,
  });
  // tfjs prints a banner about tfjs-node on import; everything else counts.
  const err = stderrLines(r.stderr);
  return { code: r.status, err, out: r.stdout };
}

test('an unsupported type names itself, the file:line of the config and the known types', () => {
  writeFileSync(join(dir, 'bad_type.py'), tinyConfig(join(dir, 'data'), "model['neck']['type'] = 'FPN'"));
  const r = cli('train', join(dir, 'bad_type.py'), '--work-dir', join(dir, 'wd1'), '--backend', 'wasm');
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 1, r.err.join('\n'));
  assert.match(
    r.err[0],
    new RegExp(
      `^${join(dir, 'bad_type.py').replace(/[.\\/]/g, '\\$&')}:\\d+:\\d+: error: model\\.neck\\.type: unsupported type 'FPN' \\(the built-in trainer knows: YOLOv8PAFPN, YOLOv5PAFPN\\)$`,
    ),
  );
});

test('a missing config file and a syntax error are one-line errors', () => {
  const r = cli('train', join(dir, 'nope.py'));
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 1);
  assert.match(r.err[0], /nope\.py/);
  writeFileSync(join(dir, 'syntax.py'), 'model = dict(\n');
  const s = cli('train', join(dir, 'syntax.py'));
  assert.equal(s.code, 1);
  assert.match(s.err[0], /syntax\.py:\d+:\d+: error:/);
  assert.ok(!s.err.some((l) => /^\s+at /.test(l)), 'no stack trace');
});

test('a corrupt or foreign checkpoint is named in a one-line error', () => {
  const bad = join(dir, 'bad.ckpt');
  writeFileSync(bad, 'PK\u0003\u0004 not ours');
  const r = cli('test', cfg, bad, '--work-dir', join(dir, 'wd2'), '--backend', 'wasm');
  assert.equal(r.code, 1);
  assert.equal(r.err.length, 1, r.err.join('\n'));
  assert.match(r.err[0], /bad\.ckpt: error: not a readable PyTorch checkpoint, or truncated \(zip: /);
});

test('usage errors exit 2; unknown backend is named', () => {
  assert.equal(cli('train').code, 2);
  assert.equal(cli('train', cfg, '--bogus').code, 2);
  const r = cli('train', cfg, '--backend', 'tpu', '--work-dir', join(dir, 'wd3'));
  assert.equal(r.code, 1);
  assert.match(r.err[0], /unknown backend 'tpu' \(known: /);
});

test('SIGINT finishes the step, writes a checkpoint and exits 0; --resume continues from it', async () => {
  const { spawn } = await import('node:child_process');
  const { existsSync, readFileSync } = await import('node:fs');
  const wd = join(dir, 'wd-int');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/main.ts', 'train', cfg, '--work-dir', wd, '--backend', 'wasm'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let sent = false;
  child.stdout.on('data', (d) => {
    out += d;
    if (!sent && /Epoch\(train\) \[1\]\[1\//.test(out)) {
      sent = true;
      child.kill('SIGINT');
    }
  });
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.equal(code, 0, out);
  assert.match(out, /SIGINT|interrupted/);
  const last = readFileSync(join(wd, 'last_checkpoint'), 'utf8');
  assert.ok(existsSync(last), last);
  const r = cli('train', cfg, '--work-dir', wd, '--backend', 'wasm', '--resume');
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.match(r.out, /resumed from .*(iter_\d+|epoch_\d+)\.pth/);
});

test('out-of-memory errors get a hint about batch size and image scale', async () => {
  const { errorLine } = await import('../../src/cli/error-line');
  assert.match(
    errorLine('train', new Error('Aborted(Cannot enlarge memory arrays)')),
    /^yololab train: error: out of memory .*lower train_dataloader\.batch_size or img_scale$/,
  );
  assert.match(
    errorLine('train', new Error('table index is out of bounds')),
    /^yololab train: error: the wasm backend failed \(table index is out of bounds\), most often because its 4 GB heap is full: lower train_dataloader\.batch_size or img_scale$/,
  );
  assert.equal(errorLine('train', Object.assign(new Error('bad'), { where: 'a.py:3:1' })), 'a.py:3:1: error: bad');
});

test('yololab test --tta reports mAP with and without TTA and --show-dir writes images', () => {
  const tta = `
tta_model = dict(type='mmdet.DetTTAModel', tta_cfg=dict(nms=dict(type='nms', iou_threshold=0.65), max_per_img=300))
tta_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='TestTimeAug', transforms=[
        [dict(type='Compose', transforms=[dict(type='YOLOv5KeepRatioResize', scale=s), dict(type='LetterResize', scale=s, allow_scale_up=False, pad_val=dict(img=114))]) for s in [(96, 96), (64, 64)]],
        [dict(type='mmdet.RandomFlip', prob=1.), dict(type='mmdet.RandomFlip', prob=0.)],
        [dict(type='mmdet.LoadAnnotations', with_bbox=True)],
        [dict(type='mmdet.PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape', 'img_shape', 'scale_factor', 'pad_param', 'flip', 'flip_direction'))]])]
`;
  const cfgTta = join(dir, 'tiny_tta.py');
  writeFileSync(cfgTta, tinyConfig(join(dir, 'data'), tta));
  const wd = join(dir, 'wd-tta');
  const t = cli('train', cfgTta, '--work-dir', wd, '--backend', 'wasm', '--max-iters', '2');
  assert.equal(t.code, 0, t.err.join('\n'));
  const ckpt = readFileSync(join(wd, 'last_checkpoint'), 'utf8').trim();
  const show = join(dir, 'show');
  const r = cli(
    'test',
    cfgTta,
    ckpt,
    '--tta',
    '--show-dir',
    show,
    '--work-dir',
    join(dir, 'wd-tta-test'),
    '--backend',
    'wasm',
  );
  assert.equal(r.code, 0, r.err.join('\n'));
  assert.match(r.out, /TTA: 4 views per image/);
  assert.match(r.out, /Epoch\(test\) \[2\/2\] \(TTA\)  pascal_voc\/mAP: \d\.\d{4}/);
  assert.match(r.out, /Epoch\(test\) \[2\/2\] \(without TTA\)  pascal_voc\/mAP: \d\.\d{4}/);
  assert.equal(readdirSync(show).filter((f) => f.endsWith('.png')).length, 2);
});
