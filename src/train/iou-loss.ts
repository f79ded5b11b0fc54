// MMYOLO's IoULoss overlap (mmyolo/models/losses/iou_loss.py bbox_overlaps): elementwise
// CIoU / GIoU / SIoU of paired boxes in 'xyxy' or 'xywh' (centre, size) format, clamped to
// [-1, 1]. Written op for op as MMYOLO does it, since the YOLOv5 objectness target is this
// value and the losses are compared with MMYOLO's to 1e-4.
import * as tf from '@tensorflow/tfjs';
import { stopGradient } from './ops';

export type IoUMode = 'ciou' | 'giou' | 'siou';
export type BoxFormat = 'xyxy' | 'xywh';
export const IOU_MODES: IoUMode[] = ['ciou', 'giou', 'siou'];
export const BOX_FORMATS: BoxFormat[] = ['xyxy', 'xywh'];

export interface IoULossCfg {
  mode: IoUMode;
  format: BoxFormat;
  eps: number;
}

function corners(b: tf.Tensor, format: BoxFormat): tf.Tensor[] {
  const [a, c, d, e] = tf.split(b, 4, -1);
  if (format === 'xyxy') return [a, c, d, e];
  // HorizontalBoxes.cxcywh_to_xyxy: ctr - wh / 2, ctr + wh / 2
  const hw = tf.div(d, 2);
  const hh = tf.div(e, 2);
  return [tf.sub(a, hw), tf.sub(c, hh), tf.add(a, hw), tf.add(c, hh)];
}

/** [..., 4] x [..., 4] -> [...] overlap (iou_loss.py bbox_overlaps, L17-137). */
export function bboxOverlaps(pred: tf.Tensor, target: tf.Tensor, cfg: IoULossCfg): tf.Tensor {
  const { eps } = cfg;
  const [b1x1, b1y1, b1x2, b1y2] = corners(pred, cfg.format);
  const [b2x1, b2y1, b2x2, b2y2] = corners(target, cfg.format);
  const overlap = tf.mul(
    tf.relu(tf.sub(tf.minimum(b1x2, b2x2), tf.maximum(b1x1, b2x1))),
    tf.relu(tf.sub(tf.minimum(b1y2, b2y2), tf.maximum(b1y1, b2y1))),
  );
  const w1 = tf.sub(b1x2, b1x1);
  const w2 = tf.sub(b2x2, b2x1);
  // The union uses the plain heights; eps is added to them only afterwards (for the aspect term).
  const union = tf.add(tf.sub(tf.add(tf.mul(w1, tf.sub(b1y2, b1y1)), tf.mul(w2, tf.sub(b2y2, b2y1))), overlap), eps);
  const h1 = tf.add(tf.sub(b1y2, b1y1), eps);
  const h2 = tf.add(tf.sub(b2y2, b2y1), eps);
  let ious = tf.div(overlap, union);
  const encW = tf.relu(tf.sub(tf.maximum(b1x2, b2x2), tf.minimum(b1x1, b2x1)));
  const encH = tf.relu(tf.sub(tf.maximum(b1y2, b2y2), tf.minimum(b1y1, b2y1)));
  if (cfg.mode === 'ciou') {
    const encArea = tf.add(tf.add(tf.square(encW), tf.square(encH)), eps);
    const rho2 = tf.add(
      tf.div(tf.square(tf.sub(tf.add(b2x1, b2x2), tf.add(b1x1, b1x2))), 4),
      tf.div(tf.square(tf.sub(tf.add(b2y1, b2y2), tf.add(b1y1, b1y2))), 4),
    );
    const v = tf.mul(4 / (Math.PI * Math.PI), tf.square(tf.sub(tf.atan(tf.div(w2, h2)), tf.atan(tf.div(w1, h1)))));
    const alpha = stopGradient(tf.div(v, tf.add(tf.sub(v, ious), 1 + eps)));
    ious = tf.sub(ious, tf.add(tf.div(rho2, encArea), tf.mul(alpha, v)));
  } else if (cfg.mode === 'giou') {
    const convex = tf.add(tf.mul(encW, encH), eps);
    ious = tf.sub(ious, tf.div(tf.sub(convex, union), convex));
  } else {
    const sigmaCw = tf.add(tf.sub(tf.div(tf.add(b2x1, b2x2), 2), tf.div(tf.add(b1x1, b1x2), 2)), eps);
    const sigmaCh = tf.add(tf.sub(tf.div(tf.add(b2y1, b2y2), 2), tf.div(tf.add(b1y1, b1y2), 2)), eps);
    const sigma = tf.pow(tf.add(tf.square(sigmaCw), tf.square(sigmaCh)), 0.5);
    const sinBeta = tf.div(tf.abs(sigmaCw), sigma);
    let sinAlpha = tf.div(tf.abs(sigmaCh), sigma);
    sinAlpha = tf.where(tf.lessEqual(sinAlpha, Math.sin(Math.PI / 4)), sinAlpha, sinBeta);
    const angleCost = tf.cos(tf.sub(tf.mul(tf.asin(sinAlpha), 2), Math.PI / 2));
    const rhoX = tf.square(tf.div(sigmaCw, encW));
    const rhoY = tf.square(tf.div(sigmaCh, encH));
    const gamma = tf.sub(2, angleCost);
    const dist = tf.add(tf.sub(1, tf.exp(tf.mul(tf.neg(gamma), rhoX))), tf.sub(1, tf.exp(tf.mul(tf.neg(gamma), rhoY))));
    const omegaW = tf.div(tf.abs(tf.sub(w1, w2)), tf.maximum(w1, w2));
    const omegaH = tf.div(tf.abs(tf.sub(h1, h2)), tf.maximum(h1, h2));
    const shape = tf.add(tf.pow(tf.sub(1, tf.exp(tf.neg(omegaW))), 4), tf.pow(tf.sub(1, tf.exp(tf.neg(omegaH))), 4));
    ious = tf.sub(ious, tf.mul(tf.add(dist, shape), 0.5));
  }
  return tf.clipByValue(ious, -1, 1).squeeze([-1]);
}
