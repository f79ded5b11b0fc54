// Data benchmark: image decode, train/val pipelines (images/s on one core), loader
// throughput, and metric computation time. Run by bench/run.ts (`npm run bench`).
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset } from '../src/data/demo-dataset';
import { decodeImageBuffer, encodeJpeg } from '../src/data/image';
import { buildDataset } from '../src/data/dataset';
import { closeLoaderWorkers, createLoader } from '../src/data/loader';
import { Rng } from '../src/data/rng';
import { buildEvaluator } from '../src/metrics';
import type { Detections, GroundTruth } from '../src/data/types';

async function timeIt(minMs: number, fn: () => Promise<void> | void): Promise<{ perSec: number; n: number }> {
  const t0 = performance.now();
  let n = 0;
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return { perSec: (n * 1000) / (performance.now() - t0), n };
}

function trainPipeline(scale: number) {
  return [
    { type: 'LoadImageFromFile' },
    { type: 'LoadAnnotations', with_bbox: true },
    { type: 'Mosaic', img_scale: [scale, scale], pad_val: 114.0, pre_transform: [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations', with_bbox: true }] },
    { type: 'YOLOv5RandomAffine', max_rotate_degree: 0.0, max_shear_degree: 0.0, scaling_ratio_range: [0.5, 1.5], max_aspect_ratio: 100, border: [-scale / 2, -scale / 2], border_val: [114, 114, 114] },
    { type: 'YOLOv5HSVRandomAug' },
    { type: 'mmdet.RandomFlip', prob: 0.5 },
    { type: 'mmdet.PackDetInputs' },
  ];
}

function valPipeline(scale: number) {
  return [
    { type: 'LoadImageFromFile' },
    { type: 'YOLOv5KeepRatioResize', scale: [scale, scale] },
    { type: 'LetterResize', scale: [scale, scale], allow_scale_up: false, pad_val: { img: 114 } },
    { type: 'LoadAnnotations', with_bbox: true, _scope_: 'mmdet' },
    { type: 'mmdet.PackDetInputs' },
  ];
}

function syntheticEval(nImages: number, nClasses: number): { gts: GroundTruth[]; dets: Detections[] } {
  const rng = new Rng(1);
  const gts: GroundTruth[] = [], dets: Detections[] = [];
  for (let i = 0; i < nImages; i++) {
    const n = 1 + rng.int(8);
    const gb: number[] = [], gl: number[] = [], db: number[] = [], ds: number[] = [], dl: number[] = [];
    for (let k = 0; k < n; k++) {
      const w = rng.uniform(10, 200), h = rng.uniform(10, 200), x = rng.uniform(0, 440), y = rng.uniform(0, 280);
      gb.push(x, y, x + w, y + h);
      gl.push(rng.int(nClasses));
      for (let d = 0; d < 3; d++) {
        const j = () => rng.normal() * 0.08;
        db.push(x + w * j(), y + h * j(), x + w * (1 + j()), y + h * (1 + j()));
        ds.push(rng.next());
        dl.push(rng.next() < 0.9 ? gl[k] : rng.int(nClasses));
      }
    }
    for (let k = 0; k < 20; k++) {
      const x = rng.uniform(0, 600), y = rng.uniform(0, 440);
      db.push(x, y, x + rng.uniform(5, 40), y + rng.uniform(5, 40));
      ds.push(rng.next() * 0.3);
      dl.push(rng.int(nClasses));
    }
    gts.push({ imageId: String(i), width: 640, height: 480, bboxes: Float32Array.from(gb), labels: Int32Array.from(gl), ignore: new Uint8Array(gl.length) });
    dets.push({ imageId: String(i), bboxes: Float32Array.from(db), scores: Float32Array.from(ds), labels: Int32Array.from(dl) });
  }
  return { gts, dets };
}

export async function run(): Promise<void> {
  console.log('## data (one Node thread; figures are images per second unless stated)');
  const dir = await mkdtemp(join(tmpdir(), 'yl-bench-data-'));
  try {
    let t0 = performance.now();
    await makeDemoDataset(dir, { seed: 0, train: 48, val: 0, size: 160 });
    console.log(`make-demo (160x160 JPEG + XML): ${((48 * 1000) / (performance.now() - t0)).toFixed(0)} images/s`);

    const small = readFileSync(join(dir, 'VOC2007', 'JPEGImages', '000000.jpg'));
    const rgb = new Uint8Array(640 * 480 * 3);
    const r = new Rng(0);
    for (let i = 0; i < rgb.length; i++) rgb[i] = (i % 3 === 0 ? (i / 3) % 640 : r.int(40) + 100) & 255;
    const big = encodeJpeg(rgb, 640, 480, 90);
    const d1 = await timeIt(800, () => void decodeImageBuffer(small, 's.jpg'));
    const d2 = await timeIt(1200, () => void decodeImageBuffer(big, 'b.jpg'));
    console.log(`jpeg-js decode 160x160: ${d1.perSec.toFixed(0)}/s; 640x480: ${d2.perSec.toFixed(1)}/s`);

    const base = {
      type: 'YOLOv5VOCDataset',
      data_root: dir,
      ann_file: 'VOC2007/ImageSets/Main/train.txt',
      data_prefix: { sub_data_root: 'VOC2007/' },
      metainfo: { classes: ['circle', 'square', 'triangle', 'star'] },
    };
    for (const scale of [320, 640]) {
      for (const [name, pipeline] of [['train (mosaic+affine+hsv+flip)', trainPipeline(scale)], ['val (keep-ratio+letterbox)', valPipeline(scale)]] as const) {
        const ds = buildDataset({ ...base, pipeline }, { cwd: '/' });
        let i = 0;
        const res = await timeIt(1500, async () => void (await ds.load(i++ % ds.length, new Rng(i))));
        console.log(`pipeline ${name} @${scale}: ${res.perSec.toFixed(1)}/s`);
      }
    }
    const ds = buildDataset({ ...base, pipeline: trainPipeline(320) }, { cwd: '/' });
    for (const workers of [0, 1, 2]) {
      // Epoch 0 warms the worker pool up (thread start, annotation parsing); epoch 1 is timed.
      for (const epoch of workers ? [0, 1] : [1]) {
        t0 = performance.now();
        let n = 0;
        for await (const b of createLoader(ds, { batchSize: 8, shuffle: true, seed: 0, epoch, workers })) n += b.length;
        if (epoch === 1) console.log(`loader batch 8 @320 train pipeline, ${workers} worker thread(s): ${((n * 1000) / (performance.now() - t0)).toFixed(1)}/s`);
      }
    }
    await closeLoaderWorkers(ds);

    const { gts, dets } = syntheticEval(500, 20);
    for (const cfg of [{ type: 'mmdet.VOCMetric', eval_mode: 'area' }, { type: 'mmdet.CocoMetric' }]) {
      t0 = performance.now();
      const ev = buildEvaluator(cfg, Array.from({ length: 20 }, (_, k) => `c${k}`));
      gts.forEach((g, k) => ev.process(g, dets[k]));
      const out = ev.compute();
      console.log(`${cfg.type} on 500 images, ${dets.reduce((s, d) => s + d.labels.length, 0)} dets: ${(performance.now() - t0).toFixed(0)} ms (${Object.entries(out).slice(0, 2).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(', ')})`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
