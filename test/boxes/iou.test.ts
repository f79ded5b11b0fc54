import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxIoU, ciouAt, iouAt } from '../../src/boxes/iou';

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} != ${b}`);

test('IoU of two 10x10 boxes overlapping in a 5x5 corner is 25/175', () => {
  const a = [0, 0, 10, 10];
  const b = [5, 5, 15, 15];
  close(iouAt(a, 0, b, 0), 25 / 175);
});

test('IoU matrix: identical, disjoint, touching and contained boxes', () => {
  const a = new Float32Array([0, 0, 10, 10, 20, 20, 30, 30]);
  const b = new Float32Array([0, 0, 10, 10, 10, 0, 20, 10, 2, 2, 4, 4]);
  const m = boxIoU(a, b);
  assert.equal(m.length, 6);
  close(m[0], 1); // identical
  close(m[1], 0); // touching edges share no area
  close(m[2], 4 / 100); // 2x2 inside 10x10
  close(m[3], 0);
  close(m[4], 0);
  close(m[5], 0);
});

test('IoF divides by the first box area (crowd regions)', () => {
  const m = boxIoU([2, 2, 4, 4], [0, 0, 10, 10], 'iof');
  close(m[0], 1);
});

test('degenerate boxes have zero IoU instead of NaN', () => {
  close(iouAt([5, 5, 5, 5], 0, [5, 5, 5, 5], 0), 0);
});

test('CIoU with equal aspect ratios is IoU minus the normalised centre distance', () => {
  // IoU = 2/6; enclosing box 3x2 -> c^2 = 13; centres (1,1),(2,1) -> rho^2 = 1; v = 0.
  close(ciouAt([0, 0, 2, 2], 0, [1, 0, 3, 2], 0), 1 / 3 - 1 / 13, 1e-6);
});

test('CIoU with different aspect ratios includes the alpha*v term', () => {
  // IoU = 4/8; c^2 = 4^2+2^2 = 20; rho^2 = 1; v = 4/pi^2*(atan 2 - atan 1)^2 = 0.0419563;
  // alpha = v/(1-0.5+v) = 0.0774161 -> 0.5 - 0.05 - 0.0032481 = 0.4467519
  close(ciouAt([0, 0, 2, 2], 0, [0, 0, 4, 2], 0), 0.4467519, 1e-5);
});
