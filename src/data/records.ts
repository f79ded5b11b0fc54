// One image's annotations as read from disk, in original-image pixels.
export interface AnnotationRecord {
  file: string;
  imageId: string;
  width: number;
  height: number;
  bboxes: Float32Array; // N*4 x1,y1,x2,y2
  labels: Int32Array;
  ignore: Uint8Array;
  areas?: Float32Array; // COCO 'area' per object (used by COCO's S/M/L ranges)
}
