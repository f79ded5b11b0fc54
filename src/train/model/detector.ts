// YOLODetector: data preprocessor + backbone + neck + YOLOv8 head, built from the
// model dict of a config; training loss and inference (decode, score threshold, NMS).
import * as tf from '@tensorflow/tfjs';
import { batchedNms } from '../../boxes';
import { DetSample, Detections } from '../../data/types';
import { AssignerCfg, defaultAssigner } from '../assigner';
import { BatchTargets, LossTerms, LossWeights, detectionLoss, prepareTargets, yolov8LossWeights } from '../loss';
import { ForwardCtx, ParamStore } from '../params';
import { CSPDarknet } from './backbone';
import { HeadOutputs, YOLOv8HeadModule, decodeBoxes, distToSides, makePriors, Priors } from './head';
import { PAFPN } from './neck';
import { checkType } from '../registry';

export interface TestCfg {
  multi_label: boolean;
  nms_pre: number;
  score_thr: number;
  iou_threshold: number;
  max_per_img: number;
}

export class YOLODetector {
  readonly backbone: CSPDarknet;
  readonly neck: PAFPN;
  readonly head: YOLOv8HeadModule;
  readonly numClasses: number;
  readonly testCfg: TestCfg;
  readonly assigner: AssignerCfg;
  readonly lossWeights: LossWeights;
  private mean: number[];
  private std: number[];
  private priorCache = new Map<string, Priors>();

  constructor(readonly store: ParamStore, model: Record<string, any>) {
    checkType(model, ['model'], 'YOLODetector');
    const dp = model.data_preprocessor ?? { type: 'YOLOv5DetDataPreprocessor', mean: [0, 0, 0], std: [255, 255, 255] };
    checkType(dp, ['model', 'data_preprocessor'], 'YOLOv5DetDataPreprocessor', 'DetDataPreprocessor');
    this.mean = dp.mean ?? [0, 0, 0];
    this.std = dp.std ?? [255, 255, 255];
    checkType(model.backbone, ['model', 'backbone'], 'YOLOv8CSPDarknet', 'YOLOv5CSPDarknet');
    checkType(model.neck, ['model', 'neck'], 'YOLOv8PAFPN', 'YOLOv5PAFPN');
    const head = model.bbox_head;
    checkType(head, ['model', 'bbox_head'], 'YOLOv8Head');
    checkType(head.head_module, ['model', 'bbox_head', 'head_module'], 'YOLOv8HeadModule');
    this.backbone = new CSPDarknet(store, model.backbone);
    this.neck = new PAFPN(store, model.neck);
    this.head = new YOLOv8HeadModule(store, head.head_module);
    this.numClasses = this.head.numClasses;
    const tc = model.test_cfg ?? {};
    this.testCfg = {
      multi_label: tc.multi_label ?? true,
      nms_pre: tc.nms_pre ?? 30000,
      score_thr: tc.score_thr ?? 0.001,
      iou_threshold: tc.nms?.iou_threshold ?? 0.7,
      max_per_img: tc.max_per_img ?? 300,
    };
    const asg = model.train_cfg?.assigner ?? {};
    if (model.train_cfg?.assigner) checkType(asg, ['model', 'train_cfg', 'assigner'], 'BatchTaskAlignedAssigner');
    this.assigner = {
      topk: asg.topk ?? defaultAssigner.topk,
      alpha: asg.alpha ?? defaultAssigner.alpha,
      beta: asg.beta ?? defaultAssigner.beta,
      eps: asg.eps ?? defaultAssigner.eps,
      use_ciou: asg.use_ciou ?? defaultAssigner.use_ciou,
    };
    const lw = (k: string, types: string[], d: number) => {
      if (!head[k]) return d;
      checkType(head[k], ['model', 'bbox_head', k], ...types);
      return head[k].loss_weight ?? d;
    };
    this.lossWeights = {
      cls: lw('loss_cls', ['CrossEntropyLoss'], yolov8LossWeights.cls),
      bbox: lw('loss_bbox', ['IoULoss'], yolov8LossWeights.bbox),
      dfl: lw('loss_dfl', ['DistributionFocalLoss'], yolov8LossWeights.dfl),
    };
  }

  priors(h: number, w: number): Priors {
    const key = `${h}x${w}`;
    let p = this.priorCache.get(key);
    if (!p) this.priorCache.set(key, (p = makePriors(h, w, this.head.strides)));
    return p;
  }

