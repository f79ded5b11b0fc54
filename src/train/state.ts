// Moves model/EMA/optimizer state in and out of checkpoints: load_from's partial load (with
// MMEngine's report of missing, unexpected and mis-shaped keys), --resume's full restore, and
// the grouping torch.optim uses for the optimizer state.
import * as tf from '@tensorflow/tfjs';
import { ExpMomentumEMA } from './ema';
import { Optimizer, ParamGroup } from './optim';
import { ParamStore } from './params';
import { fromTorchLayout, isBatchCount, sameShape, stateDictOrder, torchShape } from '../checkpoint/mmyolo-params';
import { CheckpointError } from '../checkpoint/errors';
import type { LossScaler } from './amp';
import type { LoadedCheckpoint, OptimizerSnapshot } from './checkpoint';
import { baseType } from './registry';

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
export async function loadWeights(
  weights: WeightMap,
  vars: Map<string, tf.Variable>,
  counts?: Map<string, number>,
): Promise<LoadReport> {
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
  const list = (names: string[]) =>
    names.slice(0, max).join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');
  const lines: string[] = [];
  if (r.mismatched.length)
    lines.push(
      `size mismatch, skipped: ${r.mismatched
        .slice(0, max)
        .map((m) => `${m.name} (checkpoint [${m.checkpoint}], model [${m.model}])`)
        .join(', ')}${r.mismatched.length > max ? ` and ${r.mismatched.length - max} more` : ''}`,
    );
  if (r.unexpected.length) lines.push(`unexpected key in source state_dict: ${list(r.unexpected)}`);
  if (r.missing.length) lines.push(`missing keys in source state_dict: ${list(r.missing)}`);
  return lines;
}

/**
 * The parameter groups torch.optim holds for this model, by name, in MMYOLO's order:
 * YOLOv5OptimizerConstructor's three (weights of non-BN layers, BN weights, biases, each in
 * module order, frozen ones included); MMEngine's default constructor: one group of all
 * parameters, or one group per parameter when paramwise_cfg is set.
 */
export function torchParamGroups(store: ParamStore, wrapper: Record<string, any>): string[][] {
  const names = stateDictOrder(store.params.keys(), store.buffers.keys())
    .filter((e) => e.kind === 'param')
    .map((e) => e.name);
  const ctor =
    Object.prototype.hasOwnProperty.call(wrapper, 'constructor') && typeof wrapper.constructor === 'string'
      ? baseType(wrapper.constructor)
      : undefined;
  if (ctor === 'YOLOv5OptimizerConstructor') {
    const kinds = ['conv', 'norm', 'bias'];
    return kinds.map((k) => names.filter((n) => store.params.get(n)!.kind === k));
  }
  if (wrapper.paramwise_cfg) return names.map((n) => [n]);
  return [names];
}

/** num_batches_tracked per BatchNorm: the value loaded, plus the training steps since, unless frozen. */
export class BatchCounts {
  readonly base = new Map<string, number>();
  steps = 0;
  constructor(private store: ParamStore) {}
  value(name: string): number {
    const b = this.base.get(name) ?? 0;
    return this.store.frozen.has(name.replace(/num_batches_tracked$/, 'running_mean')) ? b : b + this.steps;
  }
}

function fitError(ck: LoadedCheckpoint, r: LoadReport, total: number): CheckpointError {
  const first = [
    ...r.mismatched.slice(0, 3).map((m) => `${m.name} is [${m.checkpoint}] in the file, [${m.model}] in the model`),
    ...r.missing.slice(0, 3 - Math.min(3, r.mismatched.length)).map((n) => `${n} is missing`),
  ];
  const unexpected = r.unexpected.length
    ? `; the file has ${r.unexpected.length} tensors this model lacks, e.g. ${r.unexpected.slice(0, 2).join(', ')}`
    : '';
  return new CheckpointError(
    ck.file,
    `does not fit this config's model: ${r.loaded.length} of ${total} tensors match (${first.join('; ')}${unexpected})`,
  );
}

/**
 * load_from: every tensor whose name and shape match is loaded (state_dict, i.e. the EMA
 * weights of an EMA run, as MMEngine loads it); class layers of another num_classes are
 * skipped and reported. A file that matches less than half the model is another
 * architecture: an error, not a silent mostly-random start.
 */
export async function loadPretrained(
  ck: LoadedCheckpoint,
  store: ParamStore,
  counts?: BatchCounts,
): Promise<LoadReport> {
  const vars = store.stateDict();
  const r = await loadWeights(ck.inference, vars, counts?.base);
  if (r.loaded.length < vars.size / 2) throw fitError(ck, r, vars.size);
  return r;
}

/** yololab test: the checkpoint must fill the whole model. */
export async function loadForInference(ck: LoadedCheckpoint, store: ParamStore): Promise<void> {
  const vars = store.stateDict();
  const r = await loadWeights(ck.inference, vars);
  if (r.missing.length || r.mismatched.length) throw fitError(ck, r, vars.size);
}

/**
 * EMAHook.after_load_checkpoint: on resume the EMA gets the checkpoint's EMA weights (or, when
 * it has none, a copy of the model, with MMEngine's warning); after load_from it copies the model.
 */
