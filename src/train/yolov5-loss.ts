// YOLOv5Head.loss_by_feat (mmyolo/models/dense_heads/yolov5_head.py L474-640, the path without
// ignore boxes): ground truths are matched to anchors by shape (prior_match_thr), each match
// also claims up to two neighbouring cells (near_neighbor_thr), and per level
//   loss_bbox += IoULoss(decoded prediction, target)            mean over the matches
//   loss_obj  += BCE(objectness, detached IoU of the match)     mean over every prior, x obj_level_weights
//   loss_cls  += BCE(class logits, one-hot)                     mean over the matches x classes
// each finally multiplied by the batch size. The matching is plain JS with float32 arithmetic
// (Math.fround) so that threshold decisions agree with PyTorch's; the differentiable part uses
// dense per-prior weights instead of gathers (wasm has no gather gradient).
import * as tf from '@tensorflow/tfjs';
import { bceWithLogits, BatchTargets } from './loss';
import { bboxOverlaps, IoULossCfg } from './iou-loss';
import { AnchorPriors } from './model/yolov5-head';

const f = Math.fround;

export interface YOLOv5LossCfg {
  clsWeight: number;
  bboxWeight: number;
  objWeight: number;
  priorMatchThr: number;
  nearNeighborThr: number;
  objLevelWeights: number[];
  iou: IoULossCfg;
}

export const defaultYOLOv5Loss: YOLOv5LossCfg = {
  clsWeight: 0.5,
  bboxWeight: 0.05,
  objWeight: 1.0,
  priorMatchThr: 4.0,
  nearNeighborThr: 0.5,
  objLevelWeights: [4.0, 1.0, 0.4],
  iou: { mode: 'ciou', format: 'xywh', eps: 1e-7 },
};

/** One (ground truth, base prior, cell) match. */
export interface Match {
  image: number;
  label: number;
  prior: number; // index into the flattened priors
  level: number;
  /** Target (cx, cy) relative to the cell's corner, (w, h) in feature-map units. */
  target: [number, number, number, number];
}

/** The matches of every level, in MMYOLO's order (level; centre, left, up, right, bottom;
 * base prior; ground truth) -- the order decides which match writes an objectness target last. */
export function matchYOLOv5(
  targets: BatchTargets,
  priors: AnchorPriors,
  inputH: number,
  inputW: number,
  cfg: YOLOv5LossCfg,
): Match[] {
  // _convert_gt_to_norm_format: (image, label, cx, cy, w, h) normalised by the batch input shape.
  const gts: Array<{ image: number; label: number; c: [number, number, number, number] }> = [];
  targets.boxes.forEach((boxes, image) => {
    for (let g = 0; g < targets.labels[image].length; g++) {
      const [x1, y1, x2, y2] = [f(boxes[g * 4]), f(boxes[g * 4 + 1]), f(boxes[g * 4 + 2]), f(boxes[g * 4 + 3])];
      const c: [number, number, number, number] = [f(f(x2 + x1) / 2), f(f(y2 + y1) / 2), f(x2 - x1), f(y2 - y1)];
      gts.push({
        image,
        label: targets.labels[image][g],
        c: [f(c[0] / inputW), f(c[1] / inputH), f(c[2] / inputW), f(c[3] / inputH)],
      });
    }
  });
  const matches: Match[] = [];
  const offsets: Array<[number, number]> = [
    [0, 0],
    [1, 0],
    [0, 1],
    [-1, 0],
    [0, -1],
  ]; // centre, left, up, right, bottom
  priors.levels.forEach((lv, level) => {
    const na = lv.baseSizes.length;
    // priors_base_sizes / featmap_strides: anchor sizes in cells.
    const anchors = lv.baseSizes.map(([w, h]) => [f(w / lv.stride), f(h / lv.stride)]);
    const shapeMatched: Array<{ gt: number; a: number; s: [number, number, number, number] }> = [];
    for (let a = 0; a < na; a++)
      gts.forEach((g, gi) => {
        const s: [number, number, number, number] = [
          f(g.c[0] * lv.w),
          f(g.c[1] * lv.h),
          f(g.c[2] * lv.w),
          f(g.c[3] * lv.h),
        ];
        const rw = f(s[2] / anchors[a][0]);
        const rh = f(s[3] / anchors[a][1]);
        if (Math.max(rw, f(1 / rw), rh, f(1 / rh)) < cfg.priorMatchThr) shapeMatched.push({ gt: gi, a, s });
      });
    const frac = (v: number) => v - Math.floor(v);
    const take = shapeMatched.map(({ s }) => {
      const gx = f(lv.w - s[0]);
      const gy = f(lv.h - s[1]);
      const thr = cfg.nearNeighborThr;
      return [
        true,
        frac(s[0]) < thr && s[0] > 1,
        frac(s[1]) < thr && s[1] > 1,
        frac(gx) < thr && gx > 1,
        frac(gy) < thr && gy > 1,
      ];
    });
    offsets.forEach(([ox, oy], o) => {
      shapeMatched.forEach(({ gt, a, s }, k) => {
        if (!take[k][o]) return;
        // .long() truncates toward zero; these coordinates are never negative.
        const cx = Math.trunc(f(s[0] - f(ox * cfg.nearNeighborThr)));
        const cy = Math.trunc(f(s[1] - f(oy * cfg.nearNeighborThr)));
        const g = gts[gt];
        matches.push({
          image: g.image,
          label: g.label,
          level,
          prior: lv.start + (cy * lv.w + cx) * na + a,
          target: [f(s[0] - cx), f(s[1] - cy), s[2], s[3]],
        });
      });
    });
  });
  return matches;
}

