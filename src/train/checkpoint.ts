// Checkpoints: PyTorch .pth files in MMEngine's layout (the only format written, readable by
// MMYOLO's tools and torch.load) and the older YOLO Lab .ckpt files, which earlier versions
// wrote and which are still read so old runs load and resume. Both are read behind one
// interface, LoadedCheckpoint, whose tensors are read on demand.
import { readdirSync, readFileSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { CheckpointError } from '../checkpoint/errors';
import { readMMEngineCheckpoint } from '../checkpoint/mmengine-read';
import { stateDictOrder, toTorchLayout, torchShape } from '../checkpoint/mmyolo-params';
import { OutOrderedDict, OutTensor, OutTuple, OutValue, PyFloat } from '../checkpoint/pickle-write';
import { openTorchFile, sniffFormat, TorchTensor } from '../checkpoint/torch-read';
import { StorageRecord, writeTorchFileAtomic } from '../checkpoint/torch-write';
import type { LossScaler } from './amp';
import type { ExpMomentumEMA } from './ema';
import type { Optimizer } from './optim';
import type { ParamStore } from './params';
import { TensorSource, torchParamGroups, WeightMap } from './state';

// ---------------------------------------------------------------- the old .ckpt format (read only)

// 'YOLOLAB-CKPT-1\n', a little-endian u32 header length, a JSON header {meta, tensors: [{name,
// shape, offset, length}]}, then the tensors as raw float32 (offsets in bytes from the data start).
const MAGIC = 'YOLOLAB-CKPT-1\n';

export interface TensorBlob {
  shape: number[];
  data: Float32Array;
}

export interface Checkpoint {
  meta: Record<string, any>;
  tensors: Map<string, TensorBlob>; // state_dict, 'ema.' and 'optim.' prefixed entries
}

export function readCheckpoint(file: string): Checkpoint {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read checkpoint (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, {
      cause: e,
    });
  }
  if (buf.subarray(0, MAGIC.length).toString('utf8') !== MAGIC) {
    const hint =
      buf.subarray(0, 2).toString('latin1') === 'PK'
        ? ' (this is a PyTorch .pth zip: read it with openCheckpoint)'
        : '';
    throw new Error(`${file}: not a YOLO Lab checkpoint${hint}`);
  }
  const hlen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  let header: {
    meta: Record<string, any>;
    tensors: Array<{ name: string; shape: number[]; offset: number; length: number }>;
  };
  try {
    header = JSON.parse(buf.subarray(start, start + hlen).toString('utf8'));
  } catch {
    throw new Error(`${file}: checkpoint header is corrupt`);
  }
  const dataStart = start + hlen;
  const tensors = new Map<string, TensorBlob>();
  for (const t of header.tensors) {
    const end = dataStart + t.offset + t.length * 4;
    if (end > buf.length) throw new Error(`${file}: checkpoint is truncated (tensor ${t.name})`);
    const copy = new Float32Array(t.length);
    new Uint8Array(copy.buffer).set(buf.subarray(dataStart + t.offset, end));
    tensors.set(t.name, { shape: t.shape, data: copy });
  }
  return { meta: header.meta, tensors };
}

// ---------------------------------------------------------------- reading either format

/** Optimizer state by parameter name (PyTorch's keys: momentum_buffer, exp_avg, exp_avg_sq, step). */
export interface OptimizerSnapshot {
  /** torch param_groups in order: the names they hold, and their hyper-parameters. */
  groups?: Array<{ names: string[] | undefined; settings: Record<string, any> }>;
  byName: Map<string, Map<string, TensorSource | number>>;
  lossScaler?: { scale: number; growthTracker: number };
}

export interface LoadedCheckpoint {
  file: string;
  format: 'pth' | 'ckpt';
  meta: Record<string, any>;
  /** What MMEngine's load_checkpoint puts in the model (state_dict: the EMA weights of an EMA run). */
  inference: WeightMap;
  /** The raw (non-averaged) weights, for --resume. */
  resumeModel: WeightMap;
  /** The EMA weights for --resume, when the run had EMAHook. */
  resumeEma?: WeightMap;
  emaSteps?: number;
  /** Raw torch optimizer state; resolved to names against a model by `optimizerByName`. */
  optimizerRaw?: {
    groups: Array<{ params: number[]; settings: Record<string, any> }>;
    state: Map<number, Map<string, TensorSource | number>>;
    lossScaler?: Record<string, any>;
  };
  /** .ckpt files store optimizer slots by name directly. */
  optimizerByName?: OptimizerSnapshot;
  close(): Promise<void>;
}

