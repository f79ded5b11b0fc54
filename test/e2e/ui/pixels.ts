// Reads the e2e screenshots back: how many pixels of a colour a chart shows, and how many vertical
// lines cross its plot area, so a check fails when a curve or an epoch mark is not drawn.
import * as fs from 'node:fs';
import { PNG } from 'pngjs';

export type Rgb = [number, number, number];

export interface Image {
  width: number;
  height: number;
  at(x: number, y: number): Rgb;
}

export function readPng(file: string): Image {
  const png = PNG.sync.read(fs.readFileSync(file));
  return {
    width: png.width,
    height: png.height,
    at: (x, y) => {
      const i = (png.width * y + x) * 4;
      return [png.data[i], png.data[i + 1], png.data[i + 2]];
    },
  };
}

// 'rgb(78, 121, 167)' or '#4e79a7'
export function parseColor(css: string): Rgb {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(css);
  if (m) return [+m[1], +m[2], +m[3]];
  const h = /^#([0-9a-f]{6})$/i.exec(css.trim());
  if (h) return [0, 2, 4].map((k) => parseInt(h[1].slice(k, k + 2), 16)) as Rgb;
  throw new Error(`not a colour: ${css}`);
}

const dist = (a: Rgb, b: Rgb) => Math.max(Math.abs(a[0] - b[0]), Math.abs(a[1] - b[1]), Math.abs(a[2] - b[2]));

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function countColor(img: Image, color: Rgb, box: Box, tolerance = 24): number {
  let n = 0;
  for (let y = Math.max(0, box.y0); y < Math.min(img.height, box.y1); y++) {
    for (let x = Math.max(0, box.x0); x < Math.min(img.width, box.x1); x++)
      if (dist(img.at(x, y), color) <= tolerance) n++;
  }
  return n;
}

// Columns of the box where at least `fraction` of the pixels differ from the background (a dashed
// line counts), grouped into lines of adjacent columns.
export function verticalLines(img: Image, box: Box, background: Rgb, fraction = 0.3): number[] {
  const cols: number[] = [];
  for (let x = Math.max(0, box.x0); x < Math.min(img.width, box.x1); x++) {
    let n = 0;
    let total = 0;
    for (let y = Math.max(0, box.y0); y < Math.min(img.height, box.y1); y++, total++)
      if (dist(img.at(x, y), background) > 30) n++;
    if (total && n / total >= fraction) cols.push(x);
  }
  const lines: number[] = [];
  for (const x of cols)
    if (!lines.length || x - lines[lines.length - 1] > 2) lines.push(x);
    else lines[lines.length - 1] = x;
  return lines;
}

// The commonest colour in the box: a chart's background (the page's CSS may say 'transparent')
export function dominantColor(img: Image, box: Box): Rgb {
  const seen = new Map<string, number>();
  for (let y = Math.max(0, box.y0); y < Math.min(img.height, box.y1); y += 2) {
    for (let x = Math.max(0, box.x0); x < Math.min(img.width, box.x1); x += 2) {
      const k = img.at(x, y).join(',');
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
  }
  const [best] = [...seen.entries()].sort((a, b) => b[1] - a[1])[0];
  return best.split(',').map(Number) as Rgb;
}
