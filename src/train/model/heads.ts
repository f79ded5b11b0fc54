// The detection heads as the detector uses them: built from model.bbox_head (YOLOv8Head or
// YOLOv5Head with their head modules, prior generators, coders and losses), each giving the
// training loss of a batch of features and, for inference, per-prior class scores and boxes.
import * as tf from '@tensorflow/tfjs';
import type { AssignerCfgDict, HeadCfg, LossCfg } from '../config-types';
import { AssignerCfg, defaultAssigner } from '../assigner';
import { BatchTargets, LossWeights, detectionLoss, prepareTargets, yolov8LossWeights } from '../loss';
import { BOX_FORMATS, BoxFormat, IOU_MODES, IoULossCfg, IoUMode } from '../iou-loss';
import { honour, notApplied } from '../not-applied';
import { ForwardCtx, ParamStore } from '../params';
import { checkType, where } from '../registry';
import { ConfigError } from '../../errors';
import { defaultYOLOv5Loss, matchYOLOv5, YOLOv5LossCfg, yolov5Loss } from '../yolov5-loss';
import { HeadOutputs, Priors, YOLOv8HeadModule, decodeBoxes, distToSides, makePriors } from './head';
import {
  AnchorPriors,
  YOLOv5HeadModule,
  YOLOv5HeadOutputs,
  decodeYOLOv5Boxes,
  defaultYOLOv5Anchors,
  makeAnchorPriors,
} from './yolov5-head';

export interface HeadLoss {
  loss: tf.Scalar;
  /** The named terms MMYOLO logs (loss_cls, loss_bbox, loss_dfl / loss_obj). */
  terms: Record<string, tf.Scalar>;
  numPos: number;
}

export interface HeadPrediction {
  /** [B * A * C] final class scores (YOLOv5: class x objectness; 0 where objectness <= score_thr). */
  scores: Float32Array;
  /** [B * A * 4] x1y1x2y2 in input pixels. */
  boxes: Float32Array;
  count: number;
}

export interface DetectionHead {
  readonly type: 'YOLOv8Head' | 'YOLOv5Head';
  readonly numClasses: number;
  readonly strides: number[];
  readonly lossNames: string[];
  /** Raw outputs (for tests against MMYOLO's); every head has per-prior class logits. */
  forward(feats: tf.Tensor4D[], ctx: ForwardCtx): { cls: tf.Tensor3D };
  loss(feats: tf.Tensor4D[], targets: BatchTargets, inputH: number, inputW: number, ctx: ForwardCtx): HeadLoss;
  predict(feats: tf.Tensor4D[], inputH: number, inputW: number, scoreThr: number): HeadPrediction;
}

const path = (...k: (string | number)[]) => ['model', 'bbox_head', ...k];

function lossWeight(cfg: LossCfg | undefined, name: string, types: string[], d: number): number {
  if (!cfg) return d;
  checkType(cfg, path(name), ...types);
  return cfg.loss_weight ?? d;
}

/** A setting whose value MMYOLO's head requires for this loss; another value is reported. */
function expect<K extends keyof LossCfg>(cfg: LossCfg | undefined, key: K, want: LossCfg[K], reason: string): void {
  if (cfg && cfg[key] !== undefined && cfg[key] !== want) notApplied(cfg, key, reason);
}

function iouCfgOf(cfg: LossCfg | undefined, name: string, d: IoULossCfg): IoULossCfg {
  const mode = (cfg?.iou_mode ?? d.mode) as IoUMode;
  const format = (cfg?.bbox_format ?? d.format) as BoxFormat;
  if (!IOU_MODES.includes(mode))
    throw new ConfigError(
      `model.bbox_head.${name}.iou_mode: '${mode}' is not one of ${IOU_MODES.join(', ')} (MMYOLO's IoULoss)`,
      where(path(name, 'iou_mode')),
    );
  if (!BOX_FORMATS.includes(format))
    throw new ConfigError(
      `model.bbox_head.${name}.bbox_format: '${format}' is not one of ${BOX_FORMATS.join(', ')}`,
      where(path(name, 'bbox_format')),
    );
  return { mode, format, eps: cfg?.eps ?? d.eps };
}

