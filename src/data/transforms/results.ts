// The state that flows through a pipeline, and helpers that keep boxes in step with it.
import type { SampleMeta } from '../types';
import type { AnnotationRecord } from '../records';
import type { Rng } from '../rng';

export interface Results {
  index: number;
  record: AnnotationRecord;
  img?: Uint8Array; // RGB HWC; undefined until LoadImageFromFile
  width: number;
  height: number;
  bboxes: Float32Array; // in pixels of `img`
  labels: Int32Array;
  ignore: Uint8Array;
  annotationsLoaded: boolean;
  meta: SampleMeta;
}

/** What a transform may ask of its surroundings: other samples (Mosaic) and warnings. */
export interface PipelineEnv {
  length: number;
  /** Runs `steps` on sample `index` from scratch; null when that sample is unusable. */
  loadRaw(index: number, steps: Transform[], rng: Rng): Promise<Results | null>;
  warn(msg: string): void;
}

export type Transform = {
  name: string;
  apply(r: Results, rng: Rng, env: PipelineEnv): Promise<Results | null> | Results | null;
};

/** Multiplies x by sx and y by sy, then adds (dx, dy). */
export function affineBoxes(b: Float32Array, sx: number, sy: number, dx = 0, dy = 0): Float32Array {
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    out[i] = b[i] * sx + dx;
    out[i + 1] = b[i + 1] * sy + dy;
    out[i + 2] = b[i + 2] * sx + dx;
    out[i + 3] = b[i + 3] * sy + dy;
  }
  return out;
}

export function clipBoxes(b: Float32Array, w: number, h: number): Float32Array {
  const out = new Float32Array(b.length);
  for (let i = 0; i < b.length; i += 4) {
    out[i] = Math.min(Math.max(b[i], 0), w);
    out[i + 1] = Math.min(Math.max(b[i + 1], 0), h);
    out[i + 2] = Math.min(Math.max(b[i + 2], 0), w);
    out[i + 3] = Math.min(Math.max(b[i + 3], 0), h);
  }
  return out;
}

/** Keeps the instances whose flag is true. */
export function selectInstances(r: Results, keep: (i: number) => boolean): void {
  const n = r.labels.length;
  const idx: number[] = [];
  for (let i = 0; i < n; i++) if (keep(i)) idx.push(i);
  if (idx.length === n) return;
  const b = new Float32Array(idx.length * 4);
  idx.forEach((src, k) => b.set(r.bboxes.subarray(src * 4, src * 4 + 4), k * 4));
  r.bboxes = b;
  r.labels = Int32Array.from(idx, (i) => r.labels[i]);
  r.ignore = Uint8Array.from(idx, (i) => r.ignore[i]);
}

/** Reads an (a, b) pair option: a number means (n, n). */
export function pair(v: unknown, name: string, bad: (msg: string) => never): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0], v[1]];
  return bad(`${name} must be a number or a pair of numbers, got ${JSON.stringify(v)}`);
}

export function numberOpt(cfg: any, key: string, dflt: number, bad: (msg: string) => never): number {
  const v = cfg[key];
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isFinite(v)) return bad(`${key} must be a number, got ${JSON.stringify(v)}`);
  return v;
}

export function padValue(v: unknown, dflt: number, bad: (msg: string) => never): [number, number, number] {
  if (v === undefined || v === null) return [dflt, dflt, dflt];
  if (typeof v === 'number') return [v, v, v];
  if (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number')) return v as [number, number, number];
  if (typeof v === 'object' && 'img' in (v as any)) return padValue((v as any).img, dflt, bad);
  return bad(`pad value must be a number, an (r,g,b) triple or dict(img=...), got ${JSON.stringify(v)}`);
}
