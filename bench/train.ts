// Trainer benchmark: YOLOv8-n (deepen 0.33, widen 0.25, 80 classes) training throughput
// (forward + backward + SGD step), inference latency, peak memory and the fraction of the
// CPU's peak FLOP/s reached, per available backend. FLOPs are counted from the conv layers
// actually run (ops.flopCounter); a training step is counted as 3x the forward FLOPs.
import type { ModelCfg } from '../src/train/config-types';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/train/backend';
import { flopCounter } from '../src/train/ops';
import { ParamStore } from '../src/train/params';
import { YOLODetector } from '../src/train/model/detector';
import { Optimizer } from '../src/train/optim';
import { trainStep } from '../src/train/train-step';
import { Rng } from '../src/data/rng';
import type { DetSample } from '../src/data/types';

// docs/trainer.md: 2 vCPU Zen 5 with AVX-512 FMA, ~425 GFLOP/s fp32 (not measured here; override
// with YOLOLAB_PEAK_GFLOPS for another machine).
const PEAK_GFLOPS = Number(process.env.YOLOLAB_PEAK_GFLOPS ?? 425);

function yolov8n(): ModelCfg {
  const w = 0.25;
  const d = 0.33;
  return {
    type: 'YOLODetector',
    backbone: { type: 'YOLOv8CSPDarknet', deepen_factor: d, widen_factor: w, last_stage_out_channels: 1024 },
    neck: { type: 'YOLOv8PAFPN', deepen_factor: d, widen_factor: w, in_channels: [256, 512, 1024], out_channels: [256, 512, 1024], num_csp_blocks: 3 },
    bbox_head: { type: 'YOLOv8Head', head_module: { type: 'YOLOv8HeadModule', num_classes: 80, in_channels: [256, 512, 1024], widen_factor: w, reg_max: 16 } },
  };
}

function samples(n: number, size: number, rng: Rng): DetSample[] {
  return Array.from({ length: n }, (_, i) => {
    const img = new Uint8Array(size * size * 3);
    for (let k = 0; k < img.length; k++) img[k] = rng.int(256);
    const boxes: number[] = [];
    const labels: number[] = [];
    for (let j = 0; j < 3; j++) {
      const x = rng.uniform(0, size * 0.6), y = rng.uniform(0, size * 0.6), s = rng.uniform(size * 0.1, size * 0.35);
      boxes.push(x, y, x + s, y + s);
      labels.push(rng.int(80));
    }
    return {
      img, height: size, width: size, bboxes: Float32Array.from(boxes), labels: Int32Array.from(labels), ignore: new Uint8Array(3),
      meta: { file: `bench${i}`, imageId: `bench${i}`, oriHeight: size, oriWidth: size, scaleFactor: [1, 1], pad: [0, 0, 0, 0], flip: false },
    };
  });
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function run(): Promise<void> {
  console.log('## train (YOLOv8-n, built-in TensorFlow.js trainer)');
  const backends = (process.env.YOLOLAB_BENCH_BACKENDS ?? 'tensorflow,wasm,cpu').split(',');
  // Bounded so the whole bench stays in minutes: batch x resolution^2 kept within the wasm heap.
  const cases: Array<{ size: number; batch: number }> = [
    { size: 320, batch: 4 },
    { size: 640, batch: 1 },
  ];
  for (const name of backends) {
    try {
      await selectBackend(name);
    } catch (e) {
      console.log(`${name}: skipped: ${(e as Error).message}`);
      continue;
    }
    const store = new ParamStore(new Rng(0));
    const det = new YOLODetector(store, yolov8n());
    const params = store.count([...store.params.values()]);
    const opt = new Optimizer(store, { optimizer: { type: 'SGD', lr: 0.01, momentum: 0.937, nesterov: true, weight_decay: 5e-4 }, constructor: 'YOLOv5OptimizerConstructor' });
    const rng = new Rng(1);
    let peakRss = 0;
    const sampleMem = () => (peakRss = Math.max(peakRss, process.memoryUsage().rss));
    for (const c of cases) {
      // The pure-JS cpu backend takes minutes per 640 step; only its 320 case runs.
      if (name === 'cpu' && c.size > 320) {
        console.log(`${name} ${c.size}x${c.size}: skipped (pure-JS backend, minutes per step)`);
        continue;
      }
      const bs = name === 'cpu' ? 1 : c.batch; // the pure-JS backend: one image keeps it under a minute
      const batch = samples(bs, c.size, rng);
      flopCounter.flops = 0;
      const t0 = performance.now();
      const dets = det.predict(batch.slice(0, 1));
      const firstInfer = performance.now() - t0;
      const fwdFlops = flopCounter.flops; // one image
      void dets;
      const infer: number[] = [firstInfer];
      for (let i = 0; i < 2; i++) {
        const t = performance.now();
        det.predict(batch.slice(0, 1));
        infer.push(performance.now() - t);
        sampleMem();
      }
      const steps: number[] = [];
      const reps = name === 'cpu' ? 1 : 3;
      for (let i = 0; i < reps + 1; i++) {
        const t = performance.now();
        trainStep(det, opt, batch);
        if (i > 0 || reps === 1) steps.push(performance.now() - t);
        sampleMem();
      }
      const stepS = median(steps) / 1000;
      const trainGflops = (3 * fwdFlops * bs) / 1e9;
      const inferS = median(infer.slice(1)) / 1000;
      console.log(
        `${name} ${c.size}x${c.size} batch ${bs}: train ${(bs / stepS).toFixed(2)} img/s (${stepS.toFixed(2)} s/step, ${trainGflops.toFixed(1)} GFLOP/step, ` +
          `${((trainGflops / stepS / PEAK_GFLOPS) * 100).toFixed(1)}% of ${PEAK_GFLOPS} GFLOP/s peak); inference ${(inferS * 1000).toFixed(0)} ms/img ` +
          `(${(fwdFlops / 1e9).toFixed(2)} GFLOP fwd, ${((fwdFlops / 1e9 / inferS / PEAK_GFLOPS) * 100).toFixed(1)}% of peak)`,
      );
    }
    console.log(`${name}: ${(params / 1e6).toFixed(2)} M params; peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB; tfjs tensors ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MiB live`);
    store.dispose();
  }
}

if (require.main === module) run();