function sameList(a: number[] | undefined, b: number[]): boolean {
  return !a || (a.length === b.length && a.every((x, i) => x === b[i]));
}

export class YOLOv8Head implements DetectionHead {
  readonly type = 'YOLOv8Head';
  readonly module: YOLOv8HeadModule;
  readonly numClasses: number;
  readonly strides: number[];
  readonly lossNames = ['loss_cls', 'loss_bbox', 'loss_dfl'];
  readonly assigner: AssignerCfg;
  readonly weights: LossWeights;
  readonly iou: IoULossCfg;
  private priorCache = new Map<string, Priors>();

  constructor(store: ParamStore, cfg: HeadCfg, assigner: AssignerCfgDict | undefined) {
    checkType(cfg.head_module, path('head_module'), 'YOLOv8HeadModule');
    this.module = new YOLOv8HeadModule(store, cfg.head_module);
    this.numClasses = this.module.numClasses;
    this.strides = this.module.strides;
    const pg = cfg.prior_generator;
    if (pg) {
      checkType(pg, path('prior_generator'), 'MlvlPointGenerator');
      if ((pg.offset ?? 0.5) !== 0.5) notApplied(pg, 'offset', 'priors sit at cell centres (offset 0.5)');
      if (!sameList(pg.strides, this.strides))
        notApplied(pg, 'strides', `the head's featmap_strides ${JSON.stringify(this.strides)} are used`);
    }
    if (cfg.bbox_coder) {
      checkType(cfg.bbox_coder, path('bbox_coder'), 'DistancePointBBoxCoder');
      honour(cfg.bbox_coder);
    }
    if (assigner) checkType(assigner, ['model', 'train_cfg', 'assigner'], 'BatchTaskAlignedAssigner');
    if (assigner?.num_classes !== undefined && assigner.num_classes !== this.numClasses)
      notApplied(assigner, 'num_classes', `the head's num_classes ${this.numClasses} is used`);
    this.assigner = {
      topk: assigner?.topk ?? defaultAssigner.topk,
      alpha: assigner?.alpha ?? defaultAssigner.alpha,
      beta: assigner?.beta ?? defaultAssigner.beta,
      eps: assigner?.eps ?? defaultAssigner.eps,
      use_ciou: assigner?.use_ciou ?? defaultAssigner.use_ciou,
    };
    this.weights = {
      cls: lossWeight(cfg.loss_cls, 'loss_cls', ['CrossEntropyLoss'], yolov8LossWeights.cls),
      bbox: lossWeight(cfg.loss_bbox, 'loss_bbox', ['IoULoss'], yolov8LossWeights.bbox),
      dfl: lossWeight(cfg.loss_dfl, 'loss_dfl', ['DistributionFocalLoss'], yolov8LossWeights.dfl),
    };
    expect(cfg.loss_cls, 'use_sigmoid', true, 'sigmoid BCE is used');
    expect(cfg.loss_cls, 'reduction', 'none', "YOLOv8Head sums the elementwise loss ('none')");
    expect(cfg.loss_bbox, 'reduction', 'sum', "YOLOv8Head sums the box loss ('sum')");
    expect(cfg.loss_bbox, 'return_iou', false, 'YOLOv8Head uses the loss only');
    expect(cfg.loss_dfl, 'reduction', 'mean', "'mean' over the assigned score sum is used");
    this.iou = iouCfgOf(cfg.loss_bbox, 'loss_bbox', { mode: 'ciou', format: 'xyxy', eps: 1e-7 });
  }

  priors(h: number, w: number): Priors {
    const key = `${h}x${w}`;
    let p = this.priorCache.get(key);
    if (!p) this.priorCache.set(key, (p = makePriors(h, w, this.strides)));
    return p;
  }

  forward(feats: tf.Tensor4D[], ctx: ForwardCtx): HeadOutputs {
    return this.module.forward(feats, ctx);
  }

