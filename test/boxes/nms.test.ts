import { test } from 'node:test';
import assert from 'node:assert/strict';
import { batchedNms, nms } from '../../src/boxes/nms';

// Box 0 and 1 overlap with IoU 81/119 = 0.68; box 2 overlaps box 0 with IoU 25/175 = 0.14;
// box 3 is far away.
const boxes = new Float32Array([0, 0, 10, 10, 1, 1, 11, 11, 5, 5, 15, 15, 50, 50, 60, 60]);

test('nms drops boxes above the IoU threshold and returns kept indices by score', () => {
  assert.deepEqual(nms(boxes, [0.9, 0.8, 0.7, 0.6], 0.5), [0, 2, 3]);
});

test('nms: a lower-scored box cannot suppress; suppression follows score order', () => {
  // box 1 now wins, suppresses box 0 (IoU .68); box 2 vs box 1: IoU 36/164=.22 kept.
  assert.deepEqual(nms(boxes, [0.8, 0.9, 0.7, 0.6], 0.5), [1, 2, 3]);
});

test('nms with a threshold below every overlap keeps only non-overlapping boxes', () => {
  assert.deepEqual(nms(boxes, [0.9, 0.8, 0.7, 0.6], 0.1), [0, 3]);
});

test('nms threshold is strict: IoU equal to the threshold is kept', () => {
  const b = [0, 0, 10, 10, 0, 0, 10, 5]; // IoU = 50/100 = 0.5
  assert.deepEqual(nms(b, [1, 0.5], 0.5), [0, 1]);
  assert.deepEqual(nms(b, [1, 0.5], 0.49), [0]);
});

test('batchedNms never suppresses across classes and caps at maxPerImg', () => {
  const labels = [0, 1, 0, 0];
  // box 1 has another label, so it survives despite IoU .68 with box 0.
  assert.deepEqual(batchedNms(boxes, [0.9, 0.8, 0.7, 0.6], labels, 0.5), [0, 1, 2, 3]);
  assert.deepEqual(batchedNms(boxes, [0.9, 0.8, 0.7, 0.6], labels, 0.5, 2), [0, 1]);
  assert.deepEqual(batchedNms(boxes, [0.9, 0.8, 0.7, 0.6], [0, 0, 0, 0], 0.5), [0, 2, 3]);
});

test('nms of nothing is nothing', () => {
  assert.deepEqual(nms(new Float32Array(0), [], 0.5), []);
  assert.deepEqual(batchedNms(new Float32Array(0), [], [], 0.5, 10), []);
});
