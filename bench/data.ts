// Data benchmark (`npm run bench data`): image decode and decode + letterbox per image at
// demo, VOC and COCO sizes for both decoders (pure-JS jpeg-js and sharp), the pipelines, the
// demo config's data time per batch next to a training step (loader threads vs cores,
// prefetch), and metric computation time. Figures are medians of repeated runs.
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { makeDemoDataset } from '../src/data/demo-dataset';
import { decodeImageBuffer, encodeJpeg } from '../src/data/image';
import { activeDecoder, describeImageDecoder, setImageDecoder, type DecoderName } from '../src/data/image-decoder';
import { buildDataset, type DetDataset } from '../src/data/dataset';
import { closeLoaderWorkers, createLoader } from '../src/data/loader';
import { voc2xml } from '../src/data/voc-xml';
import { Rng } from '../src/data/rng';
import { buildEvaluator } from '../src/metrics';
import { loadTrainConfig } from '../src/train/config';
import type { Detections, GroundTruth } from '../src/data/types';

const DEMO_CONFIG = resolve(__dirname, '..', 'configs', 'demo', 'yolov8_n-tiny_1xb8-10e_demo.py');
// A training step of the demo config takes this long once branch `speed` lands (several times
// faster than today's wasm step); the loader must hide behind it. Override: YOLOLAB_BENCH_STEP_MS.
const STEP_MS = (process.env.YOLOLAB_BENCH_STEP_MS ?? '100,400').split(',').map(Number);
// Target: the consumer waits for data at most this fraction of a step (MMEngine's data_time).
const DATA_TIME_TARGET = 0.1;

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => (x >= 10 ? x.toFixed(0) : x.toFixed(1)).padStart(6);

/** Median ms per call over `rounds` rounds of at least `minMs` each. */
async function msPerCall(fn: () => Promise<unknown> | unknown, minMs = 300, rounds = 3): Promise<number> {
  await fn();
  const per: number[] = [];
  for (let k = 0; k < rounds; k++) {
    const t0 = performance.now();
    let n = 0;
    while (performance.now() - t0 < minMs) {
      await fn();
      n++;
    }
    per.push((performance.now() - t0) / n);
  }
  return median(per);
}

function sharpLoads(): boolean {
  try {
    setImageDecoder('sharp');
    return activeDecoder() === 'sharp';
  } catch {
    return false;
  } finally {
    setImageDecoder('auto');
  }
}

/** A photo-like RGB image: gradients, sensor-like noise and a few flat shapes with sharp edges. */
function photoLike(w: number, h: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  const img = new Uint8Array(w * h * 3);
  const discs = Array.from({ length: 25 }, () => [
    rng.uniform(0, w),
    rng.uniform(0, h),
    rng.uniform(5, 60),
    rng.int(256),
    rng.int(256),
    rng.int(256),
  ]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      let c = [(x * 255) / w, (y * 255) / h, (x + y) % 256];
      for (const [cx, cy, r, R, G, B] of discs) if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) c = [R, G, B];
      for (let k = 0; k < 3; k++) img[o + k] = Math.max(0, Math.min(255, c[k] + rng.normal() * 12));
    }
  }
  return img;
}

/** JPEG bytes as cameras write them (4:2:0, quality 90) when sharp is there; jpeg-js (4:4:4) otherwise. */
async function encodeTestJpeg(rgb: Uint8Array, w: number, h: number, withSharp: boolean): Promise<Buffer> {
  if (withSharp) {
    const sharp = require('sharp');
    return sharp(Buffer.from(rgb), { raw: { width: w, height: h, channels: 3 } })
      .jpeg({ quality: 90, chromaSubsampling: '4:2:0' })
      .toBuffer();
  }
  return encodeJpeg(rgb, w, h, 90);
}

const SIZES: Array<[string, number, number]> = [
  ['160x160 (demo)', 160, 160],
  ['500x375 (VOC)', 500, 375],
  ['640x480 (COCO)', 640, 480],
];

