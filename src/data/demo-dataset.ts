// Generates the demo dataset: solid shapes on mildly textured backgrounds, written as a
// Pascal VOC tree. Everything is derived from the seed, and jpeg-js encodes
// deterministically, so one seed always yields the same bytes.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Rng } from './rng';
import { encodeJpeg } from './image';
import { voc2xml, type VocObject } from './voc-xml';

export const DEMO_CLASSES = ['circle', 'square', 'triangle', 'star'];
// Distinct hues per class (with a little jitter per object) keep the task learnable fast.
const CLASS_COLOURS: [number, number, number][] = [
  [220, 40, 40],
  [40, 80, 220],
  [40, 180, 60],
  [240, 200, 30],
];

export interface DemoOptions {
  seed?: number;
  train?: number;
  val?: number;
  size?: number;
}

interface Shape {
  label: number;
  cx: number;
  cy: number;
  r: number; // half extent of the bounding box
  colour: [number, number, number];
}

/** Whether point (x, y) lies inside the shape; shapes fill [cx-r, cx+r] x [cy-r, cy+r]. */
function inside(s: Shape, x: number, y: number): boolean {
  const dx = x - s.cx;
  const dy = y - s.cy;
  switch (s.label) {
    case 0:
      return dx * dx + dy * dy <= s.r * s.r;
    case 1:
      return Math.abs(dx) <= s.r && Math.abs(dy) <= s.r;
    case 2: {
      // Isosceles triangle with apex at the top centre and base along the bottom edge.
      const t = (dy + s.r) / (2 * s.r); // 0 at apex, 1 at base
      return t >= 0 && t <= 1 && Math.abs(dx) <= t * s.r;
    }
    default:
      return insideStar(dx / s.r, dy / s.r);
  }
}

// Five-pointed star with outer radius 1 (one point straight up) and inner radius 0.45.
const STAR: [number, number][] = Array.from({ length: 10 }, (_, k) => {
  const rad = k % 2 === 0 ? 1 : 0.45;
  const a = -Math.PI / 2 + (k * Math.PI) / 5;
  return [rad * Math.cos(a), rad * Math.sin(a)];
});
const STAR_TOP = Math.min(...STAR.map((p) => p[1]));
const STAR_BOTTOM = Math.max(...STAR.map((p) => p[1]));
const STAR_HALF_WIDTH = Math.max(...STAR.map((p) => Math.abs(p[0])));

function insideStar(x: number, y: number): boolean {
  // Stretch the unit star so its bounding box is exactly [-1,1]^2 (matches the VOC box).
  const sx = x * STAR_HALF_WIDTH;
  const sy = STAR_TOP + ((y + 1) / 2) * (STAR_BOTTOM - STAR_TOP);
  let inPoly = false;
  for (let i = 0, j = STAR.length - 1; i < STAR.length; j = i++) {
    const [xi, yi] = STAR[i];
    const [xj, yj] = STAR[j];
    if (yi > sy !== yj > sy && sx < ((xj - xi) * (sy - yi)) / (yj - yi) + xi) inPoly = !inPoly;
  }
  return inPoly;
}

function renderBackground(rng: Rng, size: number): Float32Array {
  const img = new Float32Array(size * size * 3);
  const base = [rng.uniform(90, 170), rng.uniform(90, 170), rng.uniform(90, 170)];
  // A few low-frequency waves plus fine noise: texture that is not an object.
  const waves = Array.from({ length: 3 }, () => ({
    fx: rng.uniform(0.02, 0.12),
    fy: rng.uniform(0.02, 0.12),
    ph: rng.uniform(0, 2 * Math.PI),
    amp: [rng.uniform(-18, 18), rng.uniform(-18, 18), rng.uniform(-18, 18)],
  }));
  // sin(fx*x + fy*y + ph) = sin(fx*x)cos(fy*y+ph) + cos(fx*x)sin(fy*y+ph): tables per column and row.
  const sx = waves.map((w) => Float64Array.from({ length: size }, (_, x) => Math.sin(w.fx * x)));
  const cx = waves.map((w) => Float64Array.from({ length: size }, (_, x) => Math.cos(w.fx * x)));
  const sy = waves.map((w) => Float64Array.from({ length: size }, (_, y) => Math.sin(w.fy * y + w.ph)));
  const cy = waves.map((w) => Float64Array.from({ length: size }, (_, y) => Math.cos(w.fy * y + w.ph)));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) {
        let v = base[c];
        for (let k = 0; k < waves.length; k++) v += waves[k].amp[c] * (sx[k][x] * cy[k][y] + cx[k][x] * sy[k][y]);
        img[o + c] = v + rng.uniform(-8, 8);
      }
    }
  }
  return img;
}

