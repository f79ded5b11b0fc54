// Boxes follow the image: each test paints coloured rectangles, runs a transform, and
// compares the transformed boxes with where the colours actually ended up in the image.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/data/rng';
import { buildPipeline, initialResults, runPipeline, type PipelineEnv, type Results } from '../../src/data/pipeline';
import type { AnnotationRecord } from '../../src/data/records';

type RGB = [number, number, number];
const RED: RGB = [230, 20, 20],
  GREEN: RGB = [20, 220, 20],
  BLUE: RGB = [20, 20, 230],
  YELLOW: RGB = [230, 230, 20];

/** A results object whose image is grey with the given rectangles painted; boxes = rectangles. */
function painted(w: number, h: number, rects: { box: number[]; colour: RGB }[], index = 0): Results {
  const img = new Uint8Array(w * h * 3).fill(100);
  for (const { box, colour } of rects) {
    for (let y = box[1]; y < box[3]; y++) for (let x = box[0]; x < box[2]; x++) img.set(colour, (y * w + x) * 3);
  }
  const record: AnnotationRecord = {
    file: `mem${index}.png`,
    imageId: String(index),
    width: w,
    height: h,
    bboxes: Float32Array.from(rects.flatMap((r) => r.box)),
    labels: Int32Array.from(rects.map((_, i) => i)),
    ignore: new Uint8Array(rects.length),
  };
  const r = initialResults(index, record);
  r.img = img;
  r.annotationsLoaded = true;
  r.bboxes = record.bboxes.slice();
  r.labels = record.labels.slice();
  r.ignore = record.ignore.slice();
  return r;
}

/** Bounding box of pixels closer to `colour` than to anything else (distance < 100). */
function colourExtent(r: Results, colour: RGB): number[] | null {
  let x1 = Infinity,
    y1 = Infinity,
    x2 = -Infinity,
    y2 = -Infinity;
  for (let y = 0; y < r.height; y++) {
    for (let x = 0; x < r.width; x++) {
      const p = (y * r.width + x) * 3;
      const d =
        Math.abs(r.img![p] - colour[0]) + Math.abs(r.img![p + 1] - colour[1]) + Math.abs(r.img![p + 2] - colour[2]);
      if (d < 100) {
        x1 = Math.min(x1, x);
        y1 = Math.min(y1, y);
        x2 = Math.max(x2, x + 1);
        y2 = Math.max(y2, y + 1);
      }
    }
  }
  return x1 === Infinity ? null : [x1, y1, x2, y2];
}

function assertBoxNear(actual: ArrayLike<number>, expected: number[], tol: number, what: string) {
  for (let k = 0; k < 4; k++) {
    assert.ok(
      Math.abs(actual[k] - expected[k]) <= tol,
      `${what}: box ${Array.from(actual).map((v) => v.toFixed(1))} vs image ${expected} (tol ${tol})`,
    );
  }
}

const noEnv: PipelineEnv = { length: 1, loadRaw: async () => null, warn: () => {} };
const warnings: string[] = [];
const build = (list: any[]) => buildPipeline(list, { warn: (m) => warnings.push(m) });

test('RandomFlip mirrors boxes with the image (prob=1) and records the flip', async () => {
  const r = painted(40, 30, [{ box: [5, 4, 15, 20], colour: RED }]);
  const out = (await runPipeline(build([{ type: 'mmdet.RandomFlip', prob: 1.0 }]), r, new Rng(0), noEnv))!;
  assert.deepEqual(Array.from(out.bboxes), [25, 4, 35, 20]);
  assertBoxNear(out.bboxes, colourExtent(out, RED)!, 0, 'flip');
  assert.equal(out.meta.flip, true);
  const same = (await runPipeline(
    build([{ type: 'RandomFlip', prob: 0 }]),
    painted(40, 30, [{ box: [5, 4, 15, 20], colour: RED }]),
    new Rng(0),
    noEnv,
  ))!;
  assert.deepEqual(Array.from(same.bboxes), [5, 4, 15, 20]);
});