function valPipeline(scale: number) {
  return [
    { type: 'LoadImageFromFile' },
    { type: 'YOLOv5KeepRatioResize', scale: [scale, scale] },
    { type: 'LetterResize', scale: [scale, scale], allow_scale_up: false, pad_val: { img: 114 } },
    { type: 'LoadAnnotations', with_bbox: true, _scope_: 'mmdet' },
    { type: 'mmdet.PackDetInputs' },
  ];
}

function trainPipeline(scale: number) {
  return [
    { type: 'LoadImageFromFile' },
    { type: 'LoadAnnotations', with_bbox: true },
    {
      type: 'Mosaic',
      img_scale: [scale, scale],
      pad_val: 114.0,
      pre_transform: [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations', with_bbox: true }],
    },
    {
      type: 'YOLOv5RandomAffine',
      max_rotate_degree: 0.0,
      max_shear_degree: 0.0,
      scaling_ratio_range: [0.5, 1.5],
      max_aspect_ratio: 100,
      border: [-scale / 2, -scale / 2],
      border_val: [114, 114, 114],
    },
    { type: 'YOLOv5HSVRandomAug' },
    { type: 'mmdet.RandomFlip', prob: 0.5 },
    { type: 'mmdet.PackDetInputs' },
  ];
}

/** A VOC tree of `n` photo-like JPEGs of one size, one box each. */
async function writePhotoVoc(root: string, n: number, w: number, h: number, withSharp: boolean): Promise<void> {
  const base = join(root, 'VOC2007');
  for (const d of ['JPEGImages', 'Annotations', join('ImageSets', 'Main')])
    await mkdir(join(base, d), { recursive: true });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = String(i).padStart(6, '0');
    ids.push(id);
    await writeFile(join(base, 'JPEGImages', `${id}.jpg`), await encodeTestJpeg(photoLike(w, h, i), w, h, withSharp));
    const obj = {
      name: 'thing',
      difficult: false,
      xmin: Math.round(w * 0.2),
      ymin: Math.round(h * 0.2),
      xmax: Math.round(w * 0.6),
      ymax: Math.round(h * 0.7),
    };
    await writeFile(
      join(base, 'Annotations', `${id}.xml`),
      voc2xml({ filename: `${id}.jpg`, width: w, height: h, objects: [obj] }),
    );
  }
  await writeFile(join(base, 'ImageSets', 'Main', 'train.txt'), ids.join('\n') + '\n');
}

function vocDataset(root: string, pipeline: unknown[]): DetDataset {
  return buildDataset(
    {
      type: 'YOLOv5VOCDataset',
      data_root: root,
      ann_file: 'VOC2007/ImageSets/Main/train.txt',
      data_prefix: { sub_data_root: 'VOC2007/' },
      metainfo: { classes: ['thing'] },
      pipeline,
    },
    { cwd: '/' },
  );
}

async function loadAll(ds: DetDataset, decoder: DecoderName): Promise<number> {
  setImageDecoder(decoder);
  let i = 0;
  return msPerCall(async () => void (await ds.load(i++ % ds.length, new Rng(i))), 600);
}

/** One epoch of the loader with a busy training step of `stepMs` on the main thread; data_time per batch as MMEngine logs it. */
async function dataTimePerBatch(
  ds: DetDataset,
  opts: { workers: number; prefetch?: number; stepMs: number; epoch: number; batchSize: number },
): Promise<number> {
  const waits: number[] = [];
  let t = performance.now();
  for await (const _ of createLoader(ds, {
    batchSize: opts.batchSize,
    shuffle: true,
    seed: 0,
    epoch: opts.epoch,
    dropLast: true,
    workers: opts.workers,
    prefetch: opts.prefetch,
  })) {
    waits.push(performance.now() - t);
    const end = performance.now() + opts.stepMs;
    while (performance.now() < end) {
      /* the training step occupies the main thread */
    }
    t = performance.now();
  }
  // The first batch waits for the pipeline to fill (and the workers to start): MMEngine logs it too, but it is not the steady state.
  return median(waits.slice(1));
}