  loss(feats: tf.Tensor4D[], targets: BatchTargets, inputH: number, inputW: number, ctx: ForwardCtx): HeadLoss {
    const out = this.module.forward(feats, ctx);
    const priors = this.priors(inputH, inputW);
    const t = prepareTargets(out, priors, targets, this.assigner);
    const terms = detectionLoss(out, priors, t, this.weights, this.iou);
    return {
      loss: terms.loss,
      terms: { loss_cls: terms.loss_cls, loss_bbox: terms.loss_bbox, loss_dfl: terms.loss_dfl },
      numPos: t.numPos,
    };
  }

  predict(feats: tf.Tensor4D[], inputH: number, inputW: number): HeadPrediction {
    let p!: HeadPrediction;
    tf.tidy(() => {
      const out = this.module.forward(feats, { training: false, bnUpdates: [] });
      p = this.decode(out.cls, distToSides(out.reg), inputH, inputW);
    });
    return p;
  }

  /** Class logits [B, A, C] and side distances [B, A, 4] (strides) -> scores and pixel boxes
   * (DistancePointBBoxCoder.decode with MlvlPointGenerator's priors). */
  decode(cls: tf.Tensor3D, sides: tf.Tensor3D, inputH: number, inputW: number): HeadPrediction {
    const priors = this.priors(inputH, inputW);
    // Read outside tidy: tidy walks a returned typed array element by element.
    const [scores, boxes] = readAndDispose(tf.tidy(() => [tf.sigmoid(cls), decodeBoxes(sides, priors)]));
    return { scores, boxes, count: priors.count };
  }
}

export class YOLOv5Head implements DetectionHead {
  readonly type = 'YOLOv5Head';
  readonly module: YOLOv5HeadModule;
  readonly numClasses: number;
  readonly strides: number[];
  readonly lossNames = ['loss_cls', 'loss_obj', 'loss_bbox'];
  readonly lossCfg: YOLOv5LossCfg;
  readonly anchors: Array<Array<[number, number]>>;
  private priorCache = new Map<string, AnchorPriors>();

  constructor(store: ParamStore, cfg: HeadCfg) {
    checkType(cfg.head_module, path('head_module'), 'YOLOv5HeadModule');
    this.module = new YOLOv5HeadModule(store, cfg.head_module);
    this.numClasses = this.module.numClasses;
    this.strides = this.module.strides;
    const pg = cfg.prior_generator;
    if (pg) checkType(pg, path('prior_generator'), 'YOLOAnchorGenerator');
    // Copied to plain numbers now: the anchors are used at the first loss, after the report.
    this.anchors = (pg?.base_sizes ?? defaultYOLOv5Anchors).map((level) =>
      level.map(([w, h]) => [w, h] as [number, number]),
    );
    const L = this.strides.length;
    if (this.anchors.length !== L || this.anchors.some((l) => l.length !== this.module.numBasePriors))
      throw new ConfigError(
        `model.bbox_head.prior_generator.base_sizes: expected ${L} levels of ${this.module.numBasePriors} (w, h) anchors (num_base_priors), got ${JSON.stringify(this.anchors)}`,
        where(path('prior_generator', 'base_sizes')),
      );
    if (pg && !sameList(pg.strides, this.strides))
      notApplied(pg, 'strides', `the head's featmap_strides ${JSON.stringify(this.strides)} are used`);
    if (cfg.bbox_coder) {
      checkType(cfg.bbox_coder, path('bbox_coder'), 'YOLOv5BBoxCoder');
      honour(cfg.bbox_coder);
    }
    const d = defaultYOLOv5Loss;
    expect(cfg.loss_cls, 'use_sigmoid', true, 'sigmoid BCE is used');
    expect(cfg.loss_obj, 'use_sigmoid', true, 'sigmoid BCE is used');
    for (const k of ['loss_cls', 'loss_obj', 'loss_bbox'] as const)
      expect(cfg[k], 'reduction', 'mean', "'mean' is used");
    expect(cfg.loss_bbox, 'return_iou', true, 'YOLOv5Head needs the IoU for the objectness target');
    const objLevelWeights = cfg.obj_level_weights ?? d.objLevelWeights;
    if (objLevelWeights.length !== L)
      throw new ConfigError(
        `model.bbox_head.obj_level_weights has ${objLevelWeights.length} entries for ${L} levels`,
        where(path('obj_level_weights')),
      );
    if ((cfg.ignore_iof_thr ?? -1) !== -1)
      notApplied(
        cfg,
        'ignore_iof_thr',
        'ignored boxes are dropped from the targets; the ignore-region loss is not built',
      );
    this.lossCfg = {
      clsWeight: lossWeight(cfg.loss_cls, 'loss_cls', ['CrossEntropyLoss'], d.clsWeight),
      bboxWeight: lossWeight(cfg.loss_bbox, 'loss_bbox', ['IoULoss'], d.bboxWeight),
      objWeight: lossWeight(cfg.loss_obj, 'loss_obj', ['CrossEntropyLoss'], d.objWeight),
      priorMatchThr: cfg.prior_match_thr ?? d.priorMatchThr,
      nearNeighborThr: cfg.near_neighbor_thr ?? d.nearNeighborThr,
      objLevelWeights,
      iou: iouCfgOf(cfg.loss_bbox, 'loss_bbox', d.iou),
    };
  }

