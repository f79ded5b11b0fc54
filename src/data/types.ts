// Shared data types between the data pipeline (src/data), the metrics (src/metrics)
// and the trainer (src/train). The shapes are fixed by the team interface; change
// them only together with the trainer.

export interface SampleMeta {
  file: string; // image path
  imageId: string; // VOC: file stem; COCO: image id as string
  oriHeight: number;
  oriWidth: number; // size of the decoded original image
  scaleFactor: [number, number]; // (sx, sy): current = original * scale (before padding)
  pad: [number, number, number, number]; // top, bottom, left, right padding added by LetterResize
  flip: boolean; // horizontal flip applied
}

export interface DetSample {
  img: Uint8Array; // height*width*3, RGB, row-major HWC
  height: number;
  width: number;
  bboxes: Float32Array; // N*4: x1,y1,x2,y2 in pixels of `img`
  labels: Int32Array; // N: class index into the dataset's classes
  ignore: Uint8Array; // N: 1 = VOC difficult / COCO iscrowd (no training target; ignored by metrics)
  meta: SampleMeta;
}

/** Annotations of one image in original-image pixels. */
export interface GroundTruth {
  imageId: string;
  width: number;
  height: number;
  bboxes: Float32Array;
  labels: Int32Array;
  ignore: Uint8Array;
}

/** Predictions for one image in original-image pixels. */
export interface Detections {
  imageId: string;
  bboxes: Float32Array;
  scores: Float32Array;
  labels: Int32Array;
}
