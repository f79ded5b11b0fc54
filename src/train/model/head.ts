// YOLOv8HeadModule: decoupled per-level branches, classification logits and a
// reg_max-bin distribution per box side (DFL), with MMYOLO's bias initialisation.
import * as tf from '@tensorflow/tfjs';
import { ForwardCtx, ParamStore } from '../params';
import type { HeadModuleCfg } from '../config-types';
import { notApplied } from '../not-applied';
import { Conv2d, ConvModule, NormCfg, makeDivisible } from './layers';
import { checkAct, normOf } from './norm-act';

export type { HeadModuleCfg };

export interface HeadOutputs {
  cls: tf.Tensor3D; // [B, A, num_classes] logits, levels concatenated (row-major per level)
  reg: tf.Tensor4D; // [B, A, 4, reg_max] logits of the side distributions
}

export class YOLOv8HeadModule {
  readonly strides: number[];
  readonly regMax: number;
  readonly numClasses: number;
  private branches: Array<{ cls: [ConvModule, ConvModule, Conv2d]; reg: [ConvModule, ConvModule, Conv2d] }> = [];

  constructor(store: ParamStore, cfg: HeadModuleCfg, prefix = 'bbox_head.head_module') {
    const w = cfg.widen_factor ?? 1;
    const norm: NormCfg = normOf(cfg.norm_cfg);
    checkAct(cfg.act_cfg);
    if ((cfg.num_base_priors ?? 1) !== 1) notApplied(cfg, 'num_base_priors', 'YOLOv8 has one prior per cell');
    this.strides = cfg.featmap_strides ?? [8, 16, 32];
    const inRaw = Array.isArray(cfg.in_channels) ? cfg.in_channels : this.strides.map(() => cfg.in_channels as number);
    const inC = inRaw.map((c) => makeDivisible(c, w));
    this.regMax = cfg.reg_max ?? 16;
    this.numClasses = cfg.num_classes;
    const regOut = Math.max(16, Math.trunc(inC[0] / 4), this.regMax * 4);
    const clsOut = Math.max(inC[0], this.numClasses);
    this.strides.forEach((s, i) => {
      const cls0 = new ConvModule(store, `${prefix}.cls_preds.${i}.0`, inC[i], clsOut, 3, 1, 1, norm);
      const cls1 = new ConvModule(store, `${prefix}.cls_preds.${i}.1`, clsOut, clsOut, 3, 1, 1, norm);
      // Prior: about 5 objects per 640x640 image spread over the level's cells.
      const cls2 = new Conv2d(
        store,
        `${prefix}.cls_preds.${i}.2`,
        clsOut,
        this.numClasses,
        1,
        Math.log(5 / this.numClasses / (640 / s) ** 2),
      );
      const reg0 = new ConvModule(store, `${prefix}.reg_preds.${i}.0`, inC[i], regOut, 3, 1, 1, norm);
      const reg1 = new ConvModule(store, `${prefix}.reg_preds.${i}.1`, regOut, regOut, 3, 1, 1, norm);
      const reg2 = new Conv2d(store, `${prefix}.reg_preds.${i}.2`, regOut, 4 * this.regMax, 1, 1.0);
      // The head's ConvModules keep MMCV's Kaiming init: YOLOv8HeadModule.init_weights only sets
      // the prediction biases (yolov8_head.py L76-84) and, unlike the backbone and neck, resets no conv.
      for (const m of ['cls_preds', 'reg_preds'])
        for (const j of [0, 1]) store.kaimingNormalFanOut(`${prefix}.${m}.${i}.${j}.conv.weight`);
      this.branches.push({ cls: [cls0, cls1, cls2], reg: [reg0, reg1, reg2] });
    });
  }

  forward(feats: tf.Tensor4D[], ctx: ForwardCtx): HeadOutputs {
    const b = feats[0].shape[0];
    const cls: tf.Tensor[] = [];
    const reg: tf.Tensor[] = [];
    feats.forEach((x, i) => {
      const br = this.branches[i];
      const c = br.cls[2].forward(br.cls[1].forward(br.cls[0].forward(x, ctx), ctx));
      const r = br.reg[2].forward(br.reg[1].forward(br.reg[0].forward(x, ctx), ctx));
      cls.push(c.reshape([b, -1, this.numClasses]));
      reg.push(r.reshape([b, -1, 4, this.regMax]));
    });
    return { cls: tf.concat(cls, 1) as tf.Tensor3D, reg: tf.concat(reg, 1) as tf.Tensor4D };
  }
}

/** Anchor points (cell centres, offset 0.5) and their strides for an input of h x w. */
export interface Priors {
  x: Float32Array;
  y: Float32Array;
  stride: Float32Array;
  count: number;
}

export function makePriors(h: number, w: number, strides: number[]): Priors {
  const xs: number[] = [];
  const ys: number[] = [];
  const ss: number[] = [];
  for (const s of strides) {
    const fh = Math.ceil(h / s);
    const fw = Math.ceil(w / s);
    for (let i = 0; i < fh; i++)
      for (let j = 0; j < fw; j++) {
        xs.push((j + 0.5) * s);
        ys.push((i + 0.5) * s);
        ss.push(s);
      }
  }
  return { x: Float32Array.from(xs), y: Float32Array.from(ys), stride: Float32Array.from(ss), count: xs.length };
}

/** Expected side distances (in stride units) from the DFL logits: softmax . [0..reg_max-1]. */
export function distToSides(reg: tf.Tensor4D): tf.Tensor3D {
  const r = reg.shape[3];
  return tf.sum(tf.mul(tf.softmax(reg, -1), tf.range(0, r, 1, 'float32')), -1) as tf.Tensor3D;
}

/** [B,A,4] ltrb distances (stride units) -> [B,A,4] x1y1x2y2 boxes in pixels. */
export function decodeBoxes(sides: tf.Tensor3D, priors: Priors): tf.Tensor3D {
  const a = priors.count;
  const px = tf.tensor(priors.x, [1, a, 1]);
  const py = tf.tensor(priors.y, [1, a, 1]);
  const st = tf.tensor(priors.stride, [1, a, 1]);
  const [l, t, r, btm] = tf.split(tf.mul(sides, st), 4, 2);
  return tf.concat([tf.sub(px, l), tf.sub(py, t), tf.add(px, r), tf.add(py, btm)], 2) as tf.Tensor3D;
}
