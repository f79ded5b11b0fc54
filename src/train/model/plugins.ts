// Backbone plugins from MMCV: ContextBlock (GCNet) and NonLocal2d. MMCV initialises their last
// layer to zero (a fresh block would be an identity), but in MMYOLO they sit inside the backbone,
// whose init_weights then resets every nn.Conv2d to PyTorch's default (csp_darknet.py L145-154,
// L290-299): so every conv weight and bias here starts as PyTorch's default init, and a fresh
// plugin is not an identity. The LayerNorm of ContextBlock keeps weight 1, bias 0.
import * as tf from '@tensorflow/tfjs';
import { conv2d } from '../ops';
import { ForwardCtx, ParamStore } from '../params';
import type { PluginCfg } from '../config-types';
import { Module } from './layers';

function conv1x1(x: tf.Tensor4D, w: tf.Variable, b?: tf.Variable): tf.Tensor4D {
  const y = conv2d(x, w as tf.Tensor4D, 1, 0);
  return b ? tf.add(y, b) : y;
}

export class ContextBlock implements Module {
  private mask?: { w: tf.Variable; b: tf.Variable };
  private add?: tf.Variable[];
  private mul?: tf.Variable[];
  constructor(
    store: ParamStore,
    name: string,
    channels: number,
    cfg: { ratio?: number; pooling_type?: string; fusion_types?: string[] },
  ) {
    const planes = Math.trunc(channels * (cfg.ratio ?? 1 / 16)) || 1;
    const pooling = cfg.pooling_type ?? 'att';
    if (pooling !== 'att' && pooling !== 'avg')
      throw new Error(`ContextBlock: pooling_type must be 'att' or 'avg', got '${pooling}'`);
    const fusions = cfg.fusion_types ?? ['channel_add'];
    if (!fusions.length || fusions.some((f) => f !== 'channel_add' && f !== 'channel_mul'))
      throw new Error(
        `ContextBlock: fusion_types must be a non-empty list of 'channel_add'/'channel_mul', got ${JSON.stringify(fusions)}`,
      );
    if (pooling === 'att')
      this.mask = {
        w: store.convWeight(`${name}.conv_mask.weight`, 1, channels, 1),
        b: store.bias(`${name}.conv_mask.bias`, 1, channels),
      };
    const branch = (key: string) => [
      store.convWeight(`${name}.${key}.0.weight`, 1, channels, planes),
      store.bias(`${name}.${key}.0.bias`, planes, channels),
      store.norm(`${name}.${key}.1.weight`, planes, 1, 'conv'), // LayerNorm is no _NormBase: decayed like conv weights
      store.norm(`${name}.${key}.1.bias`, planes, 0, 'bias'),
      store.convWeight(`${name}.${key}.3.weight`, 1, planes, channels),
      store.bias(`${name}.${key}.3.bias`, channels, planes),
    ];
    if (fusions.includes('channel_add')) this.add = branch('channel_add_conv');
    if (fusions.includes('channel_mul')) this.mul = branch('channel_mul_conv');
  }

  private transform(ctxv: tf.Tensor4D, p: tf.Variable[]): tf.Tensor4D {
    const h = conv1x1(ctxv, p[0], p[1]);
    // LayerNorm over (planes, 1, 1): normalise across channels.
    const { mean, variance } = tf.moments(h, [3], true);
    const ln = tf.add(tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-5))), p[2]), p[3]) as tf.Tensor4D;
    return conv1x1(tf.relu(ln), p[4], p[5]);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w, c] = x.shape;
    let context: tf.Tensor4D;
    if (this.mask) {
      const logits = conv1x1(x, this.mask.w, this.mask.b).reshape([b, 1, h * w]);
      const att = tf.softmax(logits); // over positions
      context = tf.matMul(att, x.reshape([b, h * w, c]) as tf.Tensor3D).reshape([b, 1, 1, c]);
    } else context = tf.mean(x, [1, 2], true) as tf.Tensor4D;
    let out: tf.Tensor4D = x;
    if (this.mul) out = tf.mul(out, tf.sigmoid(this.transform(context, this.mul)));
    if (this.add) out = tf.add(out, this.transform(context, this.add));
    return out;
  }
}

function maxPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const h2 = Math.floor(h / 2);
  const w2 = Math.floor(w / 2);
  const cropped = x.slice([0, 0, 0, 0], [b, h2 * 2, w2 * 2, c]);
  return tf.max(cropped.reshape([b, h2, 2, w2, 2, c]), [2, 4]) as tf.Tensor4D;
}

