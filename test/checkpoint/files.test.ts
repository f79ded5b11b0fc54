// Whole checkpoint files: a training checkpoint the real MMEngine wrote (HistoryBuffer objects,
// numpy scalars and arrays in message_hub) gives its weights and optimizer state; the old
// torch.save format, bfloat16 storages and the old .ckpt files still load; truncated,
// bit-flipped and foreign files are one error line naming the file; a full disk leaves the
// previous file untouched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../../src/checkpoint/errors';
import { cleanStaleTemps, openCheckpoint, savePthCheckpoint } from '../../src/train/checkpoint';
import { loadTrainConfig } from '../../src/train/config';
import { buildModel } from '../../src/train/prepare';
import { Optimizer } from '../../src/train/optim';
import { loadForInference, loadPretrained, restoreTraining } from '../../src/train/state';
import { tempPathFor } from '../../src/checkpoint/torch-write';
import { tinyConfig } from '../train/fixtures/tiny-config';
import { writeOldCkpt } from '../helpers/old-ckpt';

const FIX = 'test/fixtures/checkpoints';
const MMYOLO_TRAIN = `${FIX}/mmyolo_demo_w0625_train_epoch_1.pth`;

function tinyModel(dir: string, extra = '') {
  const cfg = join(dir, 'tiny.py');
  writeFileSync(cfg, tinyConfig(join(dir, 'data'), extra));
  const loaded = loadTrainConfig(cfg);
  return { loaded, ...buildModel(loaded, 0) };
}

async function rejectsWith(p: Promise<unknown>, file: string, message: RegExp) {
  await assert.rejects(
    p,
    (e: unknown) =>
      e instanceof CheckpointError && e.where === file && message.test(e.message) && !e.message.includes('\n'),
  );
}

