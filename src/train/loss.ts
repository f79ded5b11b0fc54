// YOLOv8Head.loss_by_feat: sigmoid BCE on soft task-aligned targets, CIoU on positives,
// Distribution Focal Loss on the side distributions; each normalised by the sum of the
// target scores and multiplied by the batch size, as MMYOLO does. Targets come from the
// assigner (plain JS); the differentiable part uses dense masks instead of gathers
// (gather's gradient needs UnsortedSegmentSum, which wasm lacks).
import * as tf from '@tensorflow/tfjs';
import { bboxOverlaps, IoULossCfg } from './iou-loss';
import { assignTaskAligned, AssignerCfg, defaultAssigner } from './assigner';
import { HeadOutputs, Priors, decodeBoxes, distToSides } from './model/head';

export interface LossWeights {
  cls: number;
  bbox: number;
  dfl: number;
}

export const yolov8LossWeights: LossWeights = { cls: 0.5, bbox: 7.5, dfl: 1.5 / 4 };

export interface BatchTargets {
  boxes: Float32Array[]; // per image, G*4 pixels (ignored boxes already removed)
  labels: Int32Array[];
}

export interface LossTerms {
  loss: tf.Scalar;
  loss_cls: tf.Scalar;
  loss_bbox: tf.Scalar;
  loss_dfl: tf.Scalar;
}

/** Sigmoid binary cross-entropy with logits, elementwise, numerically stable. */
export function bceWithLogits(x: tf.Tensor, z: tf.Tensor): tf.Tensor {
  return tf.add(tf.sub(tf.relu(x), tf.mul(x, z)), tf.softplus(tf.neg(tf.abs(x))));
}

/** Elementwise CIoU of [...,4] x1y1x2y2 boxes (MMYOLO bbox_overlaps, mode 'ciou'). */
export function ciou(pred: tf.Tensor, target: tf.Tensor, eps = 1e-7): tf.Tensor {
  return bboxOverlaps(pred, target, { mode: 'ciou', format: 'xyxy', eps });
}

const yolov8Iou: IoULossCfg = { mode: 'ciou', format: 'xyxy', eps: 1e-7 };

export interface PreparedTargets {
  scores: tf.Tensor3D; // [B,A,C]
  boxes: tf.Tensor3D; // [B,A,4] in stride units (dummy unit box where negative)
  weight: tf.Tensor2D; // [B,A] bbox weight = target score sum (0 where negative)
  dfl: tf.Tensor4D; // [B,A,4,R] two-hot interpolation weights of the side targets
  scoresSum: number;
  numPos: number;
}

/** Runs the assigner on detached predictions and builds dense targets. */
export function prepareTargets(
  out: HeadOutputs,
  priors: Priors,
  targets: BatchTargets,
  cfg: AssignerCfg = defaultAssigner,
): PreparedTargets {
  const [B, A, C] = out.cls.shape;
  const R = out.reg.shape[3];
  // Read outside tidy: tidy walks a returned typed array element by element (seconds per step).
  const detached = tf.tidy(() => [tf.sigmoid(out.cls), decodeBoxes(distToSides(out.reg), priors)]);
  const [scoresArr, boxesArr] = detached.map((t) => t.dataSync() as Float32Array);
  tf.dispose(detached);
  const scores = new Float32Array(B * A * C);
  const boxes = new Float32Array(B * A * 4);
  const weight = new Float32Array(B * A);
  const dfl = new Float32Array(B * A * 4 * R);
  let scoresSum = 0;
  let numPos = 0;
  for (let b = 0; b < B; b++) {
    const asg = assignTaskAligned(
      scoresArr.subarray(b * A * C, (b + 1) * A * C),
      boxesArr.subarray(b * A * 4, (b + 1) * A * 4),
      priors,
      targets.boxes[b],
      targets.labels[b],
      C,
      cfg,
    );
    scores.set(asg.scores, b * A * C);
    for (let a = 0; a < A; a++) {
      const o = b * A + a;
      let w = 0;
      for (let c = 0; c < C; c++) w += asg.scores[a * C + c];
      scoresSum += w;
      if (!asg.fg[a]) {
        boxes.set([0, 0, 1, 1], o * 4);
        continue;
      }
      numPos++;
      weight[o] = w;
      const s = priors.stride[a];
      const px = priors.x[a] / s;
      const py = priors.y[a] / s;
      const gb = asg.boxes.subarray(a * 4, a * 4 + 4);
      const t = [gb[0] / s, gb[1] / s, gb[2] / s, gb[3] / s];
      boxes.set(t, o * 4);
      // Side distances in stride units, clamped below the last bin (max_dis = reg_max - 1, eps 0.01).
      const sides = [px - t[0], py - t[1], t[2] - px, t[3] - py];
      for (let k = 0; k < 4; k++) {
        const d = Math.min(Math.max(sides[k], 0), R - 1 - 0.01);
        const left = Math.floor(d);
        const base = (o * 4 + k) * R;
        dfl[base + left] = left + 1 - d;
        dfl[base + left + 1] = d - left;
      }
    }
  }
  return {
    scores: tf.tensor3d(scores, [B, A, C]),
    boxes: tf.tensor3d(boxes, [B, A, 4]),
    weight: tf.tensor2d(weight, [B, A]),
    dfl: tf.tensor4d(dfl, [B, A, 4, R]),
    scoresSum: Math.max(scoresSum, 1),
    numPos,
  };
}

/** The differentiable loss given prepared targets. */
export function detectionLoss(
  out: HeadOutputs,
  priors: Priors,
  t: PreparedTargets,
  w: LossWeights = yolov8LossWeights,
  iou: IoULossCfg = yolov8Iou,
): LossTerms {
  const B = out.cls.shape[0];
  const lossCls = tf.mul(tf.div(tf.sum(bceWithLogits(out.cls, t.scores)), t.scoresSum), w.cls * B) as tf.Scalar;
  // Predicted boxes in stride units, like the targets.
  const st = tf.tensor(priors.stride, [1, priors.count, 1]);
  const predBoxes = tf.div(decodeBoxes(distToSides(out.reg), priors), st);
  const iouLoss = tf.sub(1, bboxOverlaps(predBoxes, t.boxes, iou));
  const lossBbox = tf.mul(tf.div(tf.sum(tf.mul(iouLoss, t.weight)), t.scoresSum), w.bbox * B) as tf.Scalar;
  const dflPer = tf.neg(tf.sum(tf.mul(tf.logSoftmax(out.reg, -1), t.dfl), -1)); // [B,A,4]
  const lossDfl = tf.mul(tf.div(tf.sum(tf.mul(dflPer, t.weight.expandDims(-1))), t.scoresSum), w.dfl * B) as tf.Scalar;
  return {
    loss: tf.addN([lossCls, lossBbox, lossDfl]) as tf.Scalar,
    loss_cls: lossCls,
    loss_bbox: lossBbox,
    loss_dfl: lossDfl,
  };
}
