export { boxArea, boxIoU, iouAt, ciouAt, type BoxArray } from './iou';
export { nms, batchedNms } from './nms';
