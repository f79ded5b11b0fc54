// OpenCV's cv::resize for 8-bit, 3-channel images, reproduced to the bit, because
// MMCV's imresize is cv2.resize (mmcv/image/geometric.py:116) and MMYOLO's training images
// go through it (keep-ratio resize, letterbox, mosaic tiles). What OpenCV does for uint8:
//
// - INTER_LINEAR: coefficients in fixed point (11 bits), a horizontal pass into int rows,
//   then a vertical pass that drops 4 bits, keeps the high half of each 16x16-bit product
//   and rounds the sum with (v + 2) >> 2 (VResizeLinearVec_32s8u; OpenCV's uint8
//   specialisation of VResizeLinear uses the same formula for the scalar tail).
// - INTER_AREA when shrinking: an exact box mean for integer factors ((sum+2)>>2 for 2x2,
//   sum * float(1/area) otherwise), else the area-weighted sum in float32. A 2x2 shrink with
//   INTER_LINEAR also takes the box-mean path, as in OpenCV.
// - INTER_AREA when enlarging: the linear machinery with OpenCV's "area" coefficients.
// - INTER_NEAREST: floor(x * src/dst), clamped.
//
// float32 arithmetic is emulated with Math.fround; OpenCV's cvRound and saturate_cast round
// half to even.

export type CvInterpolation = 'nearest' | 'bilinear' | 'area';

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;
const f32 = Math.fround;

/** cvRound: nearest integer, halves to even (lrint in the default rounding mode). */
function cvRound(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function satU8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Resizes an RGB HWC byte image as cv2.resize(img, (dw, dh), interpolation=...) does. */
export function cvResize(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  interpolation: CvInterpolation,
): Uint8Array {
  if (!(dw > 0 && dh > 0 && Number.isInteger(dw) && Number.isInteger(dh)))
    throw new RangeError(`resize to ${dw}x${dh}`);
  // cv::resize copies when the size does not change (resize.cpp, cv::resize).
  if (dw === sw && dh === sh) return src.slice();
  const invX = dw / sw,
    invY = dh / sh;
  const scaleX = 1 / invX,
    scaleY = 1 / invY;
  if (interpolation === 'nearest') return resizeNearest(src, sw, sh, dw, dh, scaleX, scaleY);
  const iscaleX = Math.round(scaleX),
    iscaleY = Math.round(scaleY);
  const areaFast = Math.abs(scaleX - iscaleX) < Number.EPSILON && Math.abs(scaleY - iscaleY) < Number.EPSILON;
  let mode = interpolation;
  if (mode === 'bilinear' && areaFast && iscaleX === 2 && iscaleY === 2) mode = 'area';
  if (mode === 'area' && scaleX >= 1 && scaleY >= 1) {
    return areaFast
      ? resizeAreaFast(src, sw, dw, dh, iscaleX, iscaleY)
      : resizeAreaGeneric(src, sw, sh, dw, dh, scaleX, scaleY);
  }
  return resizeLinear(src, sw, sh, dw, dh, scaleX, scaleY, invX, invY, mode === 'area');
}

function resizeNearest(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  scaleX: number,
  scaleY: number,
): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  const xofs = new Int32Array(dw);
  for (let x = 0; x < dw; x++) xofs[x] = Math.min(Math.floor(x * scaleX), sw - 1) * 3;
  for (let y = 0; y < dh; y++) {
    const row = Math.min(Math.floor(y * scaleY), sh - 1) * sw * 3;
    let o = y * dw * 3;
    for (let x = 0; x < dw; x++, o += 3) {
      const p = row + xofs[x];
      out[o] = src[p];
      out[o + 1] = src[p + 1];
      out[o + 2] = src[p + 2];
    }
  }
  return out;
}

/** One axis of the linear tables: source index and the two fixed-point weights per output index. */
function linearTable(sn: number, dn: number, scale: number, inv: number, areaMode: boolean, clampEdges: boolean) {
  const ofs = new Int32Array(dn);
  const w0 = new Int32Array(dn),
    w1 = new Int32Array(dn);
  let max = dn;
  for (let d = 0; d < dn; d++) {
    let s: number, f: number;
    if (!areaMode) {
      f = f32((d + 0.5) * scale - 0.5);
      s = Math.floor(f);
      f = f32(f - s);
    } else {
      s = Math.floor(d * scale);
      f = f32(d + 1 - (s + 1) * inv);
      f = f <= 0 ? 0 : f32(f - Math.floor(f));
    }
    if (clampEdges) {
      // Only the horizontal table is clamped here; rows are clamped when they are fetched.
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s + 1 >= sn) {
        max = Math.min(max, d);
        if (s >= sn - 1) {
          f = 0;
          s = sn - 1;
        }
      }
    }
    ofs[d] = s;
    w0[d] = cvRound(f32(1 - f) * COEF_SCALE);
    w1[d] = cvRound(f * COEF_SCALE);
  }
  return { ofs, w0, w1, max };
}

