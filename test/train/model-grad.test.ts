// Whole-model gradients: the detector's loss gradients with our wasm-safe ops equal those
// of tfjs's stock conv/max-pool autograd on the cpu backend (the reference), for every
// parameter, on cpu, on wasm with YOLO Lab's kernels, and on wasm with tfjs's own kernels.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/train/backend';
import { kernelRuntime, startKernels, stopKernels } from '../../src/train/kernels/tf-kernels';
import { markConstant, useStockOps } from '../../src/train/ops';
import { ParamStore } from '../../src/train/params';
import { YOLODetector } from '../../src/train/model/detector';
import { Rng } from '../../src/data/rng';

const W = 0.0625;
const model = {
  type: 'YOLODetector',
  backbone: { type: 'YOLOv8CSPDarknet', deepen_factor: 0.33, widen_factor: W },
  neck: {
    type: 'YOLOv8PAFPN',
    deepen_factor: 0.33,
    widen_factor: W,
    in_channels: [256, 512, 1024],
    out_channels: [256, 512, 1024],
    num_csp_blocks: 3,
  },
  bbox_head: {
    type: 'YOLOv8Head',
    head_module: {
      type: 'YOLOv8HeadModule',
      num_classes: 3,
      in_channels: [256, 512, 1024],
      widen_factor: W,
      reg_max: 16,
    },
  },
};

after(() => stopKernels());

/** backend: cpu, wasm (YOLO Lab's kernels) or wasm-stock (tfjs's wasm kernels only). */
async function lossGrads(backend: string, stock: boolean): Promise<Map<string, Float32Array>> {
  await selectBackend(backend === 'cpu' ? 'cpu' : 'wasm');
  if (backend === 'wasm-stock') await stopKernels();
  else if (backend === 'wasm') assert.equal(startKernels(), null);
  assert.equal(!!kernelRuntime(), backend === 'wasm');
  useStockOps(stock);
  try {
    const store = new ParamStore(new Rng(0));
    const det = new YOLODetector(store, model);
    const rng = new Rng(1);
    const [B, S] = [2, 64];
    const imgs = new Float32Array(B * S * S * 3).map(() => rng.next() * 255);
    const targets = {
      boxes: [Float32Array.from([4, 6, 40, 30]), Float32Array.from([10, 10, 60, 60, 0, 30, 20, 62])],
      labels: [Int32Array.from([0]), Int32Array.from([2, 1])],
    };
    const params = [...store.params.values()];
    const { value, grads } = tf.variableGrads(
      () => det.loss(markConstant(det.preprocess(imgs, B, S, S)), targets, { training: true, bnUpdates: [] }).loss,
      params.map((p) => p.variable),
    );
    assert.ok(Number.isFinite(value.dataSync()[0]));
    const out = new Map(
      params.map((p) => [p.name, Float32Array.from(grads[p.variable.name].dataSync() as Float32Array)]),
    );
    store.dispose();
    return out;
  } finally {
    useStockOps(false);
  }
}

test('detector loss gradients with custom ops match stock autograd (cpu, wasm with and without YOLO Lab kernels)', async () => {
  const ref = await lossGrads('cpu', true);
  for (const backend of ['cpu', 'wasm', 'wasm-stock']) {
    const got = await lossGrads(backend, false);
    assert.equal(got.size, ref.size);
    let nonzero = 0;
    for (const [name, r] of ref) {
      const g = got.get(name)!;
      let worst = 0;
      let scale = 0;
      for (let i = 0; i < r.length; i++) scale = Math.max(scale, Math.abs(r[i]));
      for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(g[i] - r[i]));
      if (scale > 0) nonzero++;
      assert.ok(worst <= 2e-3 * (scale + 1e-3), `${backend} ${name}: max abs diff ${worst} (grad scale ${scale})`);
    }
    assert.ok(nonzero > 0.9 * ref.size, 'gradients reach (almost) every parameter');
  }
});

test('the stock reference really is a different path: its conv gradient does not exist on wasm', async () => {
  await assert.rejects(() => lossGrads('wasm-stock', true), /Conv2DBackpropFilter|not registered/);
});
