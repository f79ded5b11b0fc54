// The metrics webview's data model, free of DOM and chart code so it is unit-tested in Node:
// runs -> one series per scalar, training scalars against the iteration, validation scalars
// (MMEngine writes them with the epoch as `step`) against the epoch; EMA smoothing; visibility.

export type ScalarRecord = Record<string, number>;

export interface Point {
  x: number;
  y: number;
}

export type Axis = 'iter' | 'epoch';

export interface ChartSpec {
  name: string; // scalar name as written in scalars.json ('loss', 'lr', 'coco/bbox_mAP'); 'val/time' when a name is also a training scalar
  axis: Axis;
  datasets: { runId: string; label: string; color: string; points: Point[]; raw: Point[] }[];
}

// Keys that index a record rather than measure something
const INDEX_KEYS = new Set(['step', 'iter', 'epoch']);
// Validation lines also carry these; prefixed so they do not mix with the training ones
const SHARED_KEYS = new Set(['time', 'data_time', 'memory']);

export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

export function isValidationRecord(r: ScalarRecord): boolean {
  return !('iter' in r) && !('loss' in r) && !('lr' in r);
}

export class RunSeries {
  readonly series = new Map<string, { axis: Axis; points: Point[] }>();
  count = 0;

  add(records: ScalarRecord[]): void {
    for (const r of records) {
      this.count++;
      const val = isValidationRecord(r);
      const x = val ? r.step ?? r.epoch : r.step ?? r.iter;
      if (x === undefined) continue;
      for (const [k, y] of Object.entries(r)) {
        if (INDEX_KEYS.has(k) || !Number.isFinite(y)) continue;
        const name = val && SHARED_KEYS.has(k) ? `val/${k}` : k;
        let s = this.series.get(name);
        if (!s) this.series.set(name, (s = { axis: val ? 'epoch' : 'iter', points: [] }));
        s.points.push({ x, y });
      }
    }
  }
}

export interface RunEntry {
  id: string;
  label: string;
  visible: boolean;
  color: string;
  data: RunSeries;
}

// TensorBoard-style exponential moving average with debiasing, so the first points are not pulled to 0.
export function smooth(points: Point[], weight: number): Point[] {
  if (!(weight > 0)) return points;
  const w = Math.min(weight, 0.999);
  let last = 0;
  let n = 0;
  return points.map((p) => {
    n++;
    last = last * w + (1 - w) * p.y;
    return { x: p.x, y: last / (1 - Math.pow(w, n)) };
  });
}

export class MetricsModel {
  readonly runs = new Map<string, RunEntry>();
  smoothing = 0.6;
  logScale = false;

  addRun(id: string, label: string): RunEntry {
    let r = this.runs.get(id);
    if (!r) {
      r = { id, label, visible: true, color: PALETTE[this.runs.size % PALETTE.length], data: new RunSeries() };
      this.runs.set(id, r);
    } else r.label = label;
    return r;
  }

  // reset: the file was truncated or restarted; its old points no longer belong to it
  addRecords(id: string, records: ScalarRecord[], reset = false): void {
    const r = this.runs.get(id) ?? this.addRun(id, id);
    if (reset) r.data = new RunSeries();
    r.data.add(records);
  }

  removeRun(id: string): void {
    this.runs.delete(id);
  }

  setVisible(id: string, visible: boolean): void {
    const r = this.runs.get(id);
    if (r) r.visible = visible;
  }

  // Every scalar any run has, training ones first (losses, then the rest alphabetically), then validation.
  charts(): ChartSpec[] {
    const names = new Map<string, Axis>();
    for (const r of this.runs.values()) for (const [n, s] of r.data.series) if (!names.has(n)) names.set(n, s.axis);
    const order = (n: string, a: Axis) => `${a === 'iter' ? 0 : 1}${n === 'loss' ? 0 : n.startsWith('loss') ? 1 : 2}${n}`;
    return [...names.entries()]
      .sort((a, b) => (order(a[0], a[1]) < order(b[0], b[1]) ? -1 : 1))
      .map(([name, axis]) => ({
        name,
        axis,
        datasets: [...this.runs.values()]
          .filter((r) => r.visible && r.data.series.has(name))
          .map((r) => {
            const raw = r.data.series.get(name)!.points;
            const shown = this.logScale ? raw.filter((p) => p.y > 0) : raw;
            // Validation points are sparse (one per epoch): smoothing them would hide the trend it should show
            return { runId: r.id, label: r.label, color: r.color, raw: shown, points: axis === 'iter' ? smooth(shown, this.smoothing) : shown };
          }),
      }));
  }
}

// Messages between the extension and the webview
export type ToWebview =
  | { type: 'run'; id: string; label: string; live: boolean }
  | { type: 'records'; id: string; records: ScalarRecord[]; reset?: boolean }
  | { type: 'runEnded'; id: string; exitCode: number | null }
  | { type: 'remove'; id: string };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'exportPng'; name: string; dataUrl: string }
  | { type: 'openRun' };
