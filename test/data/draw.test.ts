import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classColour, drawDetections } from '../../src/data/draw';
import { decodeImageBuffer, encodePng } from '../../src/data/image';

const grey = (w: number, h: number) => new Uint8Array(w * h * 3).fill(128);
const px = (img: Uint8Array, w: number, x: number, y: number) =>
  Array.from(img.subarray((y * w + x) * 3, (y * w + x) * 3 + 3));

test('boxes are outlined in the class colour, interiors untouched, low scores skipped, input not modified', () => {
  const w = 160,
    h = 120,
    src = grey(w, h);
  const dets = {
    imageId: 'x',
    bboxes: Float32Array.of(40, 50, 100, 110, 10, 10, 30, 30),
    scores: Float32Array.of(0.9, 0.1),
    labels: Int32Array.of(2, 0),
  };
  const out = drawDetections(src, w, h, dets, ['cat', 'dog', 'bird']);
  assert.deepEqual(px(out, w, 40, 80), classColour(2)); // left edge
  assert.deepEqual(px(out, w, 99, 80), classColour(2)); // right edge (x2 exclusive)
  assert.deepEqual(px(out, w, 70, 80), [128, 128, 128]); // interior
  assert.deepEqual(px(out, w, 10, 20), [128, 128, 128]); // score .1 < .3: not drawn
  // The label sits above the box in a filled tag with black text.
  const tag = Array.from({ length: 7 }, (_, dy) => px(out, w, 41, 43 + dy));
  assert.ok(tag.some((p) => p.join() === classColour(2).join()));
  let black = 0;
  for (let y = 43; y < 50; y++) for (let x = 40; x < 100; x++) if (px(out, w, x, y).join() === '0,0,0') black++;
  assert.ok(black > 20, `label text pixels: ${black}`);
  assert.ok(src.every((v) => v === 128));
});

test('drawn image encodes to a PNG that decodes back identically', () => {
  const w = 64,
    h = 48;
  const out = drawDetections(
    grey(w, h),
    w,
    h,
    { imageId: 'x', bboxes: Float32Array.of(-5, -5, 80, 20), scores: Float32Array.of(1), labels: Int32Array.of(7) },
    ['a'],
  );
  const back = decodeImageBuffer(encodePng(out, w, h), 'drawn.png');
  assert.deepEqual([back.width, back.height], [w, h]);
  assert.deepEqual(back.data, out);
  assert.notDeepEqual(classColour(0), classColour(1));
});