export interface YOLOv5LossTerms {
  loss: tf.Scalar;
  loss_cls: tf.Scalar;
  loss_obj: tf.Scalar;
  loss_bbox: tf.Scalar;
}

/** The loss of the head's raw outputs (box [B, A, 4], obj [B, A], cls [B, A, C]); call
 * inside tf.variableGrads / tidy. */
export function yolov5Loss(
  out: { box: tf.Tensor3D; obj: tf.Tensor2D; cls: tf.Tensor3D },
  priors: AnchorPriors,
  matches: Match[],
  cfg: YOLOv5LossCfg,
): YOLOv5LossTerms & { numPos: number } {
  const { box, obj, cls } = out;
  const [B, A, C] = cls.shape;
  const L = priors.levels.length;
  const perLevel = new Array(L).fill(0);
  for (const m of matches) perLevel[m.level]++;
  // Anchor sizes in cells, per prior: what the decoded (2 sigmoid)^2 multiplies.
  const anchorWH = new Float32Array(A * 2);
  for (let p = 0; p < A; p++) {
    anchorWH[p * 2] = f(priors.w[p] / priors.stride[p]);
    anchorWH[p * 2 + 1] = f(priors.h[p] / priors.stride[p]);
  }

  const sig = tf.sigmoid(box);
  // _decode_bbox_to_xywh: xy = 2 s - 0.5 (relative to the cell), wh = (2 s)^2 * anchor.
  const [sxy, swh] = tf.split(sig, 2, 2);
  const pred = tf.concat(
    [tf.sub(tf.mul(sxy, 2), 0.5), tf.mul(tf.square(tf.mul(swh, 2)), tf.tensor(anchorWH, [1, A, 2]))],
    2,
  );

  // Objectness target: the detached IoU of each match, clamped at 0; a later match of the same
  // prior overwrites an earlier one (the index_put of yolov5_head.py L613).
  const objTarget = new Float32Array(B * A);
  if (matches.length) {
    const predRows = tf.tidy(() => {
      const idx = tf.tensor1d(Int32Array.from(matches.map((m) => m.image * A + m.prior)), 'int32');
      return tf.gather(pred.reshape([B * A, 4]), idx).dataSync();
    });
    const ious = tf.tidy(() =>
      bboxOverlaps(
        tf.tensor2d(predRows, [matches.length, 4]),
        tf.tensor2d(
          matches.flatMap((m) => m.target),
          [matches.length, 4],
        ),
        cfg.iou,
      ).dataSync(),
    );
    matches.forEach((m, i) => (objTarget[m.image * A + m.prior] = Math.max(ious[i], 0)));
  }
  const objW = new Float32Array(A);
  priors.levels.forEach((lv, i) => {
    const n = (i + 1 < L ? priors.levels[i + 1].start : A) - lv.start;
    objW.fill(cfg.objLevelWeights[i] / (B * n), lv.start, lv.start + n);
  });
  const lossObj = tf.mul(
    tf.sum(tf.mul(bceWithLogits(obj, tf.tensor2d(objTarget, [B, A])), tf.tensor2d(objW, [1, A]))),
    cfg.objWeight * B,
  ) as tf.Scalar;

  // Box loss: a prior may be matched several times; slot k holds every prior's k-th match.
  const slots: Array<{ target: Float32Array; weight: Float32Array }> = [];
  const seen = new Uint16Array(B * A);
  for (const m of matches) {
    const o = m.image * A + m.prior;
    const k = seen[o]++;
    if (!slots[k]) slots.push({ target: new Float32Array(B * A * 4).fill(1), weight: new Float32Array(B * A) });
    slots[k].target.set(m.target, o * 4);
    slots[k].weight[o] = 1 / perLevel[m.level];
  }
  let lossBbox: tf.Scalar = tf.scalar(0);
  for (const s of slots) {
    const iou = bboxOverlaps(pred, tf.tensor3d(s.target, [B, A, 4]), cfg.iou);
    lossBbox = tf.add(lossBbox, tf.sum(tf.mul(tf.sub(1, iou), tf.tensor2d(s.weight, [B, A])))) as tf.Scalar;
  }
  lossBbox = tf.mul(lossBbox, cfg.bboxWeight * B) as tf.Scalar;

  // Class loss, mean over matches x classes: BCE(x, onehot) = relu(x) + softplus(-|x|) - x * onehot,
  // so a prior matched m times contributes m times the first part and once per match the last.
  let lossCls: tf.Scalar;
  if (C > 1 && matches.length) {
    const mult = new Float32Array(B * A);
    const hot = new Float32Array(B * A * C);
    for (const m of matches) {
      const o = m.image * A + m.prior;
      const w = 1 / (perLevel[m.level] * C);
      mult[o] += w;
      hot[o * C + m.label] += w;
    }
    const base = tf.sum(tf.add(tf.relu(cls), tf.softplus(tf.neg(tf.abs(cls)))), 2);
    lossCls = tf.mul(
      tf.sub(tf.sum(tf.mul(base, tf.tensor2d(mult, [B, A]))), tf.sum(tf.mul(cls, tf.tensor3d(hot, [B, A, C])))),
      cfg.clsWeight * B,
    ) as tf.Scalar;
  } else {
    // MMYOLO adds cls_scores.sum() * 0 (one class, or nothing matched): zero with a gradient path.
    lossCls = tf.mul(tf.sum(cls), 0) as tf.Scalar;
  }
  return {
    loss: tf.addN([lossCls, lossObj, lossBbox]) as tf.Scalar,
    loss_cls: lossCls,
    loss_obj: lossObj,
    loss_bbox: lossBbox,
    numPos: matches.length,
  };
}
