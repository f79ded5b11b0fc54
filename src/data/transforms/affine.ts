// MMYOLO's YOLOv5RandomAffine: random rotation, scale, shear and translation of the image
// about its centre into a (size + 2*border) output; boxes are the hull of their warped
// corners, clipped, and dropped when they become too small, too thin or lose most of
// their area.
import { matMul3, warpAffineRgb } from '../image-ops';
import { clipBoxes, numberOpt, pair, padValue, selectInstances, type Transform } from './results';

type Bad = (msg: string) => never;

export function randomAffine(cfg: any, bad: Bad): Transform {
  const maxRotate = numberOpt(cfg, 'max_rotate_degree', 10, bad);
  const maxTranslate = numberOpt(cfg, 'max_translate_ratio', 0.1, bad);
  const [sLo, sHi] = pair(cfg.scaling_ratio_range ?? [0.5, 1.5], 'scaling_ratio_range', bad);
  const maxShear = numberOpt(cfg, 'max_shear_degree', 2, bad);
  const [borderX, borderY] = pair(cfg.border ?? [0, 0], 'border', bad);
  const fill = padValue(cfg.border_val, 114, bad);
  const clip = cfg.bbox_clip_border !== false;
  const minBoxSize = numberOpt(cfg, 'min_bbox_size', 2, bad);
  const minAreaRatio = numberOpt(cfg, 'min_area_ratio', 0.1, bad);
  const maxAspect = numberOpt(cfg, 'max_aspect_ratio', 20, bad);
  return {
    name: 'YOLOv5RandomAffine',
    apply(r, rng) {
      if (!r.img) throw new Error('YOLOv5RandomAffine needs LoadImageFromFile before it in the pipeline');
      const outW = r.width + borderX * 2,
        outH = r.height + borderY * 2;
      if (outW <= 0 || outH <= 0) throw new Error(`YOLOv5RandomAffine: border ${borderX},${borderY} leaves no image`);
      const rad = (rng.uniform(-maxRotate, maxRotate) * Math.PI) / 180;
      const s = rng.uniform(sLo, sHi);
      const shx = Math.tan((rng.uniform(-maxShear, maxShear) * Math.PI) / 180);
      const shy = Math.tan((rng.uniform(-maxShear, maxShear) * Math.PI) / 180);
      const tx = rng.uniform(0.5 - maxTranslate, 0.5 + maxTranslate) * outW;
      const ty = rng.uniform(0.5 - maxTranslate, 0.5 + maxTranslate) * outH;
      const centre = [1, 0, -r.width / 2, 0, 1, -r.height / 2, 0, 0, 1];
      const rotation = [Math.cos(rad), -Math.sin(rad), 0, Math.sin(rad), Math.cos(rad), 0, 0, 0, 1];
      const scaling = [s, 0, 0, 0, s, 0, 0, 0, 1];
      const shear = [1, shx, 0, shy, 1, 0, 0, 0, 1];
      const translate = [1, 0, tx, 0, 1, ty, 0, 0, 1];
      const M = matMul3(matMul3(matMul3(matMul3(translate, shear), rotation), scaling), centre);
      r.img = warpAffineRgb(r.img, r.width, r.height, M, outW, outH, fill);
      const n = r.labels.length;
      const orig = r.bboxes;
      let warped: Float32Array = new Float32Array(n * 4);
      for (let i = 0; i < n; i++) {
        const [x1, y1, x2, y2] = orig.subarray(i * 4, i * 4 + 4);
        let minX = Infinity,
          minY = Infinity,
          maxX = -Infinity,
          maxY = -Infinity;
        for (const [x, y] of [
          [x1, y1],
          [x2, y1],
          [x1, y2],
          [x2, y2],
        ]) {
          const w = M[6] * x + M[7] * y + M[8];
          const u = (M[0] * x + M[1] * y + M[2]) / w,
            v = (M[3] * x + M[4] * y + M[5]) / w;
          minX = Math.min(minX, u);
          maxX = Math.max(maxX, u);
          minY = Math.min(minY, v);
          maxY = Math.max(maxY, v);
        }
        warped.set([minX, minY, maxX, maxY], i * 4);
      }
      if (clip) warped = clipBoxes(warped, outW, outH);
      r.bboxes = warped;
      selectInstances(r, (i) => {
        const ow = (orig[i * 4 + 2] - orig[i * 4]) * s,
          oh = (orig[i * 4 + 3] - orig[i * 4 + 1]) * s;
        const w = warped[i * 4 + 2] - warped[i * 4],
          h = warped[i * 4 + 3] - warped[i * 4 + 1];
        const aspect = Math.max(w / (h + 1e-16), h / (w + 1e-16));
        return w > minBoxSize && h > minBoxSize && (w * h) / (ow * oh + 1e-16) > minAreaRatio && aspect < maxAspect;
      });
      r.width = outW;
      r.height = outH;
      return r;
    },
  };
}