function syntheticEval(nImages: number, nClasses: number): { gts: GroundTruth[]; dets: Detections[] } {
  const rng = new Rng(1);
  const gts: GroundTruth[] = [],
    dets: Detections[] = [];
  for (let i = 0; i < nImages; i++) {
    const n = 1 + rng.int(8);
    const gb: number[] = [],
      gl: number[] = [],
      db: number[] = [],
      ds: number[] = [],
      dl: number[] = [];
    for (let k = 0; k < n; k++) {
      const w = rng.uniform(10, 200),
        h = rng.uniform(10, 200),
        x = rng.uniform(0, 440),
        y = rng.uniform(0, 280);
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
      const x = rng.uniform(0, 600),
        y = rng.uniform(0, 440);
      db.push(x, y, x + rng.uniform(5, 40), y + rng.uniform(5, 40));
      ds.push(rng.next() * 0.3);
      dl.push(rng.int(nClasses));
    }
    gts.push({
      imageId: String(i),
      width: 640,
      height: 480,
      bboxes: Float32Array.from(gb),
      labels: Int32Array.from(gl),
      ignore: new Uint8Array(gl.length),
    });
    dets.push({
      imageId: String(i),
      bboxes: Float32Array.from(db),
      scores: Float32Array.from(ds),
      labels: Int32Array.from(dl),
    });
  }
  return { gts, dets };
}