function paintShape(img: Float32Array, size: number, s: Shape): void {
  const x0 = Math.max(0, Math.floor(s.cx - s.r));
  const x1 = Math.min(size - 1, Math.ceil(s.cx + s.r));
  const y0 = Math.max(0, Math.floor(s.cy - s.r));
  const y1 = Math.min(size - 1, Math.ceil(s.cy + s.r));
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      // 2x2 supersampling for soft edges.
      let cover = 0;
      for (const oy of [0.25, 0.75]) for (const ox of [0.25, 0.75]) if (inside(s, x + ox, y + oy)) cover++;
      if (!cover) continue;
      const a = cover / 4;
      const o = (y * size + x) * 3;
      for (let c = 0; c < 3; c++) img[o + c] = img[o + c] * (1 - a) + s.colour[c] * a;
    }
  }
}

function overlapsTooMuch(a: Shape, b: Shape): boolean {
  const iw = Math.min(a.cx + a.r, b.cx + b.r) - Math.max(a.cx - a.r, b.cx - b.r);
  const ih = Math.min(a.cy + a.r, b.cy + b.r) - Math.max(a.cy - a.r, b.cy - b.r);
  if (iw <= 0 || ih <= 0) return false;
  const inter = iw * ih;
  return inter / Math.min(4 * a.r * a.r, 4 * b.r * b.r) > 0.15;
}

function sampleShapes(rng: Rng, size: number): Shape[] {
  const count = 1 + rng.int(3);
  const shapes: Shape[] = [];
  for (let tries = 0; shapes.length < count && tries < 50; tries++) {
    const r = Math.round(rng.uniform(size * 0.08, size * 0.2));
    const s: Shape = {
      label: rng.int(DEMO_CLASSES.length),
      r,
      cx: Math.round(rng.uniform(r, size - r)),
      cy: Math.round(rng.uniform(r, size - r)),
      colour: [0, 0, 0],
    };
    const base = CLASS_COLOURS[s.label];
    s.colour = [0, 1, 2].map((c) => Math.max(0, Math.min(255, base[c] + rng.uniform(-20, 20)))) as [
      number,
      number,
      number,
    ];
    if (shapes.every((o) => !overlapsTooMuch(o, s))) shapes.push(s);
  }
  return shapes;
}

function toBytes(img: Float32Array): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) out[i] = Math.max(0, Math.min(255, Math.round(img[i])));
  return out;
}

/**
 * Writes dir/VOC2007/{JPEGImages,Annotations,ImageSets/Main/{train,val,trainval}.txt}.
 * Image i is generated from rng.fork(`image${i}`), so changing `train` does not
 * change the earlier images.
 */
export async function makeDemoDataset(
  dir: string,
  opts: DemoOptions = {},
): Promise<{ classes: string[]; train: number; val: number }> {
  const seed = opts.seed ?? 0;
  const nTrain = opts.train ?? 240;
  const nVal = opts.val ?? 60;
  const size = opts.size ?? 160;
  if (!(size >= 32)) throw new RangeError(`demo image size must be at least 32, got ${size}`);
  const root = join(dir, 'VOC2007');
  await mkdir(join(root, 'JPEGImages'), { recursive: true });
  await mkdir(join(root, 'Annotations'), { recursive: true });
  await mkdir(join(root, 'ImageSets', 'Main'), { recursive: true });
  const rng = new Rng(seed);
  const ids: string[] = [];
  for (let i = 0; i < nTrain + nVal; i++) {
    const id = String(i).padStart(6, '0');
    const r = rng.fork(`image${i}`);
    const img = renderBackground(r, size);
    const shapes = sampleShapes(r, size);
    for (const s of shapes) paintShape(img, size, s);
    const objects: VocObject[] = shapes.map((s) => ({
      name: DEMO_CLASSES[s.label],
      difficult: false,
      // VOC boxes are 1-based inclusive pixel indices.
      xmin: Math.max(1, s.cx - s.r + 1),
      ymin: Math.max(1, s.cy - s.r + 1),
      xmax: Math.min(size, s.cx + s.r),
      ymax: Math.min(size, s.cy + s.r),
    }));
    await writeFile(join(root, 'JPEGImages', `${id}.jpg`), encodeJpeg(toBytes(img), size, size, 92));
    await writeFile(
      join(root, 'Annotations', `${id}.xml`),
      voc2xml({ folder: 'VOC2007', filename: `${id}.jpg`, width: size, height: size, depth: 3, objects }),
    );
    ids.push(id);
  }
  const train = ids.slice(0, nTrain);
  const val = ids.slice(nTrain);
  const lines = (xs: string[]) => (xs.length ? xs.join('\n') + '\n' : '');
  await writeFile(join(root, 'ImageSets', 'Main', 'train.txt'), lines(train));
  await writeFile(join(root, 'ImageSets', 'Main', 'val.txt'), lines(val));
  await writeFile(join(root, 'ImageSets', 'Main', 'trainval.txt'), lines(ids));
  return { classes: DEMO_CLASSES.slice(), train: train.length, val: val.length };
}