function weightsFromTorch(read: (t: TorchTensor) => Promise<Float32Array>, m: Map<string, TorchTensor>): WeightMap {
  return new Map([...m].map(([n, t]) => [n, { shape: t.shape, layout: 'torch' as const, read: () => read(t) }]));
}

function blobSource(b: TensorBlob): TensorSource {
  return { shape: b.shape, layout: 'tfjs', read: async () => b.data };
}

/** Opens a local .pth (zip or legacy torch.save) or .ckpt file. Errors name the file. */
export async function openCheckpoint(file: string): Promise<LoadedCheckpoint> {
  let kind: Awaited<ReturnType<typeof sniffFormat>>;
  try {
    kind = await sniffFormat(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(
      file,
      code === 'ENOENT'
        ? 'checkpoint not found'
        : code === 'EISDIR'
          ? 'is a folder, not a checkpoint'
          : `cannot read checkpoint (${code ?? (e as Error).message})`,
    );
  }
  if (kind === 'ckpt') return fromCkpt(file);
  const tfile = await openTorchFile(file);
  try {
    const ck = await readMMEngineCheckpoint(tfile);
    const read = (t: TorchTensor) => tfile.readFloat32(t);
    const state = weightsFromTorch(read, ck.stateDict);
    const ema = ck.emaStateDict ? weightsFromTorch(read, ck.emaStateDict) : undefined;
    const out: LoadedCheckpoint = {
      file,
      format: 'pth',
      meta: ck.meta,
      inference: state,
      // EMAHook swaps before saving: state_dict holds the EMA weights, ema_state_dict the raw ones.
      resumeModel: ema ?? state,
      resumeEma: ema ? state : undefined,
      emaSteps: ck.emaSteps,
      close: () => tfile.close(),
    };
    if (ck.optimizer) {
      const state = new Map<number, Map<string, TensorSource | number>>();
      for (const [id, s] of ck.optimizer.state)
        state.set(
          id,
          new Map(
            [...s].map(([k, v]) => [
              k,
              v instanceof TorchTensor ? { shape: v.shape, layout: 'torch' as const, read: () => read(v) } : v,
            ]),
          ),
        );
      out.optimizerRaw = { groups: ck.optimizer.groups, state, lossScaler: ck.optimizer.lossScaler };
    }
    return out;
  } catch (e) {
    await tfile.close();
    throw e;
  }
}

function fromCkpt(file: string): LoadedCheckpoint {
  let ck: Checkpoint;
  try {
    ck = readCheckpoint(file);
  } catch (e) {
    throw new CheckpointError(file, (e as Error).message.replace(`${file}: `, ''));
  }
  const raw: WeightMap = new Map();
  const ema: WeightMap = new Map();
  const slots = new Map<string, TensorBlob[]>();
  for (const [n, b] of ck.tensors) {
    const m = /^optim\.(.+)\.(\d+)$/.exec(n);
    if (n.startsWith('ema.')) ema.set(n.slice(4), blobSource(b));
    else if (m) (slots.get(m[1]) ?? slots.set(m[1], []).get(m[1])!)[Number(m[2])] = b;
    else if (!n.startsWith('optim.')) raw.set(n, blobSource(b));
  }
  // .ckpt slots: SGD [momentum_buffer], AdamW [exp_avg, exp_avg_sq].
  const byName = new Map<string, Map<string, TensorSource | number>>();
  for (const [n, s] of slots)
    byName.set(
      n,
      new Map(
        s.length > 1
          ? [
              ['exp_avg', blobSource(s[0])],
              ['exp_avg_sq', blobSource(s[1])],
            ]
          : [['momentum_buffer', blobSource(s[0])]],
      ),
    );
  const meta = ck.meta;
  return {
    file,
    format: 'ckpt',
    meta: {
      ...meta,
      yololab: {
        iter_in_epoch: meta.iter_in_epoch,
        best_metric: meta.best_metric,
        backend: meta.backend,
        optim_step: meta.optim_step,
      },
    },
    inference: ema.size ? ema : raw,
    resumeModel: raw,
    resumeEma: ema.size ? ema : undefined,
    emaSteps: meta.ema_steps,
    optimizerByName: {
      byName,
      lossScaler: meta.loss_scaler
        ? { scale: meta.loss_scaler.scale, growthTracker: meta.loss_scaler.clean }
        : undefined,
    },
    close: async () => {},
  };
}

// ---------------------------------------------------------------- writing .pth

/** What a checkpoint records besides the tensors. */
export interface CheckpointMeta {
  epoch: number;
  iter: number;
  seed: number;
  experimentName: string;
  classes: string[];
  maxEpochs?: number;
  maxIters?: number;
  /** YOLO Lab's own resume details (mid-epoch position, best score, backend...). */
  yololab: Record<string, any>;
  /** message_hub runtime_info entries (last_ckpt, best_score, best_ckpt, keep_ckpt_ids). */
  runtimeInfo?: Record<string, any>;
}

export interface SaveOptions {
  store: ParamStore;
  ema?: ExpMomentumEMA;
  opt?: Optimizer;
  optimWrapper?: Record<string, any>;
  scaler?: LossScaler;
  /** BatchNorm num_batches_tracked per BN (absent: 0). */
  batchCounts?: (name: string) => number;
  meta: CheckpointMeta;
  /** MMEngine's best checkpoints leave the optimizer out. */
  saveOptimizer?: boolean;
}

function float32Bytes(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function plainToOut(v: any): OutValue {
  if (v === undefined) return null;
  if (Array.isArray(v)) return v.map(plainToOut);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.entries(v)
        .filter(([, x]) => x !== undefined)
        .map(([k, x]) => [k, plainToOut(x)]),
    );
  return v;
}

/**
 * Writes `file` as MMEngine's CheckpointHook would (EMAHook's swap included): meta,
 * state_dict (EMA weights when there is an EMA), message_hub, optimizer, ema_state_dict.
 */
export function savePthCheckpoint(file: string, o: SaveOptions): void {
  const storages: StorageRecord[] = [];
  const addTensor = (dtype: 'float32' | 'int64', shape: number[], bytes: () => Uint8Array): OutTensor => {
    const key = String(storages.length);
    const numel = shape.reduce((a, b) => a * b, 1);
    storages.push({ key, byteLength: numel * (dtype === 'int64' ? 8 : 4), bytes });
    return new OutTensor(key, dtype, shape);
  };
  const int64 = (v: number) => () => new Uint8Array(BigInt64Array.from([BigInt(Math.round(v))]).buffer);
  const order = stateDictOrder(o.store.params.keys(), o.store.buffers.keys());
  const modelVars = o.store.stateDict();
  const stateDictOf = (vars: Map<string, tf.Variable>, prefix = ''): Array<[string, OutValue]> =>
    order.map((e) => {
      if (e.kind === 'count') return [prefix + e.name, addTensor('int64', [], int64(o.batchCounts?.(e.name) ?? 0))];
      const v = vars.get(e.name)!;
      return [
        prefix + e.name,
        addTensor('float32', torchShape(e.name, v.shape), () =>
          float32Bytes(toTorchLayout(v.dataSync() as Float32Array, v.shape)),
        ),
      ];
    });
  const m = o.meta;
  const datasetMeta = { classes: new OutTuple(m.classes) };
  const root: Record<string, OutValue> = {
    meta: {
      epoch: m.epoch,
      iter: m.iter,
      seed: m.seed,
      experiment_name: m.experimentName,
      time: stamp(),
      dataset_meta: datasetMeta,
      yololab: plainToOut(m.yololab),
    },
    // EMAHook.before_save_checkpoint: state_dict gets the EMA weights, ema_state_dict the raw ones.
    state_dict: new OutOrderedDict(stateDictOf(o.ema ? o.ema.shadow : modelVars)),
  };
  const info: Record<string, OutValue> = {
    epoch: m.epoch,
    iter: m.iter,
    seed: m.seed,
    experiment_name: m.experimentName,
    dataset_meta: datasetMeta,
    ...(plainToOut(m.runtimeInfo ?? {}) as Record<string, OutValue>),
  };
  if (m.maxEpochs !== undefined) info.max_epochs = m.maxEpochs;
  if (m.maxIters !== undefined) info.max_iters = m.maxIters;
  root.message_hub = {
    log_scalars: new OutOrderedDict([]),
    runtime_info: new OutOrderedDict(Object.entries(info)),
    resumed_keys: new OutOrderedDict(Object.keys(info).map((k) => [k, true])),
  };
  if (o.opt && o.saveOptimizer !== false) root.optimizer = optimizerState(o, addTensor);
  if (o.ema)
    root.ema_state_dict = new OutOrderedDict([
      ['steps', addTensor('int64', [], int64(o.ema.steps))],
      ...stateDictOf(modelVars, 'module.'),
    ]);
  writeTorchFileAtomic(file, root, storages);
}

/** torch.optim's state_dict(): param_groups with integer ids in MMYOLO's grouping, state per id. */
function optimizerState(
  o: SaveOptions,
  addTensor: (dtype: 'float32' | 'int64', shape: number[], bytes: () => Uint8Array) => OutTensor,
): OutValue {
  const opt = o.opt!;
  const groups = torchParamGroups(o.store, o.optimWrapper ?? {});
  const groupOf = new Map(opt.groups.flatMap((g) => g.params.map((p) => [p.name, g] as const)));
  const byIndex = new Map(opt.groups.map((g) => [opt.groupIndex(g), g]));
  const cfg = o.optimWrapper?.optimizer ?? {};
  const state: Array<[number, OutValue]> = [];
  let id = 0;
  const paramGroups = groups.map((names, gi) => {
    // Hyper-parameters of the trainer's group that holds these parameters (frozen-only groups: by index).
    const g = names.map((n) => groupOf.get(n)).find(Boolean) ?? byIndex.get(gi);
    const ids: number[] = [];
    for (const name of names) {
      const slots = opt.state.step > 0 ? opt.state.slots.get(name) : undefined;
      if (slots) {
        const v = o.store.params.get(name)!.variable;
        const t = (s: tf.Variable) =>
          addTensor('float32', torchShape(name, v.shape), () =>
            float32Bytes(toTorchLayout(s.dataSync() as Float32Array, s.shape)),
          );
        if (opt.type === 'SGD') state.push([id, { momentum_buffer: t(slots[0]) }]);
        else
          state.push([
            id,
            {
              step: addTensor('float32', [], () => float32Bytes(Float32Array.of(opt.state.step))),
              exp_avg: t(slots[0]),
              exp_avg_sq: t(slots[1]),
            },
          ]);
      }
      ids.push(id++);
    }
    const common = {
      lr: new PyFloat(g?.lr ?? cfg.lr ?? 0.01),
      weight_decay: new PyFloat(g?.weightDecay ?? 0),
      maximize: false,
      foreach: null,
      differentiable: false,
      initial_lr: new PyFloat(g?.initialLr ?? cfg.lr ?? 0.01),
    };
    const hyper: Record<string, OutValue> =
      opt.type === 'SGD'
        ? {
            ...common,
            momentum: new PyFloat(g?.momentum ?? cfg.momentum ?? 0),
            dampening: 0,
            nesterov: !!cfg.nesterov,
            initial_momentum: new PyFloat(cfg.momentum ?? 0),
          }
        : {
            ...common,
            betas: new OutTuple((cfg.betas ?? [0.9, 0.999]).map((b: number) => new PyFloat(b))),
            eps: new PyFloat(cfg.eps ?? 1e-8),
            amsgrad: false,
            capturable: false,
          };
    return { ...hyper, params: ids };
  });
  const out: Record<string, OutValue> = { state: new Map(state), param_groups: paramGroups };
  if (o.scaler) {
    const s = o.scaler.state();
    out.loss_scaler = {
      scale: new PyFloat(s.scale),
      growth_factor: new PyFloat(o.scaler.growthFactor),
      backoff_factor: new PyFloat(o.scaler.backoffFactor),
      growth_interval: o.scaler.growthInterval,
      _growth_tracker: s.clean,
    };
  }
  return out;
}

function stamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

// ---------------------------------------------------------------- work-dir housekeeping

/**
 * Removes `*.tmp-PID` files a killed write left behind, unless PID is another live process
 * (a second run writing into the same folder). Returns the removed names.
 */
export function cleanStaleTemps(dir: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return removed;
  }
  for (const n of names) {
    const m = /\.tmp-(\d+)$/.exec(n);
    if (!m) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && isAlive(pid)) continue;
    try {
      unlinkSync(join(dir, n));
      removed.push(n);
    } catch {
      // gone already
    }
  }
  return removed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
