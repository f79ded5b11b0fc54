// Resizing transforms: YOLOv5KeepRatioResize, LetterResize (MMYOLO) and Resize (MMDetection).
// Pixels are resized as mmcv.imresize does (cv2.resize, reproduced bit-exactly in
// cv-resize.ts), with the interpolation each transform uses in MMYOLO.
import { padRgb, resizeRgb, type CvInterpolation } from '../image-ops';
import { affineBoxes, clipBoxes, pair, padValue, type Results, type Transform } from './results';

type Bad = (msg: string) => never;

function needImage(r: Results, name: string): Uint8Array {
  if (!r.img) throw new Error(`${name} needs LoadImageFromFile before it in the pipeline`);
  return r.img;
}

/** Python's round(): halves go to the even neighbour (MMYOLO sizes images with it). */
export function pyRound(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** mmcv's rescale ratio for a (w, h) scale: fit the long edge to max(scale), the short to min(scale). */
function rescaleRatio(w: number, h: number, scale: [number, number]): number {
  const longEdge = Math.max(...scale),
    shortEdge = Math.min(...scale);
  return Math.min(longEdge / Math.max(w, h), shortEdge / Math.min(w, h));
}

const INTERPOLATIONS: CvInterpolation[] = ['nearest', 'bilinear', 'area'];

/**
 * The `interpolation` (default 'bilinear', mmcv/transforms/processing.py:139) and `backend`
 * options of MMCV's Resize, which MMDetection's Resize and MMYOLO's LetterResize inherit.
 */
function interpolationOpt(cfg: any, bad: Bad): CvInterpolation {
  if (cfg.backend !== undefined && cfg.backend !== null && cfg.backend !== 'cv2')
    bad(`backend=${JSON.stringify(cfg.backend)} is not supported (the built-in pipeline resizes as cv2 does)`);
  const v = cfg.interpolation ?? 'bilinear';
  if (!INTERPOLATIONS.includes(v))
    bad(`interpolation=${JSON.stringify(v)} is not supported (supported: ${INTERPOLATIONS.join(', ')})`);
  return v;
}

function applyResize(r: Results, nw: number, nh: number, mode: CvInterpolation): void {
  const img = needImage(r, 'resize');
  const sx = nw / r.width,
    sy = nh / r.height;
  if (nw !== r.width || nh !== r.height) r.img = resizeRgb(img, r.width, r.height, nw, nh, mode);
  r.bboxes = affineBoxes(r.bboxes, sx, sy);
  r.width = nw;
  r.height = nh;
  r.meta.scaleFactor = [r.meta.scaleFactor[0] * sx, r.meta.scaleFactor[1] * sy];
}

/**
 * Scales so the image fits `scale` (w, h) keeping its aspect ratio; sizes truncate, and
 * the interpolation is 'area' when shrinking, else 'bilinear', whatever the config says
 * (mmyolo/datasets/transforms/transforms.py:112-116).
 */
export function keepRatioResize(cfg: any, bad: Bad): Transform {
  const scale = pair(cfg.scale, 'scale', bad);
  return {
    name: 'YOLOv5KeepRatioResize',
    apply(r) {
      const ratio = rescaleRatio(r.width, r.height, scale);
      if (ratio !== 1)
        applyResize(
          r,
          Math.max(1, Math.trunc(r.width * ratio)),
          Math.max(1, Math.trunc(r.height * ratio)),
          ratio < 1 ? 'area' : 'bilinear',
        );
      return r;
    },
  };
}

/**
 * Scales to fit `scale` (w, h) keeping the aspect ratio (never up unless allow_scale_up),
 * then pads to exactly `scale` with the image centred (top/left get the smaller half).
 * Pixels with the config's interpolation, bilinear by default
 * (mmyolo/datasets/transforms/transforms.py:226-229).
 */
export function letterResize(cfg: any, bad: Bad): Transform {
  const interpolation = interpolationOpt(cfg, bad);
  const [scaleW, scaleH] = pair(cfg.scale, 'scale', bad);
  const allowScaleUp = cfg.allow_scale_up !== false;
  const useMiniPad = cfg.use_mini_pad === true;
  const stretchOnly = cfg.stretch_only === true;
  const fill = padValue(cfg.pad_val, 114, bad);
  return {
    name: 'LetterResize',
    apply(r) {
      let ratio = Math.min(scaleH / r.height, scaleW / r.width);
      if (!allowScaleUp) ratio = Math.min(ratio, 1);
      let nh = pyRound(r.height * ratio),
        nw = pyRound(r.width * ratio);
      let padH = scaleH - nh,
        padW = scaleW - nw;
      if (useMiniPad) {
        padH %= 32;
        padW %= 32;
      } else if (stretchOnly) {
        padH = padW = 0;
        nh = scaleH;
        nw = scaleW;
      }
      if (nw !== r.width || nh !== r.height) applyResize(r, nw, nh, interpolation);
      const top = Math.round(Math.floor(padH / 2) - 0.1),
        left = Math.round(Math.floor(padW / 2) - 0.1);
      const bottom = padH - top,
        right = padW - left;
      if (top || bottom || left || right) {
        const p = padRgb(r.img!, r.width, r.height, top, bottom, left, right, fill);
        r.img = p.data;
        r.width = p.width;
        r.height = p.height;
        r.bboxes = affineBoxes(r.bboxes, 1, 1, left, top);
        const m = r.meta.pad;
        r.meta.pad = [m[0] + top, m[1] + bottom, m[2] + left, m[3] + right];
      }
      return r;
    },
  };
}

/** MMDetection's Resize: keep_ratio uses mmcv's rescale (sizes rounded), else the exact scale. */
export function resize(cfg: any, bad: Bad): Transform {
  if (cfg.scale === undefined && cfg.scale_factor === undefined) bad('Resize needs scale or scale_factor');
  const keepRatio = cfg.keep_ratio === true;
  const clip = cfg.clip_object_border !== false;
  const interpolation = interpolationOpt(cfg, bad);
  return {
    name: 'Resize',
    apply(r) {
      let nw: number, nh: number;
      if (cfg.scale !== undefined) {
        const scale = pair(cfg.scale, 'scale', bad);
        if (keepRatio) {
          const ratio = rescaleRatio(r.width, r.height, scale);
          nw = Math.trunc(r.width * ratio + 0.5);
          nh = Math.trunc(r.height * ratio + 0.5);
        } else [nw, nh] = scale;
      } else {
        const [fx, fy] = pair(cfg.scale_factor, 'scale_factor', bad);
        nw = Math.trunc(r.width * fx + 0.5);
        nh = Math.trunc(r.height * fy + 0.5);
      }
      applyResize(r, Math.max(1, nw), Math.max(1, nh), interpolation);
      if (clip) r.bboxes = clipBoxes(r.bboxes, r.width, r.height);
      return r;
    },
  };
}
