// Pixel operations on RGB HWC byte images used by the transforms: resize, pad, affine warp.

/**
 * Resizes like OpenCV: bilinear with half-pixel centres for upscaling, and for shrinking
 * by more than 2x an area average (cv2.INTER_AREA-like), which avoids aliasing.
 */
export function resizeRgb(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  if (dw === sw && dh === sh) return src.slice();
  if (dw <= 0 || dh <= 0) throw new RangeError(`resize to ${dw}x${dh}`);
  if (sw / dw >= 2 || sh / dh >= 2) return resizeArea(src, sw, sh, dw, dh);
  const out = new Uint8Array(dw * dh * 3);
  const fx = sw / dw;
  const fy = sh / dh;
  const x0s = new Int32Array(dw), x1s = new Int32Array(dw), wxs = new Float32Array(dw);
  for (let x = 0; x < dw; x++) {
    let sx = (x + 0.5) * fx - 0.5;
    if (sx < 0) sx = 0;
    const x0 = Math.min(Math.floor(sx), sw - 1);
    x0s[x] = x0 * 3;
    x1s[x] = Math.min(x0 + 1, sw - 1) * 3;
    wxs[x] = sx - x0;
  }
  for (let y = 0; y < dh; y++) {
    let sy = (y + 0.5) * fy - 0.5;
    if (sy < 0) sy = 0;
    const y0 = Math.min(Math.floor(sy), sh - 1);
    const y1 = Math.min(y0 + 1, sh - 1);
    const wy = sy - y0;
    const r0 = y0 * sw * 3, r1 = y1 * sw * 3;
    let o = y * dw * 3;
    for (let x = 0; x < dw; x++) {
      const a = x0s[x], b = x1s[x], wx = wxs[x];
      for (let c = 0; c < 3; c++) {
        const top = src[r0 + a + c] + (src[r0 + b + c] - src[r0 + a + c]) * wx;
        const bot = src[r1 + a + c] + (src[r1 + b + c] - src[r1 + a + c]) * wx;
        out[o++] = Math.round(top + (bot - top) * wy);
      }
    }
  }
  return out;
}

/** Area-average downscale: each output pixel averages the source rectangle it covers. */
function resizeArea(src: Uint8Array, sw: number, sh: number, dw: number, dh: number): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  const fx = sw / dw, fy = sh / dh;
  const acc = new Float64Array(3);
  for (let y = 0; y < dh; y++) {
    const ya = y * fy, yb = Math.min(sh, (y + 1) * fy);
    for (let x = 0; x < dw; x++) {
      const xa = x * fx, xb = Math.min(sw, (x + 1) * fx);
      acc[0] = acc[1] = acc[2] = 0;
      let total = 0;
      for (let sy = Math.floor(ya); sy < Math.ceil(yb); sy++) {
        const wy = Math.min(yb, sy + 1) - Math.max(ya, sy);
        if (wy <= 0) continue;
        for (let sx = Math.floor(xa); sx < Math.ceil(xb); sx++) {
          const w = wy * (Math.min(xb, sx + 1) - Math.max(xa, sx));
          if (w <= 0) continue;
          const p = (sy * sw + sx) * 3;
          acc[0] += src[p] * w;
          acc[1] += src[p + 1] * w;
          acc[2] += src[p + 2] * w;
          total += w;
        }
      }
      const o = (y * dw + x) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = Math.round(acc[c] / total);
    }
  }
  return out;
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
  src: Uint8Array, sw: number, sx: number, sy: number, w: number, h: number,
  dst: Uint8Array, dwidth: number, dx: number, dy: number,
): void {
  for (let r = 0; r < h; r++) {
    const s = ((sy + r) * sw + sx) * 3;
    dst.set(src.subarray(s, s + w * 3), ((dy + r) * dwidth + dx) * 3);
  }
}

/** Pads with a constant: top, bottom, left, right. */
export function padRgb(
  src: Uint8Array, w: number, h: number, top: number, bottom: number, left: number, right: number,
  value: number | [number, number, number],
): { data: Uint8Array; width: number; height: number } {
  const width = w + left + right, height = h + top + bottom;
  const out = filledRgb(width, height, value);
  blitRgb(src, w, 0, 0, w, h, out, width, left, top);
  return { data: out, width, height };
}

/**
 * Warps with a 3x3 matrix M (row-major, mapping source -> destination) into a dw x dh
 * image, sampling bilinearly through M's inverse; outside pixels take `border`.
 */
export function warpAffineRgb(
  src: Uint8Array, sw: number, sh: number, M: number[], dw: number, dh: number,
  border: [number, number, number],
): Uint8Array {
  const inv = invert3(M);
  const out = new Uint8Array(dw * dh * 3);
  for (let y = 0; y < dh; y++) {
    for (let x = 0; x < dw; x++) {
      const w = inv[6] * x + inv[7] * y + inv[8];
      const sx = (inv[0] * x + inv[1] * y + inv[2]) / w;
      const sy = (inv[3] * x + inv[4] * y + inv[5]) / w;
      const o = (y * dw + x) * 3;
      const x0 = Math.floor(sx), y0 = Math.floor(sy);
      if (x0 < -1 || y0 < -1 || x0 >= sw || y0 >= sh) {
        out[o] = border[0];
        out[o + 1] = border[1];
        out[o + 2] = border[2];
        continue;
      }
      const ax = sx - x0, ay = sy - y0;
      for (let c = 0; c < 3; c++) {
        const px = (xx: number, yy: number) => (xx < 0 || yy < 0 || xx >= sw || yy >= sh ? border[c] : src[(yy * sw + xx) * 3 + c]);
        const top = px(x0, y0) * (1 - ax) + px(x0 + 1, y0) * ax;
        const bot = px(x0, y0 + 1) * (1 - ax) + px(x0 + 1, y0 + 1) * ax;
        out[o + c] = Math.round(top * (1 - ay) + bot * ay);
      }
    }
  }
  return out;
}

export function matMul3(a: number[], b: number[]): number[] {
  const out = new Array(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j] += a[i * 3 + k] * b[k * 3 + j];
  return out;
}

export function invert3(m: number[]): number[] {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h, B = -(d * i - f * g), C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (Math.abs(det) < 1e-12) throw new RangeError('singular warp matrix');
  return [
    A / det, -(b * i - c * h) / det, (b * f - c * e) / det,
    B / det, (a * i - c * g) / det, -(a * f - c * d) / det,
    C / det, -(a * h - b * g) / det, (a * e - b * d) / det,
  ];
}