  priors(h: number, w: number): AnchorPriors {
    const key = `${h}x${w}`;
    let p = this.priorCache.get(key);
    if (!p) this.priorCache.set(key, (p = makeAnchorPriors(h, w, this.strides, this.anchors)));
    return p;
  }

  forward(feats: tf.Tensor4D[], ctx: ForwardCtx): YOLOv5HeadOutputs {
    return this.module.forward(feats, ctx);
  }

  loss(feats: tf.Tensor4D[], targets: BatchTargets, inputH: number, inputW: number, ctx: ForwardCtx): HeadLoss {
    const out = this.module.forward(feats, ctx);
    const priors = this.priors(inputH, inputW);
    const t = yolov5Loss(out, priors, matchYOLOv5(targets, priors, inputH, inputW, this.lossCfg), this.lossCfg);
    return {
      loss: t.loss,
      terms: { loss_cls: t.loss_cls, loss_obj: t.loss_obj, loss_bbox: t.loss_bbox },
      numPos: t.numPos,
    };
  }

  /** YOLOv5Head.predict_by_feat (yolov5_head.py L300-440): scores are class x objectness, and a
   * prior whose objectness is not above score_thr is dropped first. */
  predict(feats: tf.Tensor4D[], inputH: number, inputW: number, scoreThr: number): HeadPrediction {
    let p!: HeadPrediction;
    tf.tidy(() => {
      p = this.decode(this.module.forward(feats, { training: false, bnUpdates: [] }), inputH, inputW, scoreThr);
    });
    return p;
  }

  /** Raw outputs -> final scores and pixel boxes (YOLOv5BBoxCoder.decode on the anchors). */
  decode(out: YOLOv5HeadOutputs, inputH: number, inputW: number, scoreThr: number): HeadPrediction {
    const priors = this.priors(inputH, inputW);
    const [cls, obj, boxes] = readAndDispose(
      tf.tidy(() => [tf.sigmoid(out.cls), tf.sigmoid(out.obj), decodeYOLOv5Boxes(out.box, priors)]),
    );
    const C = this.numClasses;
    for (let i = 0; i < obj.length; i++) {
      const keep = !(scoreThr > 0) || obj[i] > scoreThr;
      for (let c = 0; c < C; c++) cls[i * C + c] = keep ? Math.fround(cls[i * C + c] * obj[i]) : 0;
    }
    return { scores: cls, boxes, count: priors.count };
  }
}

/** The tensors' values (float32), the tensors disposed. */
function readAndDispose(ts: tf.Tensor[]): Float32Array[] {
  const out = ts.map((t) => t.dataSync() as Float32Array);
  tf.dispose(ts);
  return out;
}

export function buildHead(store: ParamStore, cfg: HeadCfg, assigner: AssignerCfgDict | undefined): DetectionHead {
  const type = checkType(cfg, ['model', 'bbox_head'], 'YOLOv8Head', 'YOLOv5Head');
  // YOLOv5Head has no assigner: model.train_cfg is then never read, and the report says so.
  if (type === 'YOLOv5Head') return new YOLOv5Head(store, cfg);
  return new YOLOv8Head(store, cfg, assigner);
}