function resizeLinear(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  scaleX: number,
  scaleY: number,
  invX: number,
  invY: number,
  areaMode: boolean,
): Uint8Array {
  const xt = linearTable(sw, dw, scaleX, invX, areaMode, true);
  const yt = linearTable(sh, dh, scaleY, invY, areaMode, false);
  const width = dw * 3;
  const out = new Uint8Array(dh * width);
  // Horizontal pass of one source row into int32. Consecutive output rows share source rows,
  // so the last two are kept.
  const rows = [new Int32Array(width), new Int32Array(width)];
  const rowOf = [-1, -1];
  const hrow = (sy: number): Int32Array => {
    if (rowOf[0] === sy) return rows[0];
    if (rowOf[1] === sy) return rows[1];
    const slot = rowOf[0] === sy - 1 ? 1 : 0;
    const r = rows[slot];
    rowOf[slot] = sy;
    const base = sy * sw * 3;
    for (let dx = 0, o = 0; dx < dw; dx++, o += 3) {
      const p = base + xt.ofs[dx] * 3;
      if (dx < xt.max) {
        const a = xt.w0[dx],
          b = xt.w1[dx];
        r[o] = src[p] * a + src[p + 3] * b;
        r[o + 1] = src[p + 1] * a + src[p + 4] * b;
        r[o + 2] = src[p + 2] * a + src[p + 5] * b;
      } else {
        r[o] = src[p] * COEF_SCALE;
        r[o + 1] = src[p + 1] * COEF_SCALE;
        r[o + 2] = src[p + 2] * COEF_SCALE;
      }
    }
    return r;
  };
  for (let dy = 0; dy < dh; dy++) {
    const sy0 = yt.ofs[dy];
    const y0 = Math.min(Math.max(sy0, 0), sh - 1),
      y1 = Math.min(Math.max(sy0 + 1, 0), sh - 1);
    const S0 = hrow(y0);
    const S1 = y1 === y0 ? S0 : hrow(y1);
    const b0 = yt.w0[dy],
      b1 = yt.w1[dy];
    const o = dy * width;
    // b0 + b1 = 2048 and S <= 255 * 2048, so the result is always within 0..255.
    for (let x = 0; x < width; x++) out[o + x] = (((b0 * (S0[x] >> 4)) >> 16) + ((b1 * (S1[x] >> 4)) >> 16) + 2) >> 2;
  }
  return out;
}

/** Integer shrink factors: the mean of each kx*ky block. */
function resizeAreaFast(src: Uint8Array, sw: number, dw: number, dh: number, kx: number, ky: number): Uint8Array {
  const out = new Uint8Array(dw * dh * 3);
  const stride = sw * 3;
  const area = kx * ky;
  const scale = f32(1 / area);
  for (let dy = 0; dy < dh; dy++) {
    const row = dy * ky * stride;
    let o = dy * dw * 3;
    for (let dx = 0; dx < dw; dx++, o += 3) {
      const p = row + dx * kx * 3;
      for (let c = 0; c < 3; c++) {
        let sum = 0;
        for (let j = 0; j < ky; j++) for (let i = 0; i < kx; i++) sum += src[p + j * stride + i * 3 + c];
        // 2x2 has its own rounding in OpenCV (ResizeAreaFastVec): (sum + 2) >> 2.
        out[o + c] = area === 4 && kx === 2 ? (sum + 2) >> 2 : satU8(cvRound(f32(sum * scale)));
      }
    }
  }
  return out;
}

/** OpenCV's computeResizeAreaTab: (dest index, source index, weight) triples for one axis. */
function areaTable(sn: number, dn: number, scale: number): { di: Int32Array; si: Int32Array; alpha: Float32Array } {
  const di: number[] = [],
    si: number[] = [],
    alpha: number[] = [];
  let d = 0;
  const push = (s: number, weight: number) => {
    di.push(d);
    si.push(s);
    alpha.push(weight);
  };
  for (; d < dn; d++) {
    const fs1 = d * scale;
    const fs2 = fs1 + scale;
    const cell = Math.min(scale, sn - fs1);
    let s1 = Math.ceil(fs1);
    let s2 = Math.floor(fs2);
    s2 = Math.min(s2, sn - 1);
    s1 = Math.min(s1, s2);
    if (s1 - fs1 > 1e-3) push(s1 - 1, (s1 - fs1) / cell);
    for (let s = s1; s < s2; s++) push(s, 1 / cell);
    if (fs2 - s2 > 1e-3) push(s2, Math.min(Math.min(fs2 - s2, 1), cell) / cell);
  }
  return { di: Int32Array.from(di), si: Int32Array.from(si), alpha: Float32Array.from(alpha) };
}

/** Non-integer shrink: area-weighted sums in float32, row by row, as OpenCV's resizeArea_. */
function resizeAreaGeneric(
  src: Uint8Array,
  sw: number,
  sh: number,
  dw: number,
  dh: number,
  scaleX: number,
  scaleY: number,
): Uint8Array {
  const xt = areaTable(sw, dw, scaleX);
  const yt = areaTable(sh, dh, scaleY);
  const width = dw * 3;
  const out = new Uint8Array(dh * width);
  const buf = new Float32Array(width);
  const sum = new Float32Array(width);
  let prev = yt.di[0];
  for (let j = 0; j < yt.di.length; j++) {
    const beta = yt.alpha[j],
      dy = yt.di[j],
      row = yt.si[j] * sw * 3;
    buf.fill(0);
    for (let k = 0; k < xt.di.length; k++) {
      const s = row + xt.si[k] * 3,
        d = xt.di[k] * 3,
        a = xt.alpha[k];
      buf[d] = f32(buf[d] + f32(src[s] * a));
      buf[d + 1] = f32(buf[d + 1] + f32(src[s + 1] * a));
      buf[d + 2] = f32(buf[d + 2] + f32(src[s + 2] * a));
    }
    if (dy !== prev) {
      const o = prev * width;
      for (let x = 0; x < width; x++) {
        out[o + x] = satU8(cvRound(sum[x]));
        sum[x] = f32(beta * buf[x]);
      }
      prev = dy;
    } else {
      for (let x = 0; x < width; x++) sum[x] = f32(sum[x] + f32(beta * buf[x]));
    }
  }
  const o = prev * width;
  for (let x = 0; x < width; x++) out[o + x] = satU8(cvRound(sum[x]));
  return out;
}