test('YOLOv5KeepRatioResize scales the long side to the target, boxes by the same factors', async () => {
  const r = painted(80, 40, [{ box: [10, 8, 50, 32], colour: RED }]);
  const out = (await runPipeline(build([{ type: 'YOLOv5KeepRatioResize', scale: [40, 40] }]), r, new Rng(0), noEnv))!;
  assert.equal(out.width, 40);
  assert.equal(out.height, 20);
  assert.deepEqual(Array.from(out.bboxes), [5, 4, 25, 16]);
  assert.deepEqual(out.meta.scaleFactor, [0.5, 0.5]);
  assertBoxNear(out.bboxes, colourExtent(out, RED)!, 1, 'keep-ratio resize');
});

test('LetterResize scales and pads to the exact size; pad split as MMYOLO (top/left get the floor)', async () => {
  // 100x50 into 64x64: ratio .64 -> 64x32, pad_h = 32 -> top 16, bottom 16.
  const r = painted(100, 50, [{ box: [20, 10, 60, 40], colour: GREEN }]);
  const out = (await runPipeline(
    build([{ type: 'LetterResize', scale: [64, 64], pad_val: { img: 114 } }]),
    r,
    new Rng(0),
    noEnv,
  ))!;
  assert.equal(out.width, 64);
  assert.equal(out.height, 64);
  assert.deepEqual(out.meta.pad, [16, 16, 0, 0]);
  assert.deepEqual(out.meta.scaleFactor, [0.64, 0.64]);
  const expected = [20 * 0.64, 10 * 0.64 + 16, 60 * 0.64, 40 * 0.64 + 16];
  assertBoxNear(out.bboxes, expected, 1e-4, 'letterbox arithmetic');
  assertBoxNear(out.bboxes, colourExtent(out, GREEN)!, 1, 'letterbox image');
  assert.equal(out.img![0], 114); // padding colour in the top row
  // Odd padding: 30x20 into 40x40 without scale-up -> pad_h 20 (10/10), pad_w 10 (5/5)
  const odd = (await runPipeline(
    build([{ type: 'LetterResize', scale: [40, 40], allow_scale_up: false }]),
    painted(31, 20, []),
    new Rng(0),
    noEnv,
  ))!;
  assert.deepEqual(odd.meta.pad, [10, 10, 4, 5]);
  assert.deepEqual(odd.meta.scaleFactor, [1, 1]);
});

test('LetterResize sizes with Python rounding (half to even), as MMYOLO', async () => {
  // 10x5 into 5x5: ratio .5 -> 5 x 2.5 -> height round(2.5) = 2 (Python), not 3; pad 3 -> top 1, bottom 2.
  const out = (await runPipeline(
    build([{ type: 'LetterResize', scale: [5, 5] }]),
    painted(10, 5, []),
    new Rng(0),
    noEnv,
  ))!;
  assert.deepEqual(out.meta.scaleFactor, [0.5, 0.4]);
  assert.deepEqual(out.meta.pad, [1, 2, 0, 0]);
});

test('LoadAnnotations after resize steps (MMYOLO test pipelines) puts boxes into the resized image', async () => {
  const r = painted(100, 50, [{ box: [20, 10, 60, 40], colour: BLUE }]);
  r.annotationsLoaded = false;
  r.bboxes = new Float32Array(0);
  const steps = build([
    { type: 'YOLOv5KeepRatioResize', scale: [64, 64] },
    { type: 'LetterResize', scale: [64, 64], allow_scale_up: false },
    { type: 'LoadAnnotations', with_bbox: true, _scope_: 'mmdet' },
  ]);
  const out = (await runPipeline(steps, r, new Rng(0), noEnv))!;
  assertBoxNear(out.bboxes, colourExtent(out, BLUE)!, 1, 'late annotations');
});