export async function restoreEma(
  ck: LoadedCheckpoint,
  ema: ExpMomentumEMA,
  store: ParamStore,
  resumed: boolean,
): Promise<string[]> {
  const vars = store.stateDict();
  const copy = () => tf.tidy(() => ema.shadow.forEach((v, n) => v.assign(vars.get(n)!)));
  if (!resumed) {
    copy();
    return [];
  }
  ema.steps = ck.emaSteps ?? 0;
  if (!ck.resumeEma) {
    copy();
    return ['there is no ema_state_dict in the checkpoint: the EMA starts as a copy of the model (as MMEngine does)'];
  }
  const r = await loadWeights(ck.resumeEma, ema.shadow);
  if (r.missing.length || r.mismatched.length) throw fitError(ck, r, ema.shadow.size);
  return [];
}

export interface ResumePoint {
  epoch: number;
  iter: number;
  iterInEpoch: number;
  bestMetric: number;
  warnings: string[];
}

/** --resume: model, optimizer and loss scale as they were (the EMA hook restores its copy); the model must match exactly. */
export async function restoreTraining(
  ck: LoadedCheckpoint,
  t: {
    store: ParamStore;
    opt?: Optimizer;
    scaler?: LossScaler;
    optimWrapper?: Record<string, any>;
    counts?: BatchCounts;
  },
): Promise<ResumePoint> {
  const warnings: string[] = [];
  const vars = t.store.stateDict();
  const r = await loadWeights(ck.resumeModel, vars, t.counts?.base);
  if (r.missing.length || r.mismatched.length) throw fitError(ck, r, vars.size);
  const y = ck.meta.yololab ?? {};
  if (t.opt) {
    const snap = ck.optimizerByName ?? resolveOptimizer(ck, t.store, t.optimWrapper ?? {}, warnings);
    if (snap) {
      const byParam = new Map<string, ParamGroup>();
      for (const g of t.opt.groups) for (const p of g.params) byParam.set(p.name, g);
      for (const [name, slots] of t.opt.state.slots) {
        const s = snap.byName.get(name);
        if (!s) continue;
        const keys = t.opt.type === 'SGD' ? ['momentum_buffer'] : ['exp_avg', 'exp_avg_sq'];
        for (let i = 0; i < keys.length; i++) {
          const src = s.get(keys[i]);
          if (!src || typeof src === 'number') continue;
          const v = slots[i];
          const raw = await src.read();
          if (raw.length !== v.size)
            throw new CheckpointError(
              ck.file,
              `optimizer state of ${name} has ${raw.length} numbers, the parameter ${v.size}`,
            );
          tf.tidy(() => v.assign(tf.tensor(src.layout === 'torch' ? fromTorchLayout(raw, v.shape) : raw, v.shape)));
        }
      }
      for (const g of snap.groups ?? []) {
        const ours = g.names?.map((n) => byParam.get(n)).find(Boolean);
        if (!ours) continue;
        if (typeof g.settings.lr === 'number') ours.lr = g.settings.lr;
        if (typeof g.settings.momentum === 'number' && t.opt.type === 'SGD') ours.momentum = g.settings.momentum;
        else if (Array.isArray(g.settings.betas) && t.opt.type === 'AdamW') ours.momentum = g.settings.betas[0];
      }
      if (t.scaler && snap.lossScaler)
        t.scaler.load({ scale: snap.lossScaler.scale, clean: snap.lossScaler.growthTracker });
    }
    t.opt.state.step = y.optim_step ?? ck.meta.iter ?? 0;
  }
  return {
    epoch: ck.meta.epoch ?? 0,
    iter: ck.meta.iter ?? 0,
    iterInEpoch: y.iter_in_epoch ?? 0,
    bestMetric: typeof y.best_metric === 'number' ? y.best_metric : -Infinity,
    warnings,
  };
}

/** torch's integer parameter ids -> this model's names, when the groups line up. */
function resolveOptimizer(
  ck: LoadedCheckpoint,
  store: ParamStore,
  wrapper: Record<string, any>,
  warnings: string[],
): OptimizerSnapshot | undefined {
  const raw = ck.optimizerRaw;
  if (!raw) {
    warnings.push('the checkpoint has no optimizer state: momentum starts from zero');
    return undefined;
  }
  const ours = torchParamGroups(store, wrapper);
  if (ours.length !== raw.groups.length || ours.some((g, i) => g.length !== raw.groups[i].params.length)) {
    warnings.push(
      `the checkpoint's optimizer has ${raw.groups.length} parameter groups of ${raw.groups.map((g) => g.params.length).join('/')} parameters, this config ${ours.length} of ${ours.map((g) => g.length).join('/')}: optimizer state not restored`,
    );
    return undefined;
  }
  const byName = new Map<string, Map<string, TensorSource | number>>();
  raw.groups.forEach((g, gi) =>
    g.params.forEach((id, k) => raw.state.has(id) && byName.set(ours[gi][k], raw.state.get(id)!)),
  );
  const ls = raw.lossScaler;
  return {
    byName,
    groups: raw.groups.map((g, gi) => ({ names: ours[gi], settings: g.settings })),
    lossScaler:
      ls && typeof ls.scale === 'number' ? { scale: ls.scale, growthTracker: ls._growth_tracker ?? 0 } : undefined,
  };
}
