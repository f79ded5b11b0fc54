// Reads the MMYOLO reference tensors (test/fixtures/mmyolo-reference/NAME.tensors.{json,bin},
// converted once from MMYOLO's own .pth/.io.pt by convert_to_raw.py there) and loads their
// state_dict into a ParamStore by MMYOLO's parameter names.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ParamStore } from '../../src/train/params';

export const REFERENCE_DIR = join(__dirname, '..', 'fixtures', 'mmyolo-reference');

export interface RefTensor {
  shape: number[];
  data: Float32Array;
}

export interface ReferenceCase {
  tensors: Map<string, RefTensor>;
  losses: Record<string, number>;
}

export function readReference(name: string): ReferenceCase {
  const index = JSON.parse(readFileSync(join(REFERENCE_DIR, `${name}.tensors.json`), 'utf8'));
  const bin = readFileSync(join(REFERENCE_DIR, `${name}.tensors.bin`));
  const all = new Float32Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength));
  const tensors = new Map<string, RefTensor>();
  for (const t of index.tensors as Array<{ name: string; shape: number[]; offset: number }>) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    tensors.set(t.name, { shape: t.shape, data: all.subarray(t.offset / 4, t.offset / 4 + n) });
  }
  return { tensors, losses: index.losses };
}

/** Copies every state_dict entry into the store (OIHW conv weights become HWIO); returns the
 * names on either side that found no partner, so a test can insist both lists are empty. */
export function loadReferenceState(store: ParamStore, ref: ReferenceCase): { missingInModel: string[]; missingInReference: string[] } {
  const state = store.stateDict();
  const seen = new Set<string>();
  const missingInModel: string[] = [];
  for (const [key, t] of ref.tensors) {
    if (!key.startsWith('state_dict.')) continue;
    const name = key.slice('state_dict.'.length);
    const v = state.get(name);
    if (!v) {
      missingInModel.push(name);
      continue;
    }
    seen.add(name);
    tf.tidy(() => {
      let value = tf.tensor(t.data, t.shape);
      if (t.shape.length === 4) value = value.transpose([2, 3, 1, 0]);
      if (value.shape.join(',') !== v.shape.join(',')) throw new Error(`${name}: reference [${value.shape}] vs model [${v.shape}]`);
      v.assign(value);
    });
  }
  const missingInReference = [...state.keys()].filter((n) => !seen.has(n));
  return { missingInModel, missingInReference };
}

/** NCHW reference tensor -> NHWC data. */
export function nchwToNhwc(t: RefTensor): { shape: number[]; data: Float32Array } {
  const [n, c, h, w] = t.shape;
  const out = new Float32Array(t.data.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ch] = t.data[((b * c + ch) * h + y) * w + x];
  return { shape: [n, h, w, c], data: out };
}

/** Largest |a - b| / (|b| + floor) over two arrays. */
export function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-3): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / (Math.abs(b[i]) + floor));
  return m;
}
