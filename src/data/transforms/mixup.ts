// MMYOLO's YOLOv5MixUp: blends the sample with another one (run through pre_transform,
// usually Mosaic + RandomAffine, so both have the same size) with a Beta(alpha, beta)
// ratio; the boxes of both are kept.
import type { Rng } from '../rng';
import { numberOpt, type Transform } from './results';

/** Gamma(shape, 1) by Marsaglia and Tsang's method (shape < 1 via the boost u^(1/shape)). */
function gamma(rng: Rng, shape: number): number {
  if (shape < 1) return gamma(rng, shape + 1) * Math.pow(1 - rng.next(), 1 / shape);
  const d = shape - 1 / 3,
    c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number, v: number;
    do {
      x = rng.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng.next();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function betaSample(rng: Rng, a: number, b: number): number {
  const x = gamma(rng, a),
    y = gamma(rng, b);
  return x / (x + y);
}

export function mixUp(cfg: any, bad: (msg: string) => never, preTransform: Transform[]): Transform {
  const alpha = numberOpt(cfg, 'alpha', 32, bad),
    beta = numberOpt(cfg, 'beta', 32, bad);
  const prob = numberOpt(cfg, 'prob', 1, bad);
  if (!(alpha > 0 && beta > 0)) bad('alpha and beta must be positive');
  return {
    name: 'YOLOv5MixUp',
    async apply(r, rng, env) {
      if (rng.next() > prob || !r.img) return r;
      let other = null;
      for (let tries = 0; tries < 15 && !other?.img; tries++)
        other = await env.loadRaw(rng.int(env.length), preTransform, rng);
      if (!other?.img) throw new Error('YOLOv5MixUp could not load a usable extra sample');
      if (other.width !== r.width || other.height !== r.height) {
        throw new Error(
          `YOLOv5MixUp: the mixed-in sample is ${other.width}x${other.height}, this one ${r.width}x${r.height}; give pre_transform the same resizing steps`,
        );
      }
      const ratio = betaSample(rng, alpha, beta);
      const a = r.img,
        o = other.img;
      const out = new Uint8Array(a.length);
      // uint8 cast of the blended float image truncates, as numpy's astype does.
      for (let i = 0; i < a.length; i++) out[i] = a[i] * ratio + o[i] * (1 - ratio);
      r.img = out;
      const n = r.labels.length,
        m = other.labels.length;
      const boxes = new Float32Array((n + m) * 4);
      boxes.set(r.bboxes);
      boxes.set(other.bboxes, n * 4);
      const labels = new Int32Array(n + m);
      labels.set(r.labels);
      labels.set(other.labels, n);
      const ignore = new Uint8Array(n + m);
      ignore.set(r.ignore);
      ignore.set(other.ignore, n);
      r.bboxes = boxes;
      r.labels = labels;
      r.ignore = ignore;
      return r;
    },
  };
}
