// YOLODetector: data preprocessor + backbone + neck + a YOLOv8 or YOLOv5 head, built from the
// model dict of a config; training loss and inference (decode, score threshold, NMS) as
// MMYOLO's YOLOv5Head.predict_by_feat, which YOLOv8Head inherits.
import * as tf from '@tensorflow/tfjs';
import { batchedNms } from '../../boxes';
import { DetSample, Detections } from '../../data/types';
import type { ModelCfg } from '../config-types';
import { BatchTargets } from '../loss';
import { honour, notApplied } from '../not-applied';
import { ForwardCtx, ParamStore } from '../params';
import { checkType } from '../registry';
import { CSPDarknet } from './backbone';
import { DetectionHead, HeadLoss, buildHead } from './heads';
import { PAFPN } from './neck';

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
  readonly head: DetectionHead;
  readonly numClasses: number;
  readonly testCfg: TestCfg;
  private mean: number[];
  private std: number[];

  constructor(
    readonly store: ParamStore,
    model: ModelCfg,
  ) {
    checkType(model, ['model'], 'YOLODetector');
    const dp = model.data_preprocessor ?? { type: 'YOLOv5DetDataPreprocessor', mean: [0, 0, 0], std: [255, 255, 255] };
    checkType(dp, ['model', 'data_preprocessor'], 'YOLOv5DetDataPreprocessor', 'DetDataPreprocessor');
    this.mean = dp.mean ?? [0, 0, 0];
    this.std = dp.std ?? [255, 255, 255];
    // Images are decoded as RGB; MMCV reads BGR and bgr_to_rgb=True swaps it back.
    if (dp.bgr_to_rgb === false) notApplied(dp, 'bgr_to_rgb', 'the network sees RGB');
    else honour(dp);
    checkType(model.backbone, ['model', 'backbone'], 'YOLOv8CSPDarknet', 'YOLOv5CSPDarknet');
    checkType(model.neck, ['model', 'neck'], 'YOLOv8PAFPN', 'YOLOv5PAFPN');
    this.backbone = new CSPDarknet(store, model.backbone);
    this.neck = new PAFPN(store, model.neck);
    this.head = buildHead(store, model.bbox_head, model.train_cfg?.assigner);
    this.numClasses = this.head.numClasses;
    const tc = model.test_cfg ?? {};
    if (tc.nms) checkType(tc.nms, ['model', 'test_cfg', 'nms'], 'nms');
    this.testCfg = {
      // predict_by_feat: multi_label &= num_classes > 1
      multi_label: (tc.multi_label ?? true) && this.numClasses > 1,
      nms_pre: tc.nms_pre ?? 30000,
      score_thr: tc.score_thr ?? 0.001,
      iou_threshold: tc.nms?.iou_threshold ?? 0.7,
      max_per_img: tc.max_per_img ?? 300,
    };
  }

  /** Collates samples into one NHWC float batch, padding to a multiple of 32 (pad value 114, as LetterResize). */
  static collate(samples: DetSample[]): { images: Float32Array; h: number; w: number } {
    const h = Math.ceil(Math.max(...samples.map((s) => s.height)) / 32) * 32;
    const w = Math.ceil(Math.max(...samples.map((s) => s.width)) / 32) * 32;
    const images = new Float32Array(samples.length * h * w * 3).fill(114);
    samples.forEach((s, n) => {
      for (let y = 0; y < s.height; y++) {
        const src = y * s.width * 3;
        images.set(s.img.subarray(src, src + s.width * 3), (n * h + y) * w * 3);
      }
    });
    return { images, h, w };
  }

  preprocess(images: Float32Array, b: number, h: number, w: number): tf.Tensor4D {
    const x = tf.tensor4d(images, [b, h, w, 3]);
    return tf.div(tf.sub(x, tf.tensor1d(this.mean)), tf.tensor1d(this.std));
  }

  features(x: tf.Tensor4D, ctx: ForwardCtx): tf.Tensor4D[] {
    return this.neck.forward(this.backbone.forward(x, ctx), ctx);
  }

  /** The head's raw outputs (for tests). */
  forward(x: tf.Tensor4D, ctx: ForwardCtx): ReturnType<DetectionHead['forward']> {
    return this.head.forward(this.features(x, ctx), ctx);
  }

  /** Training loss of a batch; call inside tf.variableGrads / tidy. */
  loss(x: tf.Tensor4D, targets: BatchTargets, ctx: ForwardCtx): HeadLoss {
    return this.head.loss(this.features(x, ctx), targets, x.shape[1], x.shape[2], ctx);
  }

  /** Inference on a batch; boxes mapped back to each sample's original image. */
  predict(samples: DetSample[]): Detections[] {
    const { images, h, w } = YOLODetector.collate(samples);
    let p!: ReturnType<DetectionHead['predict']>;
    tf.tidy(() => {
      p = this.head.predict(
        this.features(this.preprocess(images, samples.length, h, w), { training: false, bnUpdates: [] }),
        h,
        w,
        this.testCfg.score_thr,
      );
    });
    return samples.map((s, n) => this.postprocess(p.scores, p.boxes, n, p.count, s));
  }

  postprocess(scores: Float32Array, boxes: Float32Array, n: number, A: number, s: DetSample): Detections {
    const C = this.numClasses;
    const tc = this.testCfg;
    const cand: Array<[number, number, number]> = []; // prior, class, score
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
      // Undo the LetterResize padding, then the resize (predict_by_feat, rescale=True).
      bb[i * 4] = (boxes[o] - left) / sx;
      bb[i * 4 + 1] = (boxes[o + 1] - top) / sy;
      bb[i * 4 + 2] = (boxes[o + 2] - left) / sx;
      bb[i * 4 + 3] = (boxes[o + 3] - top) / sy;
      sc[i] = score;
      lb[i] = c;
    });
    const keep = batchedNms(bb, sc, lb, tc.iou_threshold, tc.max_per_img);
    // Clipped to the original image after NMS, as predict_by_feat does (yolov5_head.py L436-437).
    const W = s.meta.oriWidth;
    const H = s.meta.oriHeight;
    const clip = (v: number, hi: number) => Math.min(Math.max(v, 0), hi);
    const out = new Float32Array(keep.length * 4);
    keep.forEach((k, i) => {
      let x1 = clip(bb[k * 4], W);
      let x2 = clip(bb[k * 4 + 2], W);
      // A TTA view flipped after resizing: mmdet's DetTTAModel flips its boxes back about the
      // original image width (det_tta.py merge_aug_bboxes, bbox_flip with ori_shape).
      if (s.meta.flip) [x1, x2] = [W - x2, W - x1];
      out.set([x1, clip(bb[k * 4 + 1], H), x2, clip(bb[k * 4 + 3], H)], i * 4);
    });
    return {
      imageId: s.meta.imageId,
      bboxes: out,
      scores: Float32Array.from(keep.map((k) => sc[k])),
      labels: Int32Array.from(keep.map((k) => lb[k])),
    };
  }
}
