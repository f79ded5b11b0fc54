import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resizeRgb, warpAffineRgb, padRgb } from '../../src/data/image-ops';

const img = (w: number, h: number, f: (x: number, y: number) => number) => {
  const out = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.fill(f(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
  return out;
};

test('area shrink by 2 averages 2x2 blocks; bilinear upscale by 2 interpolates with half-pixel centres', () => {
  const src = img(4, 2, (x, y) => x * 10 + y * 100); // rows: 0 10 20 30 / 100 110 120 130
  assert.deepEqual(Array.from(resizeRgb(src, 4, 2, 2, 1, 'area').filter((_, i) => i % 3 === 0)), [55, 75]);
  // 2 -> 4 pixels: centres at -0.25 (clamped 0), 0.25, 0.75, 1.25 (clamped to the last pixel)
  const up = resizeRgb(
    img(2, 1, (x) => x * 100),
    2,
    1,
    4,
    1,
    'bilinear',
  );
  assert.deepEqual(Array.from(up.filter((_, i) => i % 3 === 0)), [0, 25, 75, 100]);
});

test('a 1.5x area shrink weights partly covered pixels (cv2.INTER_AREA)', () => {
  // 3 pixels 0, 90, 180 -> 2 pixels: [0, 1.5) = (0 + 0.5*90)/1.5 = 30, [1.5, 3) = (0.5*90 + 180)/1.5 = 150
  const out = resizeRgb(
    img(3, 1, (x) => x * 90),
    3,
    1,
    2,
    1,
    'area',
  );
  assert.deepEqual(Array.from(out.filter((_, i) => i % 3 === 0)), [30, 150]);
});

test('identity warp reproduces the image; translation fills the border', () => {
  const src = img(5, 4, (x, y) => 10 * x + 50 * y);
  assert.deepEqual(warpAffineRgb(src, 5, 4, [1, 0, 0, 0, 1, 0, 0, 0, 1], 5, 4, [7, 7, 7]), src);
  const moved = warpAffineRgb(src, 5, 4, [1, 0, 2, 0, 1, 0, 0, 0, 1], 5, 4, [7, 7, 7]);
  assert.equal(moved[0], 7); // column 0 came from x = -2
  assert.equal(moved[(0 * 5 + 2) * 3], src[0]); // column 2 came from x = 0
});

test('padding puts the image at (left, top) inside the fill value', () => {
  const p = padRgb(
    img(2, 2, () => 200),
    2,
    2,
    1,
    0,
    2,
    1,
    114,
  );
  assert.deepEqual([p.width, p.height], [5, 3]);
  const at = (x: number, y: number) => p.data[(y * 5 + x) * 3];
  assert.deepEqual([at(0, 0), at(2, 1), at(3, 2), at(4, 2), at(1, 1)], [114, 200, 200, 114, 114]);
});
