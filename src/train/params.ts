// The model's state: trainable parameters and buffers (BN running statistics), named as
// PyTorch/MMYOLO would name them (backbone.stage1.0.conv.weight), so freezing rules,
// paramwise lr_mult and checkpoint key matching all work on those names.
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../data/rng';

export type ParamKind = 'conv' | 'bias' | 'norm'; // the three groups of YOLOv5OptimizerConstructor

export interface ParamInfo {
  name: string;
  variable: tf.Variable;
  kind: ParamKind;
}

export class ParamStore {
  readonly params = new Map<string, ParamInfo>();
  readonly buffers = new Map<string, tf.Variable>();
  /** Names whose values must not change (frozen stages, freeze_all, norm_eval buffers). */
  readonly frozen = new Set<string>();

  constructor(private rng: Rng) {}

  private add(name: string, value: tf.Tensor, kind: ParamKind): tf.Variable {
    if (this.params.has(name)) throw new Error(`internal: parameter ${name} defined twice`);
    const v = tf.variable(value, true); // tfjs names must be unique per process; ours live in ParamInfo.name
    value.dispose();
    this.params.set(name, { name, variable: v, kind });
    return v;
  }

  /** PyTorch's default Conv2d init (kaiming_uniform, a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)). */
  convWeight(name: string, k: number, ci: number, co: number): tf.Variable {
    const bound = 1 / Math.sqrt(ci * k * k);
    const n = k * k * ci * co;
    const data = new Float32Array(n);
    const r = this.rng.fork(name);
    for (let i = 0; i < n; i++) data[i] = r.uniform(-bound, bound);
    return this.add(name, tf.tensor4d(data, [k, k, ci, co]), 'conv');
  }

  /**
   * Re-draws a conv weight as MMCV's ConvModule initialises its conv (cnn/bricks/conv_module.py
   * init_weights: kaiming_init(conv, a=0, nonlinearity='relu'), i.e. normal with mode 'fan_out'):
   * N(0, sqrt(2 / (out_channels * k * k))). MMYOLO's backbones and necks reset their convs to
   * PyTorch's default afterwards; heads do not, so their ConvModules keep this.
   */
  kaimingNormalFanOut(name: string): void {
    const v = this.params.get(name)?.variable;
    if (!v) throw new Error(`internal: no parameter ${name}`);
    const [k, , , co] = v.shape;
    const std = Math.sqrt(2 / (co * k * k));
    const r = this.rng.fork(`${name}#kaiming`);
    const data = new Float32Array(v.size);
    for (let i = 0; i < data.length; i++) data[i] = r.normal() * std;
    v.assign(tf.tensor(data, v.shape));
  }

  bias(name: string, n: number, fanIn: number, fill?: number): tf.Variable {
    const data = new Float32Array(n);
    if (fill !== undefined) data.fill(fill);
    else {
      const bound = 1 / Math.sqrt(fanIn);
      const r = this.rng.fork(name);
      for (let i = 0; i < n; i++) data[i] = r.uniform(-bound, bound);
    }
    return this.add(name, tf.tensor1d(data), 'bias');
  }

  /** A normalisation layer's scale ('norm' group, no decay) or shift ('bias' group). */
  norm(name: string, n: number, fill: number, kind: ParamKind = 'norm'): tf.Variable {
    return this.add(name, tf.fill([n], fill), kind);
  }

  buffer(name: string, n: number, fill: number): tf.Variable {
    const v = tf.variable(tf.fill([n], fill), false);
    this.buffers.set(name, v);
    return v;
  }

  /** Marks every parameter and buffer under `prefix` (a module path) as frozen. */
  freeze(prefix: string): void {
    for (const name of [...this.params.keys(), ...this.buffers.keys()])
      if (name === prefix || name.startsWith(prefix + '.')) this.frozen.add(name);
  }

  trainable(): ParamInfo[] {
    return [...this.params.values()].filter((p) => !this.frozen.has(p.name));
  }

  count(infos: ParamInfo[]): number {
    return infos.reduce((s, p) => s + p.variable.size, 0);
  }

  /** Name -> tensor of everything (parameters then buffers) for checkpoints and EMA. */
  stateDict(): Map<string, tf.Variable> {
    const m = new Map<string, tf.Variable>();
    for (const [n, p] of this.params) m.set(n, p.variable);
    for (const [n, b] of this.buffers) m.set(n, b);
    return m;
  }

  dispose(): void {
    for (const p of this.params.values()) p.variable.dispose();
    for (const b of this.buffers.values()) b.dispose();
  }
}

/** Per-forward context: training mode and the BN statistic updates it produced. */
export interface ForwardCtx {
  training: boolean;
  bnUpdates: Array<{ variable: tf.Variable; value: tf.Tensor }>;
}
