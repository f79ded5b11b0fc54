// Box overlap measures on flat x1,y1,x2,y2 arrays (pixels, x2/y2 exclusive edges as in
// MMDetection: area = (x2-x1)*(y2-y1), no +1).

export type BoxArray = Float32Array | Float64Array | number[];

export function boxArea(b: BoxArray, i = 0): number {
  const w = b[i * 4 + 2] - b[i * 4];
  const h = b[i * 4 + 3] - b[i * 4 + 1];
  return w > 0 && h > 0 ? w * h : 0;
}

/** IoU of box i of `a` with box j of `b`. */
export function iouAt(a: BoxArray, i: number, b: BoxArray, j: number): number {
  const ix1 = Math.max(a[i * 4], b[j * 4]);
  const iy1 = Math.max(a[i * 4 + 1], b[j * 4 + 1]);
  const ix2 = Math.min(a[i * 4 + 2], b[j * 4 + 2]);
  const iy2 = Math.min(a[i * 4 + 3], b[j * 4 + 3]);
  const iw = ix2 - ix1;
  const ih = iy2 - iy1;
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  const union = boxArea(a, i) + boxArea(b, j) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * Pairwise IoU matrix: result[i * m + j] = IoU(a_i, b_j), where n = a.length/4, m = b.length/4.
 * With mode 'iof' the denominator is the area of a_i (intersection over foreground), as
 * MMDetection's bbox_overlaps uses for crowd regions.
 */
export function boxIoU(a: BoxArray, b: BoxArray, mode: 'iou' | 'iof' = 'iou'): Float64Array {
  const n = Math.floor(a.length / 4);
  const m = Math.floor(b.length / 4);
  const out = new Float64Array(n * m);
  for (let i = 0; i < n; i++) {
    const areaA = boxArea(a, i);
    for (let j = 0; j < m; j++) {
      const ix1 = Math.max(a[i * 4], b[j * 4]);
      const iy1 = Math.max(a[i * 4 + 1], b[j * 4 + 1]);
      const ix2 = Math.min(a[i * 4 + 2], b[j * 4 + 2]);
      const iy2 = Math.min(a[i * 4 + 3], b[j * 4 + 3]);
      const iw = ix2 - ix1;
      const ih = iy2 - iy1;
      if (iw <= 0 || ih <= 0) continue;
      const inter = iw * ih;
      const denom = mode === 'iof' ? areaA : areaA + boxArea(b, j) - inter;
      out[i * m + j] = denom > 0 ? inter / denom : 0;
    }
  }
  return out;
}

/**
 * Complete IoU (Zheng et al. 2020) of box i of `a` with box j of `b`:
 * IoU - rho^2/c^2 - alpha*v, where rho is the centre distance, c the diagonal of the
 * smallest enclosing box, v the aspect-ratio consistency term and alpha = v/(1-IoU+v).
 */
export function ciouAt(a: BoxArray, i: number, b: BoxArray, j: number, eps = 1e-7): number {
  const ax1 = a[i * 4],
    ay1 = a[i * 4 + 1],
    ax2 = a[i * 4 + 2],
    ay2 = a[i * 4 + 3];
  const bx1 = b[j * 4],
    by1 = b[j * 4 + 1],
    bx2 = b[j * 4 + 2],
    by2 = b[j * 4 + 3];
  const iou = iouAt(a, i, b, j);
  const cw = Math.max(ax2, bx2) - Math.min(ax1, bx1);
  const ch = Math.max(ay2, by2) - Math.min(ay1, by1);
  const c2 = cw * cw + ch * ch + eps;
  const rho2 = ((bx1 + bx2 - ax1 - ax2) ** 2 + (by1 + by2 - ay1 - ay2) ** 2) / 4;
  const wa = ax2 - ax1,
    ha = ay2 - ay1 + eps,
    wb = bx2 - bx1,
    hb = by2 - by1 + eps;
  const v = (4 / (Math.PI * Math.PI)) * (Math.atan(wb / hb) - Math.atan(wa / ha)) ** 2;
  const alpha = v / (1 - iou + v + eps);
  return iou - rho2 / c2 - alpha * v;
}