  /** Collates samples into one NHWC float batch, padding to a multiple of 32 (pad value 114, as LetterResize). */
  static collate(samples: DetSample[]): { images: Float32Array; h: number; w: number } {
    const h = Math.ceil(Math.max(...samples.map((s) => s.height)) / 32) * 32;
    const w = Math.ceil(Math.max(...samples.map((s) => s.width)) / 32) * 32;
    const images = new Float32Array(samples.length * h * w * 3).fill(114);
    samples.forEach((s, n) => {
      for (let y = 0; y < s.height; y++) {
        const src = y * s.width * 3;
        images.set(s.img.subarray(src, src + s.width * 3), ((n * h + y) * w) * 3);
      }
    });
    return { images, h, w };
  }

  preprocess(images: Float32Array, b: number, h: number, w: number): tf.Tensor4D {
    const x = tf.tensor4d(images, [b, h, w, 3]);
    return tf.div(tf.sub(x, tf.tensor1d(this.mean)), tf.tensor1d(this.std));
  }

  forward(x: tf.Tensor4D, ctx: ForwardCtx): HeadOutputs {
    return this.head.forward(this.neck.forward(this.backbone.forward(x, ctx), ctx), ctx);
  }

  /** Training loss of a batch; call inside tf.variableGrads / tidy. */
  loss(x: tf.Tensor4D, targets: BatchTargets, ctx: ForwardCtx): LossTerms & { numPos: number } {
    const out = this.forward(x, ctx);
    const priors = this.priors(x.shape[1], x.shape[2]);
    const t = prepareTargets(out, priors, targets, this.assigner);
    const terms = detectionLoss(out, priors, t, this.lossWeights);
    return { ...terms, numPos: t.numPos };
  }

  /** Inference on a batch; boxes mapped back to each sample's original image. */
  predict(samples: DetSample[]): Detections[] {
    const { images, h, w } = YOLODetector.collate(samples);
    const priors = this.priors(h, w);
    // Read outside tidy: tidy walks a returned typed array element by element.
    const outs = tf.tidy(() => {
      const out = this.forward(this.preprocess(images, samples.length, h, w), { training: false, bnUpdates: [] });
      return [tf.sigmoid(out.cls), decodeBoxes(distToSides(out.reg), priors)];
    });
    const [scores, boxes] = outs.map((t) => t.dataSync() as Float32Array);
    tf.dispose(outs);
    return samples.map((s, n) => this.postprocess(scores as Float32Array, boxes as Float32Array, n, priors.count, s));
  }

  postprocess(scores: Float32Array, boxes: Float32Array, n: number, A: number, s: DetSample): Detections {
    const C = this.numClasses;
    const tc = this.testCfg;
    const cand: Array<[number, number, number]> = []; // anchor, class, score
    for (let a = 0; a < A; a++) {
      const base = (n * A + a) * C;
      if (tc.multi_label) {
        for (let c = 0; c < C; c++) if (scores[base + c] > tc.score_thr) cand.push([a, c, scores[base + c]]);
      } else {
        let best = 0;
        for (let c = 1; c < C; c++) if (scores[base + c] > scores[base + best]) best = c;
        if (scores[base + best] > tc.score_thr) cand.push([a, best, scores[base + best]]);
      }
    }
    cand.sort((p, q) => q[2] - p[2]);
    if (cand.length > tc.nms_pre) cand.length = tc.nms_pre;
    const bb = new Float32Array(cand.length * 4);
    const sc = new Float32Array(cand.length);
    const lb = new Int32Array(cand.length);
    const [sx, sy] = s.meta.scaleFactor;
    const [top, , left] = s.meta.pad;
    cand.forEach(([a, c, score], i) => {
      const o = (n * A + a) * 4;
      let [x1, y1, x2, y2] = [boxes[o], boxes[o + 1], boxes[o + 2], boxes[o + 3]];
      // A flip (TTA) was applied last, on the padded image of width s.width: undo it first.
      if (s.meta.flip) [x1, x2] = [s.width - x2, s.width - x1];
      // Undo LetterResize padding and the resize, then clip to the original image.
      bb[i * 4] = Math.min(Math.max((x1 - left) / sx, 0), s.meta.oriWidth);
      bb[i * 4 + 1] = Math.min(Math.max((y1 - top) / sy, 0), s.meta.oriHeight);
      bb[i * 4 + 2] = Math.min(Math.max((x2 - left) / sx, 0), s.meta.oriWidth);
      bb[i * 4 + 3] = Math.min(Math.max((y2 - top) / sy, 0), s.meta.oriHeight);
      sc[i] = score;
      lb[i] = c;
    });
    const keep = batchedNms(bb, sc, lb, tc.iou_threshold, tc.max_per_img);
    return {
      imageId: s.meta.imageId,
      bboxes: Float32Array.from(keep.flatMap((k) => [bb[k * 4], bb[k * 4 + 1], bb[k * 4 + 2], bb[k * 4 + 3]])),
      scores: Float32Array.from(keep.map((k) => sc[k])),
      labels: Int32Array.from(keep.map((k) => lb[k])),
    };
  }
}
