// YOLOv8PAFPN and YOLOv5PAFPN: top-down then bottom-up path aggregation (YOLOBaseNeck).
import * as tf from '@tensorflow/tfjs';
import { upsample2x } from '../ops';
import { ForwardCtx, ParamStore } from '../params';
import type { NeckCfg } from '../config-types';
import { ConvModule, CSPLayer, CSPLayerWithTwoConv, Module, NormCfg, makeDivisible, makeRound } from './layers';
import { checkAct, normOf } from './norm-act';

export type { NeckCfg };

export class PAFPN {
  readonly outChannels: number[];
  private reduce: Array<Module | null> = [];
  private topDown: Module[] = [];
  private down: Module[] = [];
  private bottomUp: Module[] = [];

  constructor(store: ParamStore, cfg: NeckCfg, prefix = 'neck') {
    const v8 = String(cfg.type).endsWith('YOLOv8PAFPN');
    const d = cfg.deepen_factor ?? 1;
    const w = cfg.widen_factor ?? 1;
    const norm: NormCfg = normOf(cfg.norm_cfg);
    checkAct(cfg.act_cfg);
    const inC = cfg.in_channels;
    const outC = Array.isArray(cfg.out_channels) ? cfg.out_channels : inC.map(() => cfg.out_channels as number);
    const nb = makeRound(cfg.num_csp_blocks ?? 3, d);
    const L = inC.length;
    const md = (x: number) => makeDivisible(x, w);
    if (v8) {
      this.reduce = inC.map(() => null);
      for (let idx = L - 1; idx > 0; idx--)
        this.topDown.push(
          new CSPLayerWithTwoConv(
            store,
            `${prefix}.top_down_layers.${L - 1 - idx}`,
            md(inC[idx - 1] + inC[idx]),
            md(outC[idx - 1]),
            nb,
            false,
            norm,
          ),
        );
      for (let idx = 0; idx < L - 1; idx++) {
        this.down.push(
          new ConvModule(store, `${prefix}.downsample_layers.${idx}`, md(outC[idx]), md(outC[idx]), 3, 2, 1, norm),
        );
        this.bottomUp.push(
          new CSPLayerWithTwoConv(
            store,
            `${prefix}.bottom_up_layers.${idx}`,
            md(outC[idx] + outC[idx + 1]),
            md(outC[idx + 1]),
            nb,
            false,
            norm,
          ),
        );
      }
      this.outChannels = outC.map(md);
    } else {
      // YOLOv5PAFPN: the top level is reduced by a 1x1 conv, top-down layers end in a 1x1 conv
      // that feeds the next reduce step.
      for (let idx = 0; idx < L; idx++)
        this.reduce.push(
          idx === L - 1
            ? new ConvModule(store, `${prefix}.reduce_layers.${idx}`, md(inC[idx]), md(inC[idx - 1]), 1, 1, 0, norm)
            : null,
        );
      for (let idx = L - 1; idx > 0; idx--) {
        const name = `${prefix}.top_down_layers.${L - 1 - idx}`;
        if (idx === 1)
          this.topDown.push(new CSPLayer(store, name, md(inC[idx - 1] * 2), md(inC[idx - 1]), nb, false, norm));
        else {
          const csp = new CSPLayer(store, `${name}.0`, md(inC[idx - 1] * 2), md(inC[idx - 1]), nb, false, norm);
          const conv = new ConvModule(store, `${name}.1`, md(inC[idx - 1]), md(inC[idx - 2]), 1, 1, 0, norm);
          this.topDown.push({ forward: (x, ctx) => conv.forward(csp.forward(x, ctx), ctx) });
        }
      }
      for (let idx = 0; idx < L - 1; idx++) {
        this.down.push(
          new ConvModule(store, `${prefix}.downsample_layers.${idx}`, md(inC[idx]), md(inC[idx]), 3, 2, 1, norm),
        );
        this.bottomUp.push(
          new CSPLayer(store, `${prefix}.bottom_up_layers.${idx}`, md(inC[idx] * 2), md(inC[idx + 1]), nb, false, norm),
        );
      }
      this.outChannels = outC.map(md);
    }
    if (cfg.freeze_all) store.freeze(prefix);
  }

  forward(inputs: tf.Tensor4D[], ctx: ForwardCtx): tf.Tensor4D[] {
    const L = inputs.length;
    const reduced = inputs.map((x, i) => (this.reduce[i] ? this.reduce[i]!.forward(x, ctx) : x));
    const inner: tf.Tensor4D[] = [reduced[L - 1]];
    for (let idx = L - 1; idx > 0; idx--) {
      const up = upsample2x(inner[0]);
      inner.unshift(this.topDown[L - 1 - idx].forward(tf.concat([up, reduced[idx - 1]], 3), ctx));
    }
    const outs: tf.Tensor4D[] = [inner[0]];
    for (let idx = 0; idx < L - 1; idx++) {
      const downs = this.down[idx].forward(outs[outs.length - 1], ctx);
      outs.push(this.bottomUp[idx].forward(tf.concat([downs, inner[idx + 1]], 3), ctx));
    }
    return outs;
  }
}
