// LoadImageFromFile and LoadAnnotations.
import { decodeImageFile } from '../image-decoder';
import { affineBoxes, type Transform, type Results } from './results';

export function loadImageFromFile(): Transform {
  return {
    name: 'LoadImageFromFile',
    async apply(r, _rng, env) {
      const img = await decodeImageFile(r.record.file);
      if (img.width !== r.record.width || img.height !== r.record.height) {
        env.warn(
          `${r.record.file}: warning: image is ${img.width}x${img.height} but its annotation says ${r.record.width}x${r.record.height}; boxes rescaled to the image`,
        );
      }
      r.img = img.data;
      r.width = img.width;
      r.height = img.height;
      r.meta.oriWidth = img.width;
      r.meta.oriHeight = img.height;
      return r;
    },
  };
}

/**
 * Loads the record's boxes into the results. In MMYOLO's test pipelines LoadAnnotations
 * comes after the resize steps; here the boxes then get the same scale, padding and flip
 * as the image so that DetSample.bboxes are always in pixels of `img`.
 */
export function loadAnnotations(cfg: any): Transform {
  const withBbox = cfg.with_bbox !== false;
  return {
    name: 'LoadAnnotations',
    apply(r: Results) {
      if (!withBbox || r.annotationsLoaded) return r;
      const rec = r.record;
      // Annotation pixels -> decoded-image pixels (they differ only for inconsistent data).
      const ax = r.meta.oriWidth && rec.width ? r.meta.oriWidth / rec.width : 1;
      const ay = r.meta.oriHeight && rec.height ? r.meta.oriHeight / rec.height : 1;
      const [sx, sy] = r.meta.scaleFactor;
      const [top, , left] = r.meta.pad;
      let b = affineBoxes(rec.bboxes, ax * sx, ay * sy, left, top);
      if (r.meta.flip) b = flipBoxes(b, r.width);
      r.bboxes = b;
      r.labels = rec.labels.slice();
      r.ignore = rec.ignore.slice();
      r.annotationsLoaded = true;
      return r;
    },
  };
}

export function flipBoxes(b: Float32Array, width: number): Float32Array {
  const out = b.slice();
  for (let i = 0; i < b.length; i += 4) {
    out[i] = width - b[i + 2];
    out[i + 2] = width - b[i];
  }
  return out;
}