test('Mosaic tiles four samples on a 2x canvas and every box lands on its own colour', async () => {
  const colours = [RED, GREEN, BLUE, YELLOW];
  // Each sample has one rectangle in its middle, so it survives any mosaic centre.
  const samples = colours.map((c, i) => painted(60, 40, [{ box: [20, 12, 40, 28], colour: c }], i));
  samples.forEach((s, i) => (s.labels = Int32Array.of(i)));
  let next = 1;
  const env: PipelineEnv = { length: 4, loadRaw: async () => structuredClone(samples[next++]), warn: () => {} };
  const steps = build([{ type: 'Mosaic', img_scale: [64, 64], center_ratio_range: [1, 1], pad_val: 114 }]);
  const out = (await runPipeline(steps, structuredClone(samples[0]), new Rng(3), env))!;
  assert.equal(out.width, 128);
  assert.equal(out.height, 128);
  assert.equal(out.labels.length, 4);
  for (let i = 0; i < 4; i++) {
    const k = out.labels[i];
    const extent = colourExtent(out, colours[k]);
    assert.ok(extent, `colour of label ${k} missing from the mosaic`);
    assertBoxNear(out.bboxes.subarray(i * 4, i * 4 + 4), extent!, 1.5, `mosaic tile ${k}`);
  }
  // With centre (64,64) sample 0 fills the top-left quadrant: resized to 64x42 (64/60 = 1.067,
  // 40*1.067 truncated to 42), shifted so it ends at the centre. Boxes use the resized
  // image's own factors (64/60, 42/40) so they stay on the pixels.
  const sx = 64 / 60,
    sy = 42 / 40;
  assertBoxNear(
    out.bboxes.subarray(0, 4),
    [20 * sx, 64 - 42 + 12 * sy, 40 * sx, 64 - 42 + 28 * sy],
    1e-3,
    'tile 0 arithmetic',
  );
});

test('Mosaic clips boxes at the canvas border and drops boxes cut away entirely', async () => {
  // Centre (32,32): only the bottom-right 32x32 of sample 0 stays on the canvas, shifted by (-32,-32).
  // The red box at the far left is cut away; the green one becomes [8,-12,28,8] clipped to [8,0,28,8].
  const a = painted(64, 64, [
    { box: [2, 20, 12, 40], colour: RED },
    { box: [40, 20, 60, 40], colour: GREEN },
  ]);
  const others = [1, 2, 3].map((i) => painted(64, 64, [], i));
  let k = 0;
  const env: PipelineEnv = { length: 4, loadRaw: async () => others[k++], warn: () => {} };
  const steps = build([{ type: 'Mosaic', img_scale: [64, 64], center_ratio_range: [0.5, 0.5] }]);
  const out = (await runPipeline(steps, a, new Rng(0), env))!;
  assert.deepEqual(Array.from(out.labels), [1]);
  assertBoxNear(out.bboxes, [8, 0, 28, 8], 1e-4, 'surviving box');
  assertBoxNear(out.bboxes, colourExtent(out, GREEN)!, 1, 'surviving box image');
  assert.equal(colourExtent(out, RED), null);
});

test('YOLOv5RandomAffine: rotated/scaled/sheared boxes are the hull of the painted region', async () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const r = painted(80, 80, [{ box: [25, 30, 50, 45], colour: RED }]);
    const steps = build([
      {
        type: 'YOLOv5RandomAffine',
        max_rotate_degree: 30,
        max_shear_degree: 5,
        scaling_ratio_range: [0.7, 1.3],
        max_translate_ratio: 0.1,
        border: [0, 0],
        border_val: [114, 114, 114],
      },
    ]);
    const out = (await runPipeline(steps, r, new Rng(seed), noEnv))!;
    assert.equal(out.width, 80);
    assert.equal(out.labels.length, 1, `seed ${seed}: box dropped`);
    assertBoxNear(out.bboxes, colourExtent(out, RED)!, 1.5, `affine seed ${seed}`);
  }
});

test('YOLOv5RandomAffine with a negative border crops the mosaic canvas to half and drops tiny boxes', async () => {
  const r = painted(128, 128, [
    { box: [60, 60, 80, 70], colour: RED },
    { box: [2, 2, 4, 4], colour: BLUE },
  ]);
  const steps = build([
    {
      type: 'YOLOv5RandomAffine',
      max_rotate_degree: 0,
      max_shear_degree: 0,
      scaling_ratio_range: [1, 1],
      max_translate_ratio: 0,
      border: [-32, -32],
    },
  ]);
  const out = (await runPipeline(steps, r, new Rng(0), noEnv))!;
  assert.equal(out.width, 64);
  assert.equal(out.height, 64);
  // Identity warp about the centre: (x - 64) + 32.
  assert.deepEqual(Array.from(out.labels), [0]);
  assertBoxNear(out.bboxes, [28, 28, 48, 38], 1e-3, 'centre crop');
  assertBoxNear(out.bboxes, colourExtent(out, RED)!, 1, 'centre crop image');
});

