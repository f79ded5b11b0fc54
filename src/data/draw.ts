// Draws predicted boxes with "class score" labels onto an RGB image, for
// `yololab test --show-dir`. Text uses a built-in 3x5 pixel font (scaled), so no font
// files or canvas library are needed.
import type { Detections, GroundTruth } from './types';

// 3x5 glyphs, one string of 15 bits per character, rows top to bottom.
const GLYPHS: Record<string, string> = {
  a: '010101111101101',
  b: '110101110101110',
  c: '011100100100011',
  d: '110101101101110',
  e: '111100110100111',
  f: '111100110100100',
  g: '011100101101011',
  h: '101101111101101',
  i: '111010010010111',
  j: '001001001101010',
  k: '101101110101101',
  l: '100100100100111',
  m: '101111111101101',
  n: '110101101101101',
  o: '010101101101010',
  p: '110101110100100',
  q: '010101101110011',
  r: '110101110101101',
  s: '011100010001110',
  t: '111010010010010',
  u: '101101101101111',
  v: '101101101101010',
  w: '101101111111101',
  x: '101101010101101',
  y: '101101010010010',
  z: '111001010100111',
  '0': '111101101101111',
  '1': '010110010010111',
  '2': '110001010100111',
  '3': '110001010001110',
  '4': '101101111001001',
  '5': '111100110001110',
  '6': '011100111101111',
  '7': '111001010010010',
  '8': '111101111101111',
  '9': '111101111001110',
  '.': '000000000000010',
  '-': '000000111000000',
  _: '000000000000111',
  ':': '000010000010000',
  '%': '101001010100101',
  '?': '110001010000010',
  ' ': '000000000000000',
  '/': '001001010100100',
};

/** A distinct, bright colour per class (golden-angle hues). */
export function classColour(k: number): [number, number, number] {
  const h = (k * 137.508) % 360;
  const f = (n: number) => {
    const kk = (n + h / 60) % 6;
    return Math.round(255 * (1 - 0.85 * Math.max(0, Math.min(kk, 4 - kk, 1))));
  };
  return [f(5), f(3), f(1)];
}

function setPixel(img: Uint8Array, w: number, h: number, x: number, y: number, c: [number, number, number]): void {
  if (x < 0 || y < 0 || x >= w || y >= h) return;
  const o = (y * w + x) * 3;
  img[o] = c[0];
  img[o + 1] = c[1];
  img[o + 2] = c[2];
}

function fillRect(
  img: Uint8Array,
  w: number,
  h: number,
  x1: number,
  y1: number,
  x2: number,
  y2: number,
  c: [number, number, number],
): void {
  for (let y = Math.max(0, y1); y < Math.min(h, y2); y++)
    for (let x = Math.max(0, x1); x < Math.min(w, x2); x++) setPixel(img, w, h, x, y, c);
}

function strokeRect(img: Uint8Array, w: number, h: number, b: number[], t: number, c: [number, number, number]): void {
  const [x1, y1, x2, y2] = b.map(Math.round);
  fillRect(img, w, h, x1, y1, x2, y1 + t, c);
  fillRect(img, w, h, x1, y2 - t, x2, y2, c);
  fillRect(img, w, h, x1, y1, x1 + t, y2, c);
  fillRect(img, w, h, x2 - t, y1, x2, y2, c);
}

/** Text width in pixels at a given scale (4 columns per glyph including spacing). */
export function textWidth(text: string, scale: number): number {
  return text.length * 4 * scale + scale;
}

export function drawText(
  img: Uint8Array,
  w: number,
  h: number,
  x: number,
  y: number,
  text: string,
  scale: number,
  c: [number, number, number],
): void {
  let cx = x;
  for (const ch of text.toLowerCase()) {
    const g = GLYPHS[ch] ?? GLYPHS['?'];
    for (let r = 0; r < 5; r++) {
      for (let col = 0; col < 3; col++) {
        if (g[r * 3 + col] === '1')
          fillRect(img, w, h, cx + col * scale, y + r * scale, cx + (col + 1) * scale, y + (r + 1) * scale, c);
      }
    }
    cx += 4 * scale;
  }
}

export interface DrawOptions {
  scoreThr?: number; // default 0.3, as MMDetection's visualiser
  thickness?: number;
  /** Ground truth drawn as thin white boxes underneath, for comparison. */
  groundTruth?: GroundTruth;
}

/** Returns a copy of `rgb` with the detections above the score threshold drawn on it. */
export function drawDetections(
  rgb: Uint8Array,
  w: number,
  h: number,
  dets: Detections,
  classes: string[],
  opts: DrawOptions = {},
): Uint8Array {
  const img = rgb.slice();
  const thr = opts.scoreThr ?? 0.3;
  const t = opts.thickness ?? Math.max(1, Math.round(Math.min(w, h) / 200));
  const scale = Math.max(1, Math.round(Math.min(w, h) / 160));
  if (opts.groundTruth) {
    const g = opts.groundTruth;
    for (let i = 0; i < g.labels.length; i++)
      strokeRect(img, w, h, Array.from(g.bboxes.subarray(i * 4, i * 4 + 4)), 1, [255, 255, 255]);
  }
  // Lowest score first so the most confident boxes end up on top.
  const order = Array.from(dets.scores, (_, i) => i)
    .filter((i) => dets.scores[i] >= thr)
    .sort((a, b) => dets.scores[a] - dets.scores[b]);
  for (const i of order) {
    const c = classColour(dets.labels[i]);
    const box = Array.from(dets.bboxes.subarray(i * 4, i * 4 + 4));
    strokeRect(img, w, h, box, t, c);
    const label = `${classes[dets.labels[i]] ?? dets.labels[i]} ${dets.scores[i].toFixed(2)}`;
    const tw = textWidth(label, scale),
      th = 7 * scale;
    const lx = Math.max(0, Math.min(Math.round(box[0]), w - tw));
    const ly = Math.round(box[1]) - th >= 0 ? Math.round(box[1]) - th : Math.round(box[1]);
    fillRect(img, w, h, lx, ly, lx + tw, ly + th, c);
    drawText(img, w, h, lx + scale, ly + scale, label, scale, [0, 0, 0]);
  }
  return img;
}