test('a training checkpoint written by the real MMEngine: weights, EMA, optimizer, meta; HistoryBuffer and numpy stay inert', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ck-'));
  try {
    const ck = await openCheckpoint(MMYOLO_TRAIN);
    assert.equal(ck.format, 'pth');
    assert.deepEqual(
      [ck.meta.epoch, ck.meta.iter, ck.meta.seed, ck.meta.dataset_meta.classes],
      [1, 30, 0, ['circle', 'square', 'triangle', 'star']],
    );
    assert.equal(ck.inference.size, 354);
    assert.ok(ck.resumeEma && ck.emaSteps === 30);
    // EMAHook's swap: state_dict (EMA) counted 1 batch when the EMA copied it, the raw model 30.
    assert.deepEqual(
      [
        (await ck.inference.get('backbone.stem.bn.num_batches_tracked')!.read())[0],
        (await ck.resumeModel.get('backbone.stem.bn.num_batches_tracked')!.read())[0],
      ],
      [1, 30],
    );
    assert.deepEqual(
      ck.optimizerRaw!.groups.map((g) => g.params.length),
      [63, 57, 63],
    );
    const { loaded, store } = tinyModel(dir);
    await loadForInference(ck, store);
    const opt = new Optimizer(store, loaded.cfg.optim_wrapper!);
    const at = await restoreTraining(ck, { store, opt, optimWrapper: loaded.cfg.optim_wrapper });
    assert.deepEqual([at.epoch, at.iter, at.warnings], [1, 30, []]);
    // The momentum of the stem conv came from MMYOLO's optimizer state (id 0 in group 0), OIHW -> HWIO.
    const buf = opt.state.slots.get('backbone.stem.conv.weight')![0];
    assert.ok(buf.dataSync().some((v) => v !== 0));
    // MMYOLO's scheduler leaves numpy float64 lrs there: decoded from their bytes, not run.
    assert.ok(Math.abs(ck.optimizerRaw!.groups[0].settings.lr - 0.0096667) < 1e-6);
    assert.equal(opt.groups[0].lr, ck.optimizerRaw!.groups[0].settings.lr);
    await ck.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the legacy torch.save format (before PyTorch 1.6) is read, float16 included', async () => {
  const ck = await openCheckpoint(`${FIX}/legacy_format.pth`);
  assert.deepEqual([...ck.inference.keys()], ['a', 'b', 'c']);
  assert.deepEqual(Array.from(await ck.inference.get('a')!.read()), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(ck.inference.get('a')!.shape, [2, 3]);
  assert.deepEqual(Array.from(await ck.inference.get('b')!.read()), [7]);
  assert.deepEqual(Array.from(await ck.inference.get('c')!.read()), [0, 1, 2, 3]);
  await ck.close();
});

test('bfloat16 tensors (BFloat16Storage) read as the float32 torch converts them to, a strided view included', async () => {
  // bfloat16.pth (make_fixtures.sh): each bfloat16 tensor beside torch's .float() of it; signed
  // zero, a subnormal, the infinities, NaN and the largest finite values must come out bit for bit.
  const ck = await openCheckpoint(`${FIX}/bfloat16.pth`);
  try {
    for (const name of ['bf', 'view']) {
      const bf = ck.inference.get(name)!;
      const f32 = ck.inference.get(`${name}_as_float32`)!;
      assert.deepEqual(bf.shape, f32.shape, name);
      const [got, want] = [await bf.read(), await f32.read()];
      assert.ok(
        Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(
          Buffer.from(want.buffer, want.byteOffset, want.byteLength),
        ),
        `${name}: ${Array.from(got)} vs torch's ${Array.from(want)}`,
      );
    }
    assert.deepEqual(ck.inference.get('view')!.shape, [5, 2]);
  } finally {
    await ck.close();
  }
});

test('old .ckpt checkpoints keep loading', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ck-'));
  try {
    const { store } = tinyModel(dir);
    const tensors = new Map(
      [...store.stateDict()].map(([n, v]) => [
        n,
        { shape: v.shape, data: Float32Array.from(v.dataSync(), (x) => x + 1) },
      ]),
    );
    const f = join(dir, 'epoch_2.ckpt');
    writeOldCkpt(f, { meta: { epoch: 2, iter: 8 }, tensors });
    const ck = await openCheckpoint(f);
    const b = tinyModel(dir).store;
    await loadForInference(ck, b);
    assert.deepEqual(
      Array.from(b.params.get('backbone.stem.conv.weight')!.variable.dataSync()),
      Array.from(tensors.get('backbone.stem.conv.weight')!.data),
    );
    assert.equal(ck.meta.epoch, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('truncated, bit-flipped, empty, foreign and missing files: one error line naming the file', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ck-'));
  try {
    const good = readFileSync(MMYOLO_TRAIN);
    const cut = join(dir, 'cut.pth');
    writeFileSync(cut, good.subarray(0, good.length - 5000));
    await rejectsWith(openCheckpoint(cut), cut, /not a readable PyTorch checkpoint, or truncated \(zip: /);
    // Flip one byte inside a tensor record: its CRC-32 no longer matches when it is read.
    const { store } = tinyModel(dir);
    const flipped = join(dir, 'flipped.pth');
    const bad = Buffer.from(good);
    const ck0 = await openCheckpoint(MMYOLO_TRAIN);
    await ck0.close();
    const at = bad.indexOf(Buffer.from('archive/data/0')) + 'archive/data/0'.length + 64 + 8;
    bad[at] ^= 0x10;
    writeFileSync(flipped, bad);
    const ck = await openCheckpoint(flipped);
    await rejectsWith(
      loadForInference(ck, store),
      flipped,
      /entry 'archive\/data\/\d+' is corrupt \(CRC-32 mismatch\); the file is damaged/,
    );
    await ck.close();
    // A flipped byte in data.pkl is caught before anything is parsed.
    const pkl = Buffer.from(good);
    pkl[200] ^= 0x01;
    writeFileSync(join(dir, 'pkl.pth'), pkl);
    await rejectsWith(
      openCheckpoint(join(dir, 'pkl.pth')),
      join(dir, 'pkl.pth'),
      /'archive\/data\.pkl' is corrupt \(CRC-32 mismatch\)/,
    );
    writeFileSync(join(dir, 'empty.pth'), '');
    await rejectsWith(openCheckpoint(join(dir, 'empty.pth')), join(dir, 'empty.pth'), /not a PyTorch checkpoint/);
    writeFileSync(join(dir, 'text.pth'), 'hello');
    await rejectsWith(openCheckpoint(join(dir, 'text.pth')), join(dir, 'text.pth'), /not a PyTorch checkpoint/);
    await rejectsWith(openCheckpoint(join(dir, 'nope.pth')), join(dir, 'nope.pth'), /^checkpoint not found$/);
    await rejectsWith(openCheckpoint(dir), dir, /folder, not a checkpoint|cannot read checkpoint/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a checkpoint of another architecture is an error, not a mostly random start; another num_classes skips the class layers', async () => {
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'ck-'));
  try {
    const { store } = tinyModel(dir);
    const v5 = 'test/fixtures/mmyolo-reference/yolov5_s_w0125_c4.pth';
    const ck = await openCheckpoint(v5);
    await rejectsWith(
      loadPretrained(ck, store),
      v5,
      /does not fit this config's model: \d+ of 297 tensors match \(backbone\.stem\.conv\.weight is \[\d+,3,6,6\] in the file, \[8,3,3,3\] in the model/,
    );
    await ck.close();
    const three = tinyModel(dir, "model['bbox_head']['head_module']['num_classes'] = 3").store;
    const mm = await openCheckpoint(MMYOLO_TRAIN);
    const r = await loadPretrained(mm, three);
    await mm.close();
    assert.deepEqual(
      r.mismatched.map((m) => m.name),
      [0, 1, 2].flatMap((i) => [
        `bbox_head.head_module.cls_preds.${i}.2.weight`,
        `bbox_head.head_module.cls_preds.${i}.2.bias`,
      ]),
    );
    assert.deepEqual([r.missing, r.unexpected, r.loaded.length], [[], [], 354 - 57 - 6]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test(
  'a full disk (ENOSPC) names the file and leaves the previous checkpoint as it was; stale temp files are cleaned',
  { skip: existsSync('/dev/full') ? false : 'no /dev/full on this system' },
  async () => {
    await tf.setBackend('cpu');
    const dir = mkdtempSync(join(tmpdir(), 'ck-'));
    try {
      const { store } = tinyModel(dir);
      const file = join(dir, 'epoch_1.pth');
      const meta = { epoch: 1, iter: 1, seed: 0, experimentName: 'x', classes: ['a'], yololab: {} };
      savePthCheckpoint(file, { store, meta });
      const before = readFileSync(file);
      // The write goes through FILE.tmp-PID: make that name lead to /dev/full.
      symlinkSync('/dev/full', tempPathFor(file));
      assert.throws(
        () => savePthCheckpoint(file, { store, meta: { ...meta, epoch: 2 } }),
        (e: unknown) =>
          e instanceof CheckpointError &&
          e.where === file &&
          /cannot write checkpoint \(ENOSPC: no space left on device\); the previous file, if any, is unchanged/.test(
            e.message,
          ),
      );
      assert.ok(readFileSync(file).equals(before));
      assert.deepEqual(
        readdirSync(dir).filter((n) => n.includes('.tmp-')),
        [],
        'the temp file is gone',
      );
      // A kill -9 mid-write leaves FILE.tmp-PID; dead writers' files go, a live writer's stays.
      writeFileSync(join(dir, 'epoch_2.pth.tmp-999999999'), 'x');
      writeFileSync(join(dir, `epoch_3.pth.tmp-${process.ppid}`), 'x');
      assert.deepEqual(cleanStaleTemps(dir), ['epoch_2.pth.tmp-999999999']);
      assert.ok(existsSync(join(dir, `epoch_3.pth.tmp-${process.ppid}`)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
