// MMYOLO's Mosaic: four samples, each scaled to fit img_scale, tiled around a random
// centre on a 2*img_scale canvas; boxes scaled and shifted with their tile, then clipped.
import { blitRgb, filledRgb, resizeRgb } from '../image-ops';
import { affineBoxes, clipBoxes, pair, padValue, selectInstances, type Results, type Transform } from './results';

type Bad = (msg: string) => never;

export function mosaic(cfg: any, bad: Bad, preTransform: Transform[]): Transform {
  const [scaleW, scaleH] = pair(cfg.img_scale ?? [640, 640], 'img_scale', bad);
  const [cLo, cHi] = pair(cfg.center_ratio_range ?? [0.5, 1.5], 'center_ratio_range', bad);
  const fill = padValue(cfg.pad_val, 114, bad);
  const prob = cfg.prob ?? 1.0;
  const clip = cfg.bbox_clip_border !== false;
  const maxRetries = 15;
  return {
    name: 'Mosaic',
    async apply(r, rng, env) {
      if (rng.next() > prob) return r;
      if (!r.img) throw new Error('Mosaic needs LoadImageFromFile before it in the pipeline');
      const tiles: Results[] = [r];
      // Other samples are picked at random; an unusable one is replaced by another pick.
      for (let tries = 0; tiles.length < 4 && tries < maxRetries + 3; tries++) {
        const other = await env.loadRaw(rng.int(env.length), preTransform, rng);
        if (other?.img) tiles.push(other);
      }
      if (tiles.length < 4) throw new Error('Mosaic could not load 3 usable extra samples');
      const W = 2 * scaleW,
        H = 2 * scaleH;
      const canvas = filledRgb(W, H, fill);
      const cx = Math.trunc(rng.uniform(cLo, cHi) * scaleW);
      const cy = Math.trunc(rng.uniform(cLo, cHi) * scaleH);
      const boxes: Float32Array[] = [],
        labels: Int32Array[] = [],
        ignore: Uint8Array[] = [];
      tiles.forEach((t, k) => {
        const ratio = Math.min(scaleH / t.height, scaleW / t.width);
        const w = Math.max(1, Math.trunc(t.width * ratio)),
          h = Math.max(1, Math.trunc(t.height * ratio));
        // mmcv.imresize's default interpolation, bilinear (mix_img_transforms.py:353-354).
        const img = resizeRgb(t.img!, t.width, t.height, w, h, 'bilinear');
        // Paste rectangle on the canvas and the matching crop of the tile.
        let px1: number, py1: number, px2: number, py2: number, qx1: number, qy1: number, qx2: number, qy2: number;
        if (k === 0) {
          [px1, py1, px2, py2] = [Math.max(cx - w, 0), Math.max(cy - h, 0), cx, cy];
          [qx1, qy1, qx2, qy2] = [w - (px2 - px1), h - (py2 - py1), w, h];
        } else if (k === 1) {
          [px1, py1, px2, py2] = [cx, Math.max(cy - h, 0), Math.min(cx + w, W), cy];
          [qx1, qy1, qx2, qy2] = [0, h - (py2 - py1), Math.min(w, px2 - px1), h];
        } else if (k === 2) {
          [px1, py1, px2, py2] = [Math.max(cx - w, 0), cy, cx, Math.min(H, cy + h)];
          [qx1, qy1, qx2, qy2] = [w - (px2 - px1), 0, w, Math.min(py2 - py1, h)];
        } else {
          [px1, py1, px2, py2] = [cx, cy, Math.min(cx + w, W), Math.min(H, cy + h)];
          [qx1, qy1, qx2, qy2] = [0, 0, Math.min(w, px2 - px1), Math.min(py2 - py1, h)];
        }
        if (qx2 > qx1 && qy2 > qy1) blitRgb(img, w, qx1, qy1, qx2 - qx1, qy2 - qy1, canvas, W, px1, py1);
        boxes.push(affineBoxes(t.bboxes, w / t.width, h / t.height, px1 - qx1, py1 - qy1));
        labels.push(t.labels);
        ignore.push(t.ignore);
      });
      const n = labels.reduce((s, l) => s + l.length, 0);
      r.bboxes = new Float32Array(n * 4);
      r.labels = new Int32Array(n);
      r.ignore = new Uint8Array(n);
      let o = 0;
      for (let k = 0; k < 4; k++) {
        r.bboxes.set(boxes[k], o * 4);
        r.labels.set(labels[k], o);
        r.ignore.set(ignore[k], o);
        o += labels[k].length;
      }
      if (clip) r.bboxes = clipBoxes(r.bboxes, W, H);
      // Boxes entirely in another tile's area (or off-canvas) keep no pixels: drop them.
      const b = r.bboxes;
      selectInstances(
        r,
        (i) =>
          b[i * 4 + 2] > b[i * 4] &&
          b[i * 4 + 3] > b[i * 4 + 1] &&
          b[i * 4] < W &&
          b[i * 4 + 1] < H &&
          b[i * 4 + 2] > 0 &&
          b[i * 4 + 3] > 0,
      );
      r.img = canvas;
      r.width = W;
      r.height = H;
      r.meta.scaleFactor = [1, 1];
      r.meta.pad = [0, 0, 0, 0];
      return r;
    },
  };
}
