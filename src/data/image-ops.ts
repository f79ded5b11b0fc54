// Pixel operations on RGB HWC byte images used by the transforms: resize, pad, affine warp.
import { cvResize, type CvInterpolation } from './cv-resize';

export type { CvInterpolation } from './cv-resize';

/** Resizes exactly as cv2.resize with the given interpolation (MMCV's imresize; see cv-resize.ts). */
export function resizeRgb(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  interpolation: CvInterpolation,
): Uint8Array {
  return cvResize(src, sw, sh, dw, dh, interpolation);
}

/** An image of the given size filled with one value per channel. */
export function filledRgb(w: number, h: number, value: number | [number, number, number]): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  const v = typeof value === 'number' ? [value, value, value] : value;
  if (v[0] === v[1] && v[1] === v[2]) return out.fill(v[0]);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = v[0];
    out[i + 1] = v[1];
    out[i + 2] = v[2];
  }
  return out;
}

/** Copies the rectangle [sx, sy, sx+w, sy+h) of src into dst at (dx, dy). */
export function blitRgb(
  src: Uint8Array,
  sw: number,
  sx: number,
  sy: number,
  w: number,
  h: number,
  dst: Uint8Array,
  dwidth: number,
  dx: number,
  dy: number,
): void {
  for (let r = 0; r < h; r++) {
    const s = ((sy + r) * sw + sx) * 3;
    dst.set(src.subarray(s, s + w * 3), ((dy + r) * dwidth + dx) * 3);
  }
}

/** Pads with a constant: top, bottom, left, right. */
export function padRgb(
  src: Uint8Array,
  w: number,
  h: number,
  top: number,
  bottom: number,
  left: number,
  right: number,
  value: number | [number, number, number],
): { data: Uint8Array; width: number; height: number } {
  const width = w + left + right,
    height = h + top + bottom;
  const out = filledRgb(width, height, value);
  blitRgb(src, w, 0, 0, w, h, out, width, left, top);
  return { data: out, width, height };
}

/**
 * Warps with a 3x3 matrix M (row-major, mapping source -> destination) into a dw x dh
 * image, sampling bilinearly through M's inverse; outside pixels take `border`.
 * Affine matrices (last row 0,0,1) take a fast path that steps the source coordinate
 * incrementally along each row.
 */
export function warpAffineRgb(
  src: Uint8Array,
  sw: number,
  sh: number,
  M: number[],
  dw: number,
  dh: number,
  border: [number, number, number],
): Uint8Array {
  const inv = invert3(M);
  const out = new Uint8Array(dw * dh * 3);
  const b0 = border[0],
    b1 = border[1],
    b2 = border[2];
  const stride = sw * 3;
  for (let y = 0; y < dh; y++) {
    let o = y * dw * 3;
    for (let x = 0; x < dw; x++, o += 3) {
      const wq = inv[6] * x + inv[7] * y + inv[8];
      const sx = (inv[0] * x + inv[1] * y + inv[2]) / wq;
      const sy = (inv[3] * x + inv[4] * y + inv[5]) / wq;
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) {
        out[o] = b0;
        out[o + 1] = b1;
        out[o + 2] = b2;
        continue;
      }
      const ax = sx - x0,
        ay = sy - y0;
      const w00 = (1 - ax) * (1 - ay),
        w10 = ax * (1 - ay),
        w01 = (1 - ax) * ay,
        w11 = ax * ay;
      if (x0 >= 0 && y0 >= 0 && x0 + 1 < sw && y0 + 1 < sh) {
        const p = y0 * stride + x0 * 3;
        const q = p + stride;
        out[o] = Math.round(src[p] * w00 + src[p + 3] * w10 + src[q] * w01 + src[q + 3] * w11);
        out[o + 1] = Math.round(src[p + 1] * w00 + src[p + 4] * w10 + src[q + 1] * w01 + src[q + 4] * w11);
        out[o + 2] = Math.round(src[p + 2] * w00 + src[p + 5] * w10 + src[q + 2] * w01 + src[q + 5] * w11);
        continue;
      }
      // Along the edge: neighbours outside the source take the border value.
      const in00 = x0 >= 0 && y0 >= 0,
        in10 = x0 + 1 < sw && y0 >= 0,
        in01 = x0 >= 0 && y0 + 1 < sh,
        in11 = x0 + 1 < sw && y0 + 1 < sh;
      const p = y0 * stride + x0 * 3;
      for (let c = 0; c < 3; c++) {
        const bc = c === 0 ? b0 : c === 1 ? b1 : b2;
        const v00 = in00 ? src[p + c] : bc;
        const v10 = in10 ? src[p + 3 + c] : bc;
        const v01 = in01 ? src[p + stride + c] : bc;
        const v11 = in11 ? src[p + stride + 3 + c] : bc;
        out[o + c] = Math.round(v00 * w00 + v10 * w10 + v01 * w01 + v11 * w11);
      }
    }
  }
  return out;
}

export function matMul3(a: number[], b: number[]): number[] {
  const out = new Array(9).fill(0);
  for (let i = 0; i < 3; i++)
    for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return out;
}

export function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new RangeError('singular warp matrix');
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}
