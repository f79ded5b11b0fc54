// RandomFlip (horizontal): mirrors the image and the boxes.
import { flipBoxes } from './loading';
import type { Transform } from './results';

export function flipImage(img: Uint8Array, w: number, h: number): Uint8Array {
  const out = new Uint8Array(img.length);
  for (let y = 0; y < h; y++) {
    const row = y * w * 3;
    for (let x = 0; x < w; x++) {
      const s = row + x * 3,
        d = row + (w - 1 - x) * 3;
      out[d] = img[s];
      out[d + 1] = img[s + 1];
      out[d + 2] = img[s + 2];
    }
  }
  return out;
}

export function randomFlip(cfg: any, bad: (msg: string) => never): Transform {
  const prob = cfg.prob ?? cfg.flip_ratio ?? 0.5;
  if (typeof prob !== 'number' || prob < 0 || prob > 1)
    bad(`prob must be a number in [0, 1], got ${JSON.stringify(prob)}`);
  const direction = cfg.direction ?? 'horizontal';
  if (direction !== 'horizontal') bad(`only direction='horizontal' is supported, got ${JSON.stringify(direction)}`);
  return {
    name: 'RandomFlip',
    apply(r, rng) {
      // Draw even when prob is 0 or 1 so the random stream does not depend on prob.
      if (!(rng.next() < prob) || !r.img) return r;
      r.img = flipImage(r.img, r.width, r.height);
      r.bboxes = flipBoxes(r.bboxes, r.width);
      r.meta.flip = !r.meta.flip;
      return r;
    },
  };
}
