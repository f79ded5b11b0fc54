// Moves model/EMA/optimizer state in and out of checkpoints, and load_from's partial load.
import * as tf from '@tensorflow/tfjs';
import { Checkpoint, TensorBlob } from './checkpoint';
import { ExpMomentumEMA } from './ema';
import { Optimizer } from './optim';
import { ParamStore } from './params';
import { fromTorchLayout, isBatchCount, sameShape, torchShape } from '../checkpoint/mmyolo-params';

function blob(v: tf.Tensor): TensorBlob {
  return { shape: v.shape.slice(), data: Float32Array.from(v.dataSync() as Float32Array) };
}

export function collectState(store: ParamStore, ema: ExpMomentumEMA | undefined, opt: Optimizer | undefined, meta: Record<string, any>): Checkpoint {
  const tensors = new Map<string, TensorBlob>();
  for (const [n, v] of store.stateDict()) tensors.set(n, blob(v));
  if (ema) for (const [n, v] of ema.shadow) tensors.set(`ema.${n}`, blob(v));
  if (opt) for (const [n, slots] of opt.state.slots) slots.forEach((s, i) => tensors.set(`optim.${n}.${i}`, blob(s)));
  return { meta: { ...meta, ema_steps: ema?.steps ?? 0, optim_step: opt?.state.step ?? 0 }, tensors };
}

function assign(v: tf.Variable, t: TensorBlob, name: string): void {
  if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`checkpoint: ${name} has shape [${t.shape}] but the model expects [${v.shape}]`);
  v.assign(tf.tensor(t.data, t.shape));
}

/** Full restore for --resume: every tensor must be there with the same shape. */
export function restoreState(ck: Checkpoint, store: ParamStore, ema?: ExpMomentumEMA, opt?: Optimizer): void {
  tf.tidy(() => {
    for (const [n, v] of store.stateDict()) {
      const t = ck.tensors.get(n);
      if (!t) throw new Error(`checkpoint: missing ${n} (was it written for another config?)`);
      assign(v, t, n);
    }
    if (ema) {
      for (const [n, v] of ema.shadow) {
        const t = ck.tensors.get(`ema.${n}`);
        if (t) assign(v, t, `ema.${n}`);
      }
      ema.steps = ck.meta.ema_steps ?? 0;
    }
    if (opt) {
      for (const [n, slots] of opt.state.slots) slots.forEach((s, i) => {
        const t = ck.tensors.get(`optim.${n}.${i}`);
        if (t) assign(s, t, `optim.${n}.${i}`);
      });
      opt.state.step = ck.meta.optim_step ?? 0;
    }
  });
}

/** load_from: weights whose names and shapes match are loaded (EMA weights preferred, as
 * MMYOLO's EMA checkpoints are what people fine-tune from); the rest are listed. */
export function loadPartial(ck: Checkpoint, store: ParamStore): { loaded: number; skipped: string[] } {
  const skipped: string[] = [];
  let loaded = 0;
  tf.tidy(() => {
    for (const [n, v] of store.stateDict()) {
      const t = ck.tensors.get(`ema.${n}`) ?? ck.tensors.get(n);
      if (!t) skipped.push(`${n} (missing)`);
      else if (t.shape.join(',') !== v.shape.join(',')) skipped.push(`${n} (shape [${t.shape}] vs [${v.shape}])`);
      else {
        v.assign(tf.tensor(t.data, t.shape));
        loaded++;
      }
    }
  });
  return { loaded, skipped };
}

// ---------------------------------------------------------------- PyTorch checkpoints

/** One tensor of a checkpoint, read on demand; `layout` says whether convolutions are OIHW. */
export interface TensorSource {
  shape: number[];
  layout: 'torch' | 'tfjs';
  read(): Promise<Float32Array>;
}

export type WeightMap = Map<string, TensorSource>;

/** What a load did, as MMEngine's load_state_dict reports it. */
export interface LoadReport {
  loaded: string[];
  /** In the model, not in the checkpoint (num_batches_tracked excepted, as MMEngine does). */
  missing: string[];
  /** In the checkpoint, not in the model. */
  unexpected: string[];
  /** Same name, other shape: skipped. Shapes are PyTorch's. */
  mismatched: Array<{ name: string; checkpoint: number[]; model: number[] }>;
}

/**
 * Copies every checkpoint tensor whose name and shape match into `vars` (name -> variable, the
 * model's or the EMA's). BatchNorm num_batches_tracked values go to `counts` when given.
 */
export async function loadWeights(weights: WeightMap, vars: Map<string, tf.Variable>, counts?: Map<string, number>): Promise<LoadReport> {
  const r: LoadReport = { loaded: [], missing: [], unexpected: [], mismatched: [] };
  for (const [name, v] of vars) {
    const src = weights.get(name);
    if (!src) {
      r.missing.push(name);
      continue;
    }
    const want = src.layout === 'torch' ? torchShape(name, v.shape) : v.shape;
    if (!sameShape(src.shape, want)) {
      r.mismatched.push({ name, checkpoint: src.shape, model: torchShape(name, v.shape) });
      continue;
    }
    const raw = await src.read();
    const data = src.layout === 'torch' ? fromTorchLayout(raw, v.shape) : raw;
    tf.tidy(() => v.assign(tf.tensor(data, v.shape)));
    r.loaded.push(name);
  }
  for (const [name, src] of weights) {
    if (vars.has(name)) continue;
    if (isBatchCount(name)) {
      if (vars.has(name.replace(/num_batches_tracked$/, 'running_mean'))) {
        if (counts) counts.set(name, (await src.read())[0] ?? 0);
        continue;
      }
    }
    r.unexpected.push(name);
  }
  return r;
}

/** MMEngine's warning text for a load that did not match exactly, one line per kind. */
export function describeLoad(r: LoadReport, max = 8): string[] {
  const list = (names: string[]) => names.slice(0, max).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');
  const lines: string[] = [];
  if (r.mismatched.length)
    lines.push(`size mismatch, skipped: ${r.mismatched.slice(0, max).map((m) => `${m.name} (checkpoint [${m.checkpoint}], model [${m.model}])`).join(', ')}${r.mismatched.length > max ? ` and ${r.mismatched.length - max} more` : ''}`);
  if (r.unexpected.length) lines.push(`unexpected key in source state_dict: ${list(r.unexpected)}`);
  if (r.missing.length) lines.push(`missing keys in source state_dict: ${list(r.missing)}`);
  return lines;
}