test('YOLOv5HSVRandomAug changes colours but not geometry; grey stays grey in hue', async () => {
  const r = painted(20, 20, [{ box: [5, 5, 10, 10], colour: RED }]);
  const before = r.img!.slice();
  const out = (await runPipeline(build([{ type: 'YOLOv5HSVRandomAug' }]), r, new Rng(9), noEnv))!;
  assert.deepEqual(Array.from(out.bboxes), [5, 5, 10, 10]);
  assert.notDeepEqual(out.img, before);
  const p = 0; // background pixel (100,100,100): saturation 0 stays 0, so R=G=B
  assert.equal(out.img![p], out.img![p + 1]);
  assert.equal(out.img![p + 1], out.img![p + 2]);
});

test('the same seed gives the same augmented sample; a different seed a different one', async () => {
  const steps = build([
    { type: 'YOLOv5RandomAffine', max_rotate_degree: 10 },
    { type: 'YOLOv5HSVRandomAug' },
    { type: 'RandomFlip', prob: 0.5 },
  ]);
  const run = async (seed: number) =>
    (await runPipeline(steps, painted(48, 48, [{ box: [10, 10, 30, 30], colour: RED }]), new Rng(seed), noEnv))!;
  const a = await run(11),
    b = await run(11),
    c = await run(12);
  assert.deepEqual(a.img, b.img);
  assert.deepEqual(a.bboxes, b.bboxes);
  assert.notDeepEqual(a.img, c.img);
});

test('unknown transform types and bad options are config errors naming the type, place and known types', () => {
  const where = (p: (string | number)[]) => `cfg.py:${10 + Number(p[0])}`;
  assert.throws(
    () => buildPipeline([{ type: 'LoadImageFromFile' }, { type: 'mmdet.RandomErasing' }], { where, warn: () => {} }),
    (e: any) =>
      e.name === 'ConfigError' &&
      /unknown transform type 'mmdet\.RandomErasing'/.test(e.message) &&
      /known: .*Mosaic/.test(e.message) &&
      e.where === 'cfg.py:11',
  );
  assert.throws(
    () => build([{ type: 'LetterResize', scale: 'big' }]),
    /LetterResize: scale must be a number or a pair/,
  );
  assert.throws(() => build([{ type: 'RandomFlip', prob: 0.5, direction: 'vertical' }]), /only direction='horizontal'/);
});

test('YOLOv5MixUp blends two same-size samples with a Beta ratio and keeps both sets of boxes', async () => {
  const a = painted(20, 20, [{ box: [2, 2, 8, 8], colour: RED }]);
  const b = painted(20, 20, [{ box: [12, 12, 18, 18], colour: BLUE }], 1);
  b.labels = Int32Array.of(5);
  const env: PipelineEnv = { length: 2, loadRaw: async () => structuredClone(b), warn: () => {} };
  const out = (await runPipeline(build([{ type: 'YOLOv5MixUp', prob: 1.0 }]), a, new Rng(2), env))!;
  assert.deepEqual(Array.from(out.bboxes), [2, 2, 8, 8, 12, 12, 18, 18]);
  assert.deepEqual(Array.from(out.labels), [0, 5]);
  // Background stays 100; a red pixel becomes 230*r + 100*(1-r) in R: recover r, which Beta(32, 32) keeps near .5.
  const p = (3 * 20 + 3) * 3;
  const ratio = (out.img![p] - 100) / 130;
  assert.ok(ratio > 0.3 && ratio < 0.7, `ratio ${ratio}`);
  assert.equal(out.img![(19 * 20 + 0) * 3], 100);
  // A blue pixel of the other sample: B = 100*r + 230*(1-r), consistent with the same ratio (±1 for truncation).
  const q = (15 * 20 + 15) * 3 + 2;
  assert.ok(Math.abs(out.img![q] - (100 * ratio + 230 * (1 - ratio))) <= 1.5);
  const small = painted(10, 10, [], 1);
  const bad: PipelineEnv = { length: 2, loadRaw: async () => structuredClone(small), warn: () => {} };
  await assert.rejects(
    runPipeline(build([{ type: 'YOLOv5MixUp' }]), painted(20, 20, []), new Rng(0), bad),
    /YOLOv5MixUp: the mixed-in sample is 10x10, this one 20x20/,
  );
});
