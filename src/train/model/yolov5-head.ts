// YOLOv5HeadModule (one 1x1 prediction conv per level, num_base_priors x (4 box + 1
// objectness + num_classes) channels), the anchors of mmdet's YOLOAnchorGenerator and the
// YOLOv5BBoxCoder decode. Names, channel order and initialisation follow
// mmyolo/models/dense_heads/yolov5_head.py.
import * as tf from '@tensorflow/tfjs';
import { ForwardCtx, ParamStore } from '../params';
import { Conv2d, makeDivisible } from './layers';

export interface YOLOv5HeadModuleCfg {
  type?: string;
  num_classes: number;
  in_channels: number[] | number;
  widen_factor?: number;
  num_base_priors?: number;
  featmap_strides?: number[];
}

/** mmyolo's default anchors (yolov5_head.py YOLOv5Head.__init__ prior_generator), pixels (w, h). */
export const defaultYOLOv5Anchors: Array<Array<[number, number]>> = [
  [
    [10, 13],
    [16, 30],
    [33, 23],
  ],
  [
    [30, 61],
    [62, 45],
    [59, 119],
  ],
  [
    [116, 90],
    [156, 198],
    [373, 326],
  ],
];

export interface YOLOv5HeadOutputs {
  box: tf.Tensor3D;
  obj: tf.Tensor2D;
  cls: tf.Tensor3D;
}

export class YOLOv5HeadModule {
  readonly strides: number[];
  readonly numClasses: number;
  readonly numBasePriors: number;
  /** 5 + num_classes: x, y, w, h, objectness, classes. */
  readonly numAttrib: number;
  private convs: Conv2d[] = [];

  constructor(store: ParamStore, cfg: YOLOv5HeadModuleCfg, prefix = 'bbox_head.head_module') {
    const w = cfg.widen_factor ?? 1;
    this.strides = cfg.featmap_strides ?? [8, 16, 32];
    this.numClasses = cfg.num_classes;
    this.numBasePriors = cfg.num_base_priors ?? 3;
    this.numAttrib = 5 + this.numClasses;
    const inRaw = Array.isArray(cfg.in_channels) ? cfg.in_channels : this.strides.map(() => cfg.in_channels as number);
    const inC = inRaw.map((c) => makeDivisible(c, w));
    this.strides.forEach((s, i) => {
      const conv = new Conv2d(store, `${prefix}.convs_pred.${i}`, inC[i], this.numBasePriors * this.numAttrib, 1);
      // YOLOv5HeadModule.init_weights (yolov5_head.py L84-97): the default bias plus a prior of
      // 8 objects per 640x640 image on objectness and 0.6 / (num_classes - 0.999999) on classes.
      const bias = Float32Array.from(conv.bias.dataSync());
      for (let a = 0; a < this.numBasePriors; a++) {
        bias[a * this.numAttrib + 4] += Math.log(8 / (640 / s) ** 2);
        for (let c = 0; c < this.numClasses; c++)
          bias[a * this.numAttrib + 5 + c] += Math.log(0.6 / (this.numClasses - 0.999999));
      }
      conv.bias.assign(tf.tensor1d(bias));
      this.convs.push(conv);
    });
  }

  /** Raw predictions, priors ordered level, row, column, base prior (as MMYOLO flattens them):
   * box [B, A, 4], objectness [B, A], class logits [B, A, C]. */
  forward(feats: tf.Tensor4D[], _ctx: ForwardCtx): YOLOv5HeadOutputs {
    const b = feats[0].shape[0];
    const levels = feats.map((x, i) => this.convs[i].forward(x).reshape([b, -1, this.numAttrib]));
    const raw = tf.concat(levels, 1) as tf.Tensor3D;
    const [box, obj, cls] = tf.split(raw, [4, 1, this.numClasses], 2) as tf.Tensor3D[];
    return { box, obj: obj.squeeze([2]) as tf.Tensor2D, cls };
  }
}

/** Anchors of every prior for an input of h x w: centre (pixels), size (pixels), stride, level. */
export interface AnchorPriors {
  count: number;
  cx: Float32Array;
  cy: Float32Array;
  w: Float32Array;
  h: Float32Array;
  stride: Float32Array;
  /** Per level: first prior index, feature map height and width. */
  levels: Array<{ start: number; h: number; w: number; stride: number; baseSizes: Array<[number, number]> }>;
}

/** mmdet YOLOAnchorGenerator.grid_priors: per level, cells row by row, base anchors fastest;
 * the centre of cell (x, y) is (x * stride + stride / 2, y * stride + stride / 2). */
export function makeAnchorPriors(
  h: number,
  w: number,
  strides: number[],
  baseSizes: Array<Array<[number, number]>>,
): AnchorPriors {
  const levels: AnchorPriors['levels'] = [];
  let count = 0;
  strides.forEach((s, i) => {
    const fh = Math.ceil(h / s);
    const fw = Math.ceil(w / s);
    levels.push({ start: count, h: fh, w: fw, stride: s, baseSizes: baseSizes[i] });
    count += fh * fw * baseSizes[i].length;
  });
  const p: AnchorPriors = {
    count,
    cx: new Float32Array(count),
    cy: new Float32Array(count),
    w: new Float32Array(count),
    h: new Float32Array(count),
    stride: new Float32Array(count),
    levels,
  };
  for (const lv of levels) {
    const na = lv.baseSizes.length;
    for (let y = 0; y < lv.h; y++)
      for (let x = 0; x < lv.w; x++)
        for (let a = 0; a < na; a++) {
          const k = lv.start + (y * lv.w + x) * na + a;
          p.cx[k] = x * lv.stride + lv.stride / 2;
          p.cy[k] = y * lv.stride + lv.stride / 2;
          p.w[k] = lv.baseSizes[a][0];
          p.h[k] = lv.baseSizes[a][1];
          p.stride[k] = lv.stride;
        }
  }
  return p;
}

/** YOLOv5BBoxCoder.decode (coders/yolov5_bbox_coder.py): raw [B, A, 4] -> x1y1x2y2 pixels. */
export function decodeYOLOv5Boxes(raw: tf.Tensor3D, p: AnchorPriors): tf.Tensor3D {
  const a = p.count;
  const s = tf.sigmoid(raw);
  const [sx, sy, sw, sh] = tf.split(s, 4, 2);
  const t = (v: Float32Array) => tf.tensor(v, [1, a, 1]);
  const st = t(p.stride);
  const xc = tf.add(tf.mul(tf.mul(tf.sub(sx, 0.5), 2), st), t(p.cx));
  const yc = tf.add(tf.mul(tf.mul(tf.sub(sy, 0.5), 2), st), t(p.cy));
  const wp = tf.mul(tf.square(tf.mul(sw, 2)), t(p.w));
  const hp = tf.mul(tf.square(tf.mul(sh, 2)), t(p.h));
  const hw = tf.div(wp, 2);
  const hh = tf.div(hp, 2);
  return tf.concat([tf.sub(xc, hw), tf.sub(yc, hh), tf.add(xc, hw), tf.add(yc, hh)], 2) as tf.Tensor3D;
}