export class NonLocal2d implements Module {
  private inter: number;
  private mode: string;
  private useScale: boolean;
  private subSample: boolean;
  private p: Record<string, tf.Variable> = {};
  constructor(
    store: ParamStore,
    name: string,
    channels: number,
    cfg: { reduction?: number; use_scale?: boolean; mode?: string; sub_sample?: boolean },
  ) {
    this.inter = Math.max(Math.trunc(channels / (cfg.reduction ?? 2)), 1);
    this.mode = cfg.mode ?? 'embedded_gaussian';
    const modes = ['gaussian', 'embedded_gaussian', 'dot_product', 'concatenation'];
    if (!modes.includes(this.mode))
      throw new Error(`NonLocal2d: mode must be one of ${modes.join(', ')}, got '${this.mode}'`);
    this.useScale = cfg.use_scale ?? true;
    this.subSample = cfg.sub_sample ?? false;
    const conv = (n: string, ci: number, co: number) => {
      this.p[`${n}.w`] = store.convWeight(`${name}.${n}.conv.weight`, 1, ci, co);
      this.p[`${n}.b`] = store.bias(`${name}.${n}.conv.bias`, co, ci);
    };
    conv('g', channels, this.inter);
    if (this.mode !== 'gaussian') {
      conv('theta', channels, this.inter);
      conv('phi', channels, this.inter);
    }
    if (this.mode === 'concatenation')
      this.p['concat.w'] = store.convWeight(`${name}.concat_project.conv.weight`, 1, this.inter * 2, 1);
    this.p['out.w'] = store.convWeight(`${name}.conv_out.conv.weight`, 1, this.inter, channels);
    this.p['out.b'] = store.bias(`${name}.conv_out.conv.bias`, channels, this.inter);
  }

  forward(x: tf.Tensor4D): tf.Tensor4D {
    const [b, h, w] = x.shape;
    const n = h * w;
    const sub = (t: tf.Tensor4D) => (this.subSample ? maxPool2x2(t) : t);
    const flat = (t: tf.Tensor4D) => t.reshape([b, t.shape[1] * t.shape[2], t.shape[3]]) as tf.Tensor3D;
    const g = flat(sub(conv1x1(x, this.p['g.w'], this.p['g.b'])));
    let theta: tf.Tensor3D;
    let phi: tf.Tensor3D;
    if (this.mode === 'gaussian') {
      theta = flat(x);
      phi = flat(sub(x));
    } else {
      theta = flat(conv1x1(x, this.p['theta.w'], this.p['theta.b']));
      phi = flat(sub(conv1x1(x, this.p['phi.w'], this.p['phi.b'])));
    }
    let pair: tf.Tensor3D;
    if (this.mode === 'gaussian') pair = tf.softmax(tf.matMul(theta, phi, false, true)) as tf.Tensor3D;
    else if (this.mode === 'embedded_gaussian') {
      let logits = tf.matMul(theta, phi, false, true);
      if (this.useScale) logits = tf.div(logits, Math.sqrt(this.inter));
      pair = tf.softmax(logits) as tf.Tensor3D;
    } else if (this.mode === 'dot_product') pair = tf.div(tf.matMul(theta, phi, false, true), phi.shape[1]);
    else {
      // concat_project is linear in [theta_i, phi_j], so it splits into a sum of two projections.
      const wv = this.p['concat.w'].reshape([this.inter * 2, 1]) as tf.Tensor2D;
      const [wt, wp] = tf.split(wv, 2, 0) as tf.Tensor2D[];
      const a = tf.matMul(theta.reshape([-1, this.inter]) as tf.Tensor2D, wt).reshape([b, theta.shape[1], 1]);
      const bb = tf.matMul(phi.reshape([-1, this.inter]) as tf.Tensor2D, wp).reshape([b, 1, phi.shape[1]]);
      pair = tf.div(tf.relu(tf.add(a, bb)), phi.shape[1]) as tf.Tensor3D;
    }
    const y = tf.matMul(pair, g).reshape([b, h, w, this.inter]) as tf.Tensor4D;
    void n;
    return tf.add(x, conv1x1(y, this.p['out.w'], this.p['out.b']));
  }
}

export const pluginTypes = ['ContextBlock', 'NonLocal2d'];

export function buildPlugin(store: ParamStore, name: string, channels: number, cfg: PluginCfg['cfg']): Module {
  const type = String(cfg.type ?? '').replace(/^mmcv\.|^mmdet\./, '');
  if (type === 'ContextBlock') return wrap(new ContextBlock(store, name, channels, cfg));
  if (type === 'NonLocal2d') return wrap(new NonLocal2d(store, name, channels, cfg));
  throw new Error(`unknown plugin type '${cfg.type}' (known: ${pluginTypes.join(', ')})`);
}

function wrap(m: { forward(x: tf.Tensor4D): tf.Tensor4D }): Module {
  return { forward: (x: tf.Tensor4D, _ctx: ForwardCtx) => m.forward(x) };
}
