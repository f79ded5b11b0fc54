// The parts of an MMEngine checkpoint the trainer uses, out of the pickle tree: `meta`,
// `state_dict` (or a bare state dict, as MMEngine's _load_checkpoint_to_model accepts),
// `ema_state_dict` (EMAHook: keys 'module.<name>' and 'steps'), `optimizer` (torch's
// Optimizer.state_dict(), with AmpOptimWrapper's 'loss_scaler'), and `message_hub`.
import { CheckpointError } from './errors';
import { describe, numpyScalarValue, PyDict, PyObject, PyValue } from './pickle-read';
import { TorchFile, TorchTensor } from './torch-read';

export interface MMEngineCheckpoint {
  meta: Record<string, any>;
  stateDict: Map<string, TorchTensor>;
  emaStateDict?: Map<string, TorchTensor>;
  emaSteps?: number;
  /** torch Optimizer.state_dict(): param_groups (hyper-parameters, integer param ids) and state per id. */
  optimizer?: {
    groups: Array<{ params: number[]; settings: Record<string, any> }>;
    state: Map<number, Map<string, TorchTensor | number>>;
    lossScaler?: Record<string, any>;
  };
  messageHub?: Record<string, any>;
}

/** A pickled value as plain JSON-like data (dicts with string keys become objects); cycle- and depth-safe. */
export function toPlain(v: PyValue, depth = 0): any {
  if (depth > 64) return '<too deep>';
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof TorchTensor) return { __tensor__: v.shape };
  if (v instanceof Uint8Array) return `<${v.length} bytes>`;
  if (v instanceof PyObject) return numpyScalarValue(v) ?? { __object__: v.className };
  if (Array.isArray(v)) return Array.from(v, (x) => toPlain(x, depth + 1));
  if (v instanceof Set) return [...v].map((x) => toPlain(x, depth + 1));
  if (v instanceof PyDict) {
    const o: Record<string, any> = {};
    for (const [k, x] of v) o[String(k)] = toPlain(x, depth + 1);
    return o;
  }
  return `<${describe(v)}>`;
}

function tensorDict(where: string, what: string, v: PyValue, stripModule = false): Map<string, TorchTensor> {
  if (!(v instanceof PyDict)) throw new CheckpointError(where, `${what} is a ${describe(v)}, not a dict of tensors`);
  const out = new Map<string, TorchTensor>();
  for (const [k, t] of v) {
    if (typeof k !== 'string')
      throw new CheckpointError(where, `${what} has a key that is not a string (${describe(k)})`);
    if (!(t instanceof TorchTensor)) {
      if (stripModule && k === 'steps') continue;
      throw new CheckpointError(where, `${what}['${k}'] is a ${describe(t)}, not a tensor`);
    }
    // MMEngine's _load_checkpoint_to_model strips a leading 'module.' (DataParallel wrappers).
    out.set(k.startsWith('module.') ? k.slice(7) : k, t);
  }
  return out;
}

export async function readMMEngineCheckpoint(tf: TorchFile): Promise<MMEngineCheckpoint> {
  const where = tf.file;
  const root = tf.root;
  if (!(root instanceof PyDict)) throw new CheckpointError(where, `holds a ${describe(root)}, not a checkpoint dict`);
  const has = (k: string) => root.has(k);
  const isStateDict =
    !has('state_dict') && [...root.values()].length > 0 && [...root.values()].every((x) => x instanceof TorchTensor);
  if (!has('state_dict') && !isStateDict) {
    const keys = [...root.keys()].slice(0, 6).map(String).join(', ');
    throw new CheckpointError(where, `has no 'state_dict' (its keys: ${keys || 'none'})`);
  }
  const ck: MMEngineCheckpoint = {
    meta: root.get('meta') instanceof PyDict ? toPlain(root.get('meta')!) : {},
    stateDict: tensorDict(where, 'state_dict', isStateDict ? root : root.get('state_dict')!),
  };
  const ema = root.get('ema_state_dict');
  if (ema instanceof PyDict) {
    ck.emaStateDict = tensorDict(where, 'ema_state_dict', ema, true);
    const steps = ema.get('steps');
    if (steps instanceof TorchTensor) ck.emaSteps = (await tf.readNumbers(steps))[0];
  }
  const opt = root.get('optimizer');
  if (opt instanceof PyDict && opt.get('param_groups') && opt.get('state') instanceof PyDict) {
    const groups = (opt.get('param_groups') as PyValue[]).map((g) => {
      if (!(g instanceof PyDict)) throw new CheckpointError(where, `optimizer.param_groups holds a ${describe(g)}`);
      const settings: Record<string, any> = {};
      for (const [k, x] of g) if (k !== 'params') settings[String(k)] = toPlain(x);
      const params = g.get('params');
      if (!Array.isArray(params) || params.some((p) => typeof p !== 'number'))
        throw new CheckpointError(where, 'optimizer.param_groups[].params is not a list of integer ids');
      return { params: params as number[], settings };
    });
    const state = new Map<number, Map<string, TorchTensor | number>>();
    for (const [id, s] of opt.get('state') as PyDict) {
      if (typeof id !== 'number' || !(s instanceof PyDict)) continue;
      const m = new Map<string, TorchTensor | number>();
      for (const [k, x] of s) if (x instanceof TorchTensor || typeof x === 'number') m.set(String(k), x);
      state.set(id, m);
    }
    ck.optimizer = { groups, state };
    if (opt.get('loss_scaler') instanceof PyDict) ck.optimizer.lossScaler = toPlain(opt.get('loss_scaler')!);
  }
  const hub = root.get('message_hub');
  if (hub instanceof PyDict) ck.messageHub = toPlain(hub);
  return ck;
}
