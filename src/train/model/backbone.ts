// YOLOv8CSPDarknet and YOLOv5CSPDarknet (P5 arch), with frozen_stages, norm_eval and
// stage plugins (ContextBlock / NonLocal2d) appended after the chosen stages.
import * as tf from '@tensorflow/tfjs';
import { ForwardCtx, ParamStore } from '../params';
import type { BackboneCfg } from '../config-types';
import { notApplied } from '../not-applied';
import {
  ConvModule,
  CSPLayer,
  CSPLayerWithTwoConv,
  Module,
  NormCfg,
  SPPFBottleneck,
  makeDivisible,
  makeRound,
} from './layers';
import { checkAct, normOf } from './norm-act';
import { buildPlugin } from './plugins';

export type { BackboneCfg };

export class CSPDarknet {
  readonly outChannels: number[] = [];
  private layers: Array<{ name: string; modules: Module[] }> = [];
  private outIndices: number[];

  constructor(store: ParamStore, cfg: BackboneCfg, prefix = 'backbone') {
    const v8 = String(cfg.type).endsWith('YOLOv8CSPDarknet');
    const deepen = cfg.deepen_factor ?? 1;
    const widen = cfg.widen_factor ?? 1;
    const norm: NormCfg = normOf(cfg.norm_cfg);
    checkAct(cfg.act_cfg);
    if ((cfg.arch ?? 'P5') !== 'P5') notApplied(cfg, 'arch', 'the P5 architecture is built');
    if ((cfg.input_channels ?? 3) !== 3) notApplied(cfg, 'input_channels', 'images have 3 channels');
    const last = cfg.last_stage_out_channels ?? 1024;
    const arch: Array<[number, number, number, boolean, boolean]> = v8
      ? [
          [64, 128, 3, true, false],
          [128, 256, 6, true, false],
          [256, 512, 6, true, false],
          [512, last, 3, true, true],
        ]
      : [
          [64, 128, 3, true, false],
          [128, 256, 6, true, false],
          [256, 512, 9, true, false],
          [512, 1024, 3, true, true],
        ];
    this.outIndices = cfg.out_indices ?? [2, 3, 4];
    const stemCh = makeDivisible(arch[0][0], widen);
    const stem = v8
      ? new ConvModule(store, `${prefix}.stem`, 3, stemCh, 3, 2, 1, norm)
      : new ConvModule(store, `${prefix}.stem`, 3, stemCh, 6, 2, 2, norm);
    this.layers.push({ name: `${prefix}.stem`, modules: [stem] });
    const channels = [stemCh];
    arch.forEach(([ci0, co0, n, identity, spp], i) => {
      const ci = makeDivisible(ci0, widen);
      const co = makeDivisible(co0, widen);
      const nb = makeRound(n, deepen);
      const name = `${prefix}.stage${i + 1}`;
      const mods: Module[] = [new ConvModule(store, `${name}.0`, ci, co, 3, 2, 1, norm)];
      mods.push(
        v8
          ? new CSPLayerWithTwoConv(store, `${name}.1`, co, co, nb, identity, norm)
          : new CSPLayer(store, `${name}.1`, co, co, nb, identity, norm),
      );
      if (spp) mods.push(new SPPFBottleneck(store, `${name}.2`, co, co, 5, norm));
      for (const p of cfg.plugins ?? []) {
        const stages = p.stages ?? arch.map(() => true);
        if (stages.length !== arch.length)
          throw new Error(`plugins: 'stages' has ${stages.length} entries, the backbone has ${arch.length} stages`);
        if (stages[i]) mods.push(buildPlugin(store, `${name}.${mods.length}`, co, p.cfg));
      }
      this.layers.push({ name, modules: mods });
      channels.push(co);
    });
    for (const i of this.outIndices) this.outChannels.push(channels[i]);
    // frozen_stages: -1 none, 0 the stem, k the stem and stages 1..k (MMYOLO BaseBackbone._freeze_stages).
    const frozen = cfg.frozen_stages ?? -1;
    for (let i = 0; i <= frozen && i < this.layers.length; i++) store.freeze(this.layers[i].name);
    // norm_eval: every BN of the backbone keeps its running statistics (weights still train).
    if (cfg.norm_eval) for (const n of store.buffers.keys()) if (n.startsWith(prefix + '.')) store.frozen.add(n);
  }

  forward(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D[] {
    const outs: tf.Tensor4D[] = [];
    this.layers.forEach((layer, i) => {
      for (const m of layer.modules) x = m.forward(x, ctx);
      if (this.outIndices.includes(i)) outs.push(x);
    });
    return outs;
  }
}
