// The fine-tuning workflow (configs/finetune, scaled down to the tiny test config): start from a
// detector trained on two of the four demo classes (tiny_2cls_source.pth, made by
// test/fixtures/checkpoints/make-finetune-source.ts), load_from it into a 4-class config with
// frozen_stages=4 and train the neck and head. The frozen backbone stays bit-identical, the log
// says what was loaded, skipped and frozen, and on the held-back classes (triangle, star)
// fine-tuning beats the same budget from scratch.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { buildDataset } from '../../src/data/dataset';
import { createLoader } from '../../src/data/loader';
import { VocEvaluator } from '../../src/metrics/voc';
import { train } from '../../src/train/runner';
import { openCheckpoint } from '../../src/train/checkpoint';
import { loadTrainConfig } from '../../src/train/config';
import { buildModel, datasetCtx } from '../../src/train/prepare';
import { loadForInference } from '../../src/train/state';
import { checkpointTensors } from '../helpers/checkpoint-tensors';
import { tinyConfig } from '../train/fixtures/tiny-config';
import { runLogText } from '../helpers/cli-output';

const dir = mkdtempSync(join(tmpdir(), 'yololab-ft-'));
const quiet = () => {};
const data = join(dir, 'data');

before(async () => {
  await makeDemoDataset(data, { train: 48, val: 24, size: 96, seed: 7 });
});
after(() => rmSync(dir, { recursive: true, force: true }));

const common =
  "train_dataloader['batch_size'] = 8\noptim_wrapper['optimizer']['batch_size_per_gpu'] = 8\ncustom_hooks = []\n";
const SOURCE = resolve('test/fixtures/checkpoints/tiny_2cls_source.pth');
const epochs = (n: number) =>
  `max_epochs = ${n}\ntrain_cfg['max_epochs'] = ${n}\ntrain_cfg['val_interval'] = ${n}\ndefault_hooks['param_scheduler']['max_epochs'] = ${n}\ndefault_hooks['checkpoint']['interval'] = ${n}\n`;

function config(name: string, extra: string): string {
  const f = join(dir, `${name}.py`);
  writeFileSync(f, tinyConfig(data, common + extra));
  return f;
}

/** VOC AP50 (area) per class of a checkpoint's weights on the val split, ranking every box
 * (score_thr 0: after a few iterations the new classes still score below the config's 0.001). */
async function perClassAP(cfgFile: string, ckFile: string): Promise<number[]> {
  const loaded = loadTrainConfig(cfgFile);
  loaded.cfg.model.test_cfg!.score_thr = 0;
  const { store, det } = buildModel(loaded, 0);
  const ck = await openCheckpoint(ckFile);
  await loadForInference(ck, store);
  await ck.close();
  const ds = buildDataset(loaded.cfg.val_dataloader!.dataset, {
    ...datasetCtx(loaded, ['val_dataloader', 'dataset']),
    onWarning: quiet,
  });
  const ev = new VocEvaluator(ds.classes.length, [0.5], 'area');
  const index = new Map<string, number>();
  for (let i = 0; i < ds.length; i++) index.set(ds.groundTruth(i).imageId, i);
  for await (const batch of createLoader(ds, { batchSize: 8, shuffle: false, seed: 0, epoch: 0 }))
    det.predict(batch).forEach((d, k) => ev.process(ds.groundTruth(index.get(batch[k].meta.imageId)!), d));
  store.dispose();
  return ev.compute().perIoU[0].perClass.map((c) => c.ap);
}

test('fine-tune from a 2-class checkpoint with frozen_stages=4: backbone bit-identical, log complete, beats scratch on the held-back classes', async () => {
  const preCk = SOURCE;
  const ftCfg = config('ft', epochs(3) + `load_from = '${preCk}'\nmodel['backbone']['frozen_stages'] = 4\n`);
  const ft = await train({
    config: ftCfg,
    workDir: join(dir, 'ft'),
    seed: 2,
    echo: quiet,
    tty: false,
    backend: 'wasm',
  });
  const scratchCfg = config('scratch', epochs(3));
  const scratch = await train({
    config: scratchCfg,
    workDir: join(dir, 'scratch'),
    seed: 2,
    echo: quiet,
    tty: false,
    backend: 'wasm',
  });
  assert.equal(ft.losses.length, scratch.losses.length, 'same budget');

  // What load_from loaded (state_dict: the source's EMA weights) is what the frozen backbone still holds.
  const a = await checkpointTensors(preCk);
  const b = await checkpointTensors(ft.lastCheckpoint!);
  const backbone = [...b.tensors.keys()].filter((k) => k.startsWith('backbone.'));
  assert.ok(backbone.length > 100);
  for (const k of backbone) {
    const loaded = a.tensors.get(a.tensors.has(`ema.${k}`) ? `ema.${k}` : k)!.data;
    assert.ok(
      Buffer.from(loaded.buffer).equals(Buffer.from(b.tensors.get(k)!.data.buffer)),
      `${k} changed while frozen`,
    );
  }
  assert.ok(
    !Buffer.from(a.tensors.get('neck.top_down_layers.0.main_conv.conv.weight')!.data.buffer).equals(
      Buffer.from(b.tensors.get('neck.top_down_layers.0.main_conv.conv.weight')!.data.buffer),
    ),
    'the neck trains',
  );

  const log = runLogText(ft.runDir);
  assert.match(log, /load_from .*tiny_2cls_source\.pth: loaded 291 of 297 tensors/);
  assert.match(
    log,
    /load_from: size mismatch, skipped: bbox_head\.head_module\.cls_preds\.0\.2\.weight \(checkpoint \[2,\d+,1,1\], model \[4,\d+,1,1\]\)/,
  );
  assert.match(
    log,
    /frozen \(frozen_stages \/ freeze_all\): backbone\.stem, backbone\.stage1, backbone\.stage2, backbone\.stage3, backbone\.stage4/,
  );
  assert.match(log, /parameters: \d+ total, \d+ trainable, \d+ frozen/);

  const apFt = await perClassAP(ftCfg, ft.lastCheckpoint!);
  const apScratch = await perClassAP(scratchCfg, scratch.lastCheckpoint!);
  const heldBack = (ap: number[]) => (ap[2] + ap[3]) / 2;
  process.stdout.write(
    `# held-back classes (triangle, star) AP50: fine-tuned ${heldBack(apFt).toFixed(3)} [${apFt.map((x) => x.toFixed(3))}], scratch ${heldBack(apScratch).toFixed(3)} [${apScratch.map((x) => x.toFixed(3))}]\n`,
  );
  assert.ok(heldBack(apFt) > heldBack(apScratch), `fine-tuned ${heldBack(apFt)} vs scratch ${heldBack(apScratch)}`);
});
