// Draws detection rectangles (2 px, one colour per class) into an RGB image in place,
// for `yololab test --show-dir`. Labels are shown by colour; the legend goes to the log.
import { Detections } from '../data/types';

const PALETTE: Array<[number, number, number]> = [
  [255, 56, 56], [56, 56, 255], [56, 200, 56], [255, 200, 0], [200, 56, 255], [0, 200, 200], [255, 128, 0], [128, 128, 128],
];

export function drawBoxes(rgb: Uint8Array, w: number, h: number, det: Detections, _classes: string[], scoreThr: number): number {
  let drawn = 0;
  const put = (x: number, y: number, c: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= w || y >= h) return;
    const o = (y * w + x) * 3;
    rgb[o] = c[0];
    rgb[o + 1] = c[1];
    rgb[o + 2] = c[2];
  };
  for (let i = 0; i < det.scores.length; i++) {
    if (det.scores[i] < scoreThr) continue;
    const c = PALETTE[det.labels[i] % PALETTE.length];
    const [x1, y1, x2, y2] = [0, 1, 2, 3].map((k) => Math.round(det.bboxes[i * 4 + k]));
    for (let t = 0; t < 2; t++) {
      for (let x = x1; x <= x2; x++) (put(x, y1 + t, c), put(x, y2 - t, c));
      for (let y = y1; y <= y2; y++) (put(x1 + t, y, c), put(x2 - t, y, c));
    }
    drawn++;
  }
  return drawn;
}
