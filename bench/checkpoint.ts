// Checkpoint benchmark: write and read back a YOLOv8-l training checkpoint (model, EMA and SGD
// momentum: about 525 MB) and report the time and how much the process grows while loading it.
// Target: loading streams one tensor at a time, so the growth stays far below the file size
// (reference: reading the whole file into memory would grow by at least the file size).
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadTrainConfig } from '../src/train/config';
import { buildModel } from '../src/train/prepare';
import { ExpMomentumEMA } from '../src/train/ema';
import { Optimizer } from '../src/train/optim';
import { openCheckpoint, savePthCheckpoint } from '../src/train/checkpoint';
import { loadWeights } from '../src/train/state';

const CONFIG = 'configs/yolov8/yolov8_l_syncbn_fast_8xb16-500e_coco.py';

export async function run(): Promise<void> {
  console.log('## checkpoint');
  await tf.setBackend('cpu');
  const dir = mkdtempSync(join(tmpdir(), 'bench-ckpt-'));
  try {
    const loaded = loadTrainConfig(CONFIG);
    const { store } = buildModel(loaded, 0);
    const ema = new ExpMomentumEMA(store.stateDict(), 0.0001, 2000, true, new Set(store.buffers.keys()));
    const opt = new Optimizer(store, loaded.cfg.optim_wrapper!);
    opt.state.step = 1;
    const file = join(dir, 'epoch_1.pth');
    let t = Date.now();
    savePthCheckpoint(file, {
      store,
      ema,
      opt,
      optimWrapper: loaded.cfg.optim_wrapper,
      meta: { epoch: 1, iter: 1, seed: 0, experimentName: 'bench', classes: ['x'], yololab: {} },
    });
    const writeS = (Date.now() - t) / 1000;
    const mb = statSync(file).size / 2 ** 20;
    console.log(
      `write ${CONFIG.split('/').pop()} training checkpoint: ${mb.toFixed(0)} MB in ${writeS.toFixed(1)} s (${(mb / writeS).toFixed(0)} MB/s)`,
    );
    if (global.gc) global.gc();
    const base = process.memoryUsage().rss;
    let peak = base;
    const poll = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    t = Date.now();
    const ck = await openCheckpoint(file);
    const r = await loadWeights(ck.resumeModel, store.stateDict());
    await loadWeights(ck.resumeEma!, ema.shadow);
    await ck.close();
    clearInterval(poll);
    peak = Math.max(peak, process.memoryUsage().rss);
    const readS = (Date.now() - t) / 1000;
    const growth = (peak - base) / 2 ** 20;
    console.log(
      `read model + EMA (${r.loaded.length} + ${ema.shadow.size} tensors): ${readS.toFixed(1)} s; peak RSS growth ${growth.toFixed(0)} MB vs file ${mb.toFixed(0)} MB (ratio ${(growth / mb).toFixed(2)}; reading the file whole would be >= 1.00)`,
    );
    store.dispose();
    ema.dispose();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void run();
