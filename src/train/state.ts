// Moves model/EMA/optimizer state in and out of checkpoints, and load_from's partial load.
import * as tf from '@tensorflow/tfjs';
import { Checkpoint, TensorBlob } from './checkpoint';
import { ExpMomentumEMA } from './ema';
import { Optimizer } from './optim';
import { ParamStore } from './params';

function blob(v: tf.Tensor): TensorBlob {
  return { shape: v.shape.slice(), data: Float32Array.from(v.dataSync() as Float32Array) };
}

/** Model and optimizer state; the EMA hook adds its copy (emaIntoCheckpoint). */
export function collectState(store: ParamStore, opt: Optimizer | undefined, meta: Record<string, any>): Checkpoint {
  const tensors = new Map<string, TensorBlob>();
  for (const [n, v] of store.stateDict()) tensors.set(n, blob(v));
  if (opt) for (const [n, slots] of opt.state.slots) slots.forEach((s, i) => tensors.set(`optim.${n}.${i}`, blob(s)));
  return { meta: { ...meta, ema_steps: 0, optim_step: opt?.state.step ?? 0 }, tensors };
}

/** Adds the EMA copy (`ema.` prefixed tensors and its step count) to a checkpoint. */
export function emaIntoCheckpoint(ema: ExpMomentumEMA, ck: Checkpoint): void {
  for (const [n, v] of ema.shadow) ck.tensors.set(`ema.${n}`, blob(v));
  ck.meta.ema_steps = ema.steps;
}

/** Restores the EMA copy from a checkpoint written with one (tensors it lacks keep their values). */
export function emaFromCheckpoint(ck: Checkpoint, ema: ExpMomentumEMA): void {
  tf.tidy(() => {
    for (const [n, v] of ema.shadow) {
      const t = ck.tensors.get(`ema.${n}`);
      if (t) assign(v, t, `ema.${n}`);
    }
  });
  ema.steps = ck.meta.ema_steps ?? 0;
}

function assign(v: tf.Variable, t: TensorBlob, name: string): void {
  if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`checkpoint: ${name} has shape [${t.shape}] but the model expects [${v.shape}]`);
  v.assign(tf.tensor(t.data, t.shape));
}

/** Full restore for --resume: every tensor must be there with the same shape. */
export function restoreState(ck: Checkpoint, store: ParamStore, opt?: Optimizer): void {
  tf.tidy(() => {
    for (const [n, v] of store.stateDict()) {
      const t = ck.tensors.get(n);
      if (!t) throw new Error(`checkpoint: missing ${n} (was it written for another config?)`);
      assign(v, t, n);
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