export async function run(): Promise<void> {
  const cores = availableParallelism();
  const withSharp = sharpLoads();
  const decoders: DecoderName[] = withSharp ? ['js', 'sharp'] : ['js'];
  console.log(`## data (${cores} cores; ms per image on one thread unless stated; medians of 3 runs)`);
  console.log(`decoder for training: ${describeImageDecoder()}`);
  const dir = await mkdtemp(join(tmpdir(), 'yl-bench-data-'));
  try {
    let t0 = performance.now();
    await makeDemoDataset(join(dir, 'demo'), { seed: 0, train: 64, val: 0, size: 160 });
    console.log(`make-demo (160x160 JPEG + XML): ${((64 * 1000) / (performance.now() - t0)).toFixed(0)} images/s`);

    const header = (what: string) =>
      console.log(
        `${what.padEnd(44)}${'jpeg-js'.padStart(8)}${withSharp ? `${'sharp'.padStart(8)}   jpeg-js/sharp` : '   (sharp not installed)'}`,
      );
    const row = (label: string, figures: number[]) =>
      console.log(
        `  ${label.padEnd(42)}${figures.map((f) => ms(f).padStart(8)).join('')}${figures.length === 2 ? `   ${(figures[0] / figures[1]).toFixed(1)}x`.padStart(10) : ''}`,
      );

    // Decode alone, in memory.
    header('decode (ms per image)');
    const jpegs = new Map<string, Buffer>();
    for (const [label, w, h] of SIZES) {
      const bytes = await encodeTestJpeg(photoLike(w, h, w), w, h, withSharp);
      jpegs.set(label, bytes);
      const figs = [await msPerCall(() => decodeImageBuffer(bytes, 'x.jpg'))];
      if (withSharp) {
        const sharp = require('sharp');
        sharp.concurrency(1);
        figs.push(await msPerCall(() => sharp(bytes).raw().toBuffer()));
      }
      row(label, figs);
    }

    // Decode + MMYOLO's val resize (keep-ratio + letterbox) to 640, from files, one sample at a time.
    header('decode + keep-ratio + letterbox to 640 (ms)');
    for (const [label, w, h] of SIZES.slice(1)) {
      const root = join(dir, `val-${w}`);
      await writePhotoVoc(root, 4, w, h, withSharp);
      const ds = vocDataset(root, valPipeline(640));
      const figs: number[] = [];
      for (const d of decoders) figs.push(await loadAll(ds, d));
      row(label, figs);
    }
    // The MMYOLO train pipeline (Mosaic of 4 images + affine + HSV + flip) at 640 from VOC-size files.
    header('train pipeline @640, VOC-size files (ms)');
    {
      const root = join(dir, 'val-500');
      const ds = vocDataset(root, trainPipeline(640));
      const figs: number[] = [];
      for (const d of decoders) figs.push(await loadAll(ds, d));
      row('mosaic+affine+hsv+flip, per sample', figs);
    }

    // The demo config's own pipeline and loader: data time per batch next to a training step.
    const loaded = loadTrainConfig(DEMO_CONFIG, [`train_dataloader.dataset.data_root=${join(dir, 'demo')}/`]);
    const tdl = loaded.cfg.train_dataloader!; // the demo config has one
    const demo = buildDataset(tdl.dataset, { cwd: '/' });
    const bs = tdl.batch_size ?? 16;
    const cfgWorkers = Math.max(0, Math.min(Number(tdl.num_workers ?? 0), cores - 1));
    console.log(
      `demo config (${DEMO_CONFIG.split('/').slice(-2).join('/')}, batch ${bs}, num_workers ${tdl.num_workers} -> ${cfgWorkers} on ${cores} cores):`,
    );
    let epoch = 0;
    for (const d of decoders) {
      setImageDecoder(d);
      const perSample = await loadAll(demo, d);
      console.log(
        `  [${d === 'js' ? 'jpeg-js' : 'sharp'}] one core loads a batch in ${ms(perSample * bs).trim()} ms (${ms(perSample).trim()} ms per sample)`,
      );
      for (const stepMs of STEP_MS) {
        const cells: string[] = [];
        for (const [workers, prefetch] of [
          [0, 2],
          [1, 2],
          [1, 4],
        ] as const) {
          // Warm-up epoch starts the worker threads; the next one is measured.
          if (workers) await dataTimePerBatch(demo, { workers, prefetch, stepMs: 0, epoch: epoch++, batchSize: bs });
          const wait = await dataTimePerBatch(demo, { workers, prefetch, stepMs, epoch: epoch++, batchSize: bs });
          cells.push(
            `${workers} worker${workers === 1 ? '' : 's'}, prefetch ${prefetch}: ${ms(wait).trim()} ms (${((100 * wait) / stepMs).toFixed(0)}% of the step)`,
          );
        }
        console.log(
          `  [${d === 'js' ? 'jpeg-js' : 'sharp'}] data_time per batch with a ${stepMs} ms step (target <= ${DATA_TIME_TARGET * 100}%): ${cells.join('; ')}`,
        );
      }
      await closeLoaderWorkers(demo);
    }
    setImageDecoder('auto');

    const { gts, dets } = syntheticEval(500, 20);
    for (const cfg of [{ type: 'mmdet.VOCMetric', eval_mode: 'area' }, { type: 'mmdet.CocoMetric' }]) {
      t0 = performance.now();
      const ev = buildEvaluator(
        cfg,
        Array.from({ length: 20 }, (_, k) => `c${k}`),
      );
      gts.forEach((g, k) => ev.process(g, dets[k]));
      const out = ev.compute();
      console.log(
        `${cfg.type} on 500 images, ${dets.reduce((s, d) => s + d.labels.length, 0)} dets: ${(performance.now() - t0).toFixed(0)} ms (${Object.entries(
          out,
        )
          .slice(0, 2)
          .map(([k, v]) => `${k}=${v.toFixed(3)}`)
          .join(', ')})`,
      );
    }
  } finally {
    setImageDecoder('auto');
    await rm(dir, { recursive: true, force: true });
  }
}

if (require.main === module) run().catch((e) => (console.error(e), process.exit(1)));
