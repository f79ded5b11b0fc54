// Reads the MMYOLO reference files (test/fixtures/mmyolo-reference/NAME.pth and NAME.io.pt,
// written by MMYOLO v0.6.0 itself) through the trainer's own PyTorch checkpoint reader, and
// loads their state_dict into a ParamStore by MMYOLO's parameter names.
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readMMEngineCheckpoint } from '../../src/checkpoint/mmengine-read';
import { PyDict } from '../../src/checkpoint/pickle-read';
import { openTorchFile, TorchTensor } from '../../src/checkpoint/torch-read';
import { ParamStore } from '../../src/train/params';

export const REFERENCE_DIR = join(__dirname, '..', 'fixtures', 'mmyolo-reference');

export interface RefTensor {
  shape: number[];
  data: Float32Array;
}

export interface ReferenceCase {
  /** `state_dict.NAME` (float32 entries), `input`, `gt`, `outputs.KIND.LEVEL`. */
  tensors: Map<string, RefTensor>;
  losses: Record<string, number>;
}

/** The head's raw output lists in the order the .io.pt holds them. */
const OUTPUT_KINDS: Record<string, string[]> = {
  yolov5_s_w0125_c4: ['cls_scores', 'bbox_preds', 'objectnesses'],
  demo_yolov8_w0125: ['cls_scores', 'bbox_preds'],
};

export async function readReference(name: string): Promise<ReferenceCase> {
  const tensors = new Map<string, RefTensor>();
  const pth = await openTorchFile(join(REFERENCE_DIR, `${name}.pth`));
  for (const [k, t] of (await readMMEngineCheckpoint(pth)).stateDict) {
    if (t.dtype === 'float32') tensors.set(`state_dict.${k}`, { shape: t.shape, data: await pth.readFloat32(t) });
  }
  await pth.close();
  const io = await openTorchFile(join(REFERENCE_DIR, `${name}.io.pt`));
  const root = io.root as PyDict;
  const read = async (t: TorchTensor): Promise<RefTensor> => ({ shape: t.shape, data: await io.readFloat32(t) });
  tensors.set('input', await read(root.get('input') as TorchTensor));
  tensors.set('gt', gtAsXyxy(name, await read(root.get('gt') as TorchTensor)));
  const outputs = root.get('outputs') as TorchTensor[][];
  for (const [i, kind] of OUTPUT_KINDS[name].entries())
    for (const [lv, t] of outputs[i].entries()) tensors.set(`outputs.${kind}.${lv}`, await read(t));
  const losses = Object.fromEntries([...(root.get('losses') as PyDict)].map(([k, v]) => [String(k), Number(v)]));
  await io.close();
  return { tensors, losses };
}

/** gt rows (image, label, x1, y1, x2, y2) in input pixels. MMYOLO's YOLOv5 fast loss path
 * (_convert_gt_to_norm_format) rewrites the gt tensor in place to normalised (cx, cy, w, h) and the
 * dump was taken after the loss ran: undo that for the YOLOv5 case (160-pixel input). */
function gtAsXyxy(name: string, gt: RefTensor): RefTensor {
  if (!name.startsWith('yolov5')) return gt;
  const d = Float32Array.from(gt.data);
  for (let i = 0; i < d.length; i += 6) {
    const [cx, cy, w, h] = [d[i + 2] * 160, d[i + 3] * 160, d[i + 4] * 160, d[i + 5] * 160];
    [d[i + 2], d[i + 3], d[i + 4], d[i + 5]] = [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];
  }
  return { shape: gt.shape, data: d };
}

/** Copies every state_dict entry into the store (OIHW conv weights become HWIO); returns the
 * names on either side that found no partner, so a test can insist both lists are empty. */
export function loadReferenceState(
  store: ParamStore,
  ref: ReferenceCase,
): { missingInModel: string[]; missingInReference: string[] } {
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
      if (value.shape.join(',') !== v.shape.join(','))
        throw new Error(`${name}: reference [${value.shape}] vs model [${v.shape}]`);
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
