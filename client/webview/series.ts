// The metrics webview's data model, free of DOM and chart code so it is unit-tested in Node.
// Runs -> series per scalar (training scalars against the iteration, validation scalars, which
// MMEngine writes with the epoch as `step`, against the epoch) -> grouped charts the way TensorBoard
// and MMEngine users read them: the losses together, the learning rate, the validation metrics per
// epoch, then each remaining scalar alone. Several runs share each chart's axes (a colour per run, a
// dash pattern per scalar). Also: epoch boundaries on the iteration axis, EMA smoothing, and a
// summary per run (best mAP and its epoch, current epoch, ETA).

export type ScalarRecord = Record<string, number>;

export interface Point {
  x: number;
  y: number;
}

export type Axis = 'iter' | 'epoch';

// What the training log says that scalars.json does not (live runs only)
export interface LiveProgress {
  epoch?: number;
  maxEpochs?: number;
  itersPerEpoch?: number;
  eta?: string;
}

export interface ChartDataset {
  runId: string;
  scalar: string;
  label: string; // 'run label · scalar' in charts with several scalars, else the run label
  color: string;
  dash: number[];
  width: number;
  points: Point[]; // smoothed (training scalars) or as logged
  raw: Point[];
}

export interface EpochMarks {
  runLabel: string; // whose epochs they are, when runs disagree
  boundaries: number[]; // iterations at which an epoch ends
  labels: { x: number; text: string }[]; // the middle of each epoch
}

export interface ChartSpec {
  id: string; // 'losses' | 'lr' | 'val' | 'scalar:NAME'
  title: string;
  axis: Axis;
  xTitle: string;
  yTitle: string;
  scalars: string[];
  datasets: ChartDataset[];
  epochMarks?: EpochMarks; // iteration charts, when the epochs are known
}

export interface RunSummary {
  runId: string;
  label: string;
  color: string;
  state: string; // 'running', or how it ended ('stopped', 'failed (exit 1)', 'done'); '' for a run read from disk
  epoch?: number;
  maxEpochs?: number;
  eta?: string;
  best?: { metric: string; value: number; epoch: number };
}

// Keys that index a record rather than measure something
const INDEX_KEYS = new Set(['step', 'iter', 'epoch']);
// Validation lines also carry these; prefixed so they do not mix with the training ones
const SHARED_KEYS = new Set(['time', 'data_time', 'memory']);

export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];
// One dash pattern per scalar of a grouped chart: the first (the total loss, or lr) solid
export const DASHES: number[][] = [[], [6, 3], [2, 2], [10, 3, 2, 3], [14, 5], [10, 2, 2, 2, 2, 2]];

const UNITS: Record<string, string> = {
  time: 'seconds per iteration',
  data_time: 'seconds per iteration',
  'val/time': 'seconds per iteration',
  'val/data_time': 'seconds per iteration',
  memory: 'MB',
  grad_norm: 'gradient norm',
  loss_scale: 'AMP loss scale',
};

export function isValidationRecord(r: ScalarRecord): boolean {
  return !('iter' in r) && !('loss' in r) && !('lr' in r);
}

function isLoss(name: string): boolean {
  return name === 'loss' || (name.startsWith('loss_') && name !== 'loss_scale');
}

// The validation metric a run is judged by: the (bbox) mAP when there is one
export function primaryMetric(names: string[]): string | undefined {
  const metrics = names.filter((n) => !n.startsWith('val/'));
  return metrics.find((n) => /(^|\/)(bbox_)?mAP$/.test(n)) ?? metrics[0];
}

export class RunSeries {
  readonly series = new Map<string, { axis: Axis; points: Point[] }>();
  readonly epochIters = new Map<number, { min: number; max: number }>(); // logged iterations of each epoch
  count = 0;

  add(records: ScalarRecord[]): void {
    for (const r of records) {
      this.count++;
      const val = isValidationRecord(r);
      const x = val ? (r.step ?? r.epoch) : (r.step ?? r.iter);
      if (x === undefined) continue;
      if (!val && r.epoch !== undefined) {
        const e = this.epochIters.get(r.epoch);
        if (!e) this.epochIters.set(r.epoch, { min: x, max: x });
        else Object.assign(e, { min: Math.min(e.min, x), max: Math.max(e.max, x) });
      }
      for (const [k, y] of Object.entries(r)) {
        if (INDEX_KEYS.has(k) || !Number.isFinite(y)) continue;
        const name = val && SHARED_KEYS.has(k) ? `val/${k}` : k;
        let s = this.series.get(name);
        if (!s) this.series.set(name, (s = { axis: val ? 'epoch' : 'iter', points: [] }));
        s.points.push({ x, y });
      }
    }
  }

  lastEpoch(): number | undefined {
    return this.epochIters.size ? Math.max(...this.epochIters.keys()) : undefined;
  }
}

// Iterations per epoch from the logged (iteration, epoch) pairs: iteration i of epoch e means
// (e-1)·L < i <= e·L, so L >= i/e and L < i/(e-1). The smallest integer every record allows, or
// undefined when they allow none (a resumed run with another batch size, epochs of varying length).
export function estimateEpochLength(epochIters: Map<number, { min: number; max: number }>): number | undefined {
  let lo = 0;
  let hi = Infinity;
  for (const [e, { min, max }] of epochIters) {
    if (e < 1) return undefined;
    lo = Math.max(lo, max / e);
    if (e > 1) hi = Math.min(hi, min / (e - 1));
  }
  const L = Math.ceil(lo - 1e-9);
  return L >= 1 && L < hi && epochIters.size > 1 ? L : undefined;
}

// Where the epochs of a run end on the iteration axis, and where to write their numbers.
export function epochMarks(run: RunSeries, label: string, itersPerEpoch?: number): EpochMarks | undefined {
  const last = run.lastEpoch();
  if (last === undefined) return undefined;
  const maxIter = Math.max(...[...run.epochIters.values()].map((v) => v.max));
  const L = itersPerEpoch ?? estimateEpochLength(run.epochIters);
  const boundaries: number[] = [];
  const labels: { x: number; text: string }[] = [];
  if (L) {
    const first = Math.min(...run.epochIters.keys());
    for (let e = first; e <= last; e++) {
      if (e * L <= maxIter) boundaries.push(e * L);
      labels.push({ x: (e - 0.5) * L, text: `e${e}` });
    }
  } else {
    // Unknown epoch length: the last logged iteration of each epoch stands for its end
    const epochs = [...run.epochIters.entries()].sort((a, b) => a[0] - b[0]);
    for (let k = 0; k < epochs.length; k++) {
      const [e, { min, max }] = epochs[k];
      if (k < epochs.length - 1) boundaries.push(max);
      labels.push({ x: (min + max) / 2, text: `e${e}` });
    }
  }
  return { runLabel: label, boundaries, labels };
}

export interface RunEntry {
  id: string;
  label: string;
  visible: boolean;
  color: string;
  data: RunSeries;
  live: boolean;
  ended?: string;
  progress?: LiveProgress;
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

interface Group {
  id: string;
  title: string;
  axis: Axis;
  yTitle: string;
  rank: number;
}

function groupOf(name: string, axis: Axis): Group {
  if (axis === 'iter' && isLoss(name)) return { id: 'losses', title: 'Losses', axis, yTitle: 'loss', rank: 0 };
  if (axis === 'iter' && (name === 'lr' || name === 'base_lr'))
    return { id: 'lr', title: 'Learning rate', axis, yTitle: 'learning rate', rank: 1 };
  if (axis === 'epoch' && !name.startsWith('val/'))
    return { id: 'val', title: 'Validation (per epoch)', axis, yTitle: 'metric', rank: 2 };
  return { id: `scalar:${name}`, title: name, axis, yTitle: UNITS[name] ?? name, rank: axis === 'iter' ? 3 : 4 };
}

// Within a group: the total loss (or lr) first, then by name
function scalarOrder(a: string, b: string): number {
  const k = (n: string) => (n === 'loss' || n === 'lr' ? 0 : 1);
  return k(a) - k(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export class MetricsModel {
  readonly runs = new Map<string, RunEntry>();
  smoothing = 0.6;
  logScale = false;

  addRun(id: string, label: string, live = false): RunEntry {
    let r = this.runs.get(id);
    if (!r) {
      r = { id, label, visible: true, color: PALETTE[this.runs.size % PALETTE.length], data: new RunSeries(), live };
      this.runs.set(id, r);
    } else Object.assign(r, { label, live });
    return r;
  }

  // reset: the file was truncated or restarted; its old points no longer belong to it
  addRecords(id: string, records: ScalarRecord[], reset = false): void {
    const r = this.runs.get(id) ?? this.addRun(id, id);
    if (reset) r.data = new RunSeries();
    r.data.add(records);
  }

  setProgress(id: string, p: LiveProgress): void {
    const r = this.runs.get(id);
    if (r) r.progress = p;
  }

  endRun(id: string, outcome: string): void {
    const r = this.runs.get(id);
    if (r) Object.assign(r, { live: false, ended: outcome });
  }

  removeRun(id: string): void {
    this.runs.delete(id);
  }

  setVisible(id: string, visible: boolean): void {
    const r = this.runs.get(id);
    if (r) r.visible = visible;
  }

  charts(): ChartSpec[] {
    const groups = new Map<string, Group & { scalars: Set<string> }>();
    for (const r of this.runs.values()) {
      for (const [name, s] of r.data.series) {
        const g = groupOf(name, s.axis);
        if (!groups.has(g.id)) groups.set(g.id, { ...g, scalars: new Set() });
        groups.get(g.id)!.scalars.add(name);
      }
    }
    const visible = [...this.runs.values()].filter((r) => r.visible);
    return [...groups.values()]
      .sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : 1))
      .map((g) => {
        const scalars = [...g.scalars].sort(scalarOrder);
        const several = scalars.length > 1;
        const datasets: ChartDataset[] = [];
        for (const r of visible) {
          scalars.forEach((scalar, k) => {
            const s = r.data.series.get(scalar);
            if (!s) return;
            const shown = this.logScale ? s.points.filter((p) => p.y > 0) : s.points;
            datasets.push({
              runId: r.id,
              scalar,
              label: several ? `${r.label} · ${scalar}` : r.label,
              color: r.color,
              dash: DASHES[k % DASHES.length],
              width: k === 0 ? 2 : 1.5,
              raw: shown,
              // Validation points are sparse (one per epoch): smoothing them would hide the trend they show
              points: g.axis === 'iter' ? smooth(shown, this.smoothing) : shown,
            });
          });
        }
        const spec: ChartSpec = {
          id: g.id,
          title: g.title,
          axis: g.axis,
          xTitle: g.axis === 'iter' ? 'iteration' : 'epoch',
          yTitle: g.id === 'val' && scalars.every((n) => /AP/.test(n)) ? 'mAP' : g.yTitle,
          scalars,
          datasets,
        };
        if (g.axis === 'iter') spec.epochMarks = this.marks(visible);
        return spec;
      });
  }

  // One run's epoch marks (runs compared on one chart usually share them): the visible run with the
  // most epochs, so a long run's epochs are not hidden behind a short one's
  private marks(visible: RunEntry[]): EpochMarks | undefined {
    let best: EpochMarks | undefined;
    for (const r of visible) {
      const m = epochMarks(r.data, r.label, r.progress?.itersPerEpoch);
      if (m && (!best || m.labels.length > best.labels.length)) best = m;
    }
    return best;
  }

  summaries(): RunSummary[] {
    return [...this.runs.values()].map((r) => {
      const out: RunSummary = {
        runId: r.id,
        label: r.label,
        color: r.color,
        state: r.live ? 'running' : (r.ended ?? ''),
      };
      const epoch = r.progress?.epoch ?? r.data.lastEpoch();
      if (epoch !== undefined) out.epoch = epoch;
      if (r.progress?.maxEpochs) out.maxEpochs = r.progress.maxEpochs;
      if (r.live && r.progress?.eta) out.eta = r.progress.eta;
      const valNames = [...r.data.series.entries()].filter(([, s]) => s.axis === 'epoch').map(([n]) => n);
      const metric = primaryMetric(valNames);
      if (metric) {
        let best: Point | undefined;
        for (const p of r.data.series.get(metric)!.points) if (!best || p.y > best.y) best = p;
        if (best) out.best = { metric, value: best.y, epoch: best.x };
      }
      return out;
    });
  }
}

// 'demo/20240101_000000 · running · epoch 3/10 · best pascal_voc/mAP 0.891 (epoch 2) · ETA 0:01:02'
export function summaryText(s: RunSummary): string {
  const parts = [s.label];
  if (s.state) parts.push(s.state);
  if (s.epoch !== undefined) parts.push(`epoch ${s.epoch}${s.maxEpochs ? '/' + s.maxEpochs : ''}`);
  parts.push(s.best ? `best ${s.best.metric} ${s.best.value.toFixed(3)} (epoch ${s.best.epoch})` : 'no validation yet');
  if (s.eta) parts.push(`ETA ${s.eta}`);
  return parts.join(' · ');
}

// Messages between the extension and the webview
export type ToWebview =
  | { type: 'run'; id: string; label: string; live: boolean }
  | { type: 'records'; id: string; records: ScalarRecord[]; reset?: boolean }
  | { type: 'progress'; id: string; progress: LiveProgress }
  | { type: 'runEnded'; id: string; outcome: string }
  | { type: 'remove'; id: string };

export type FromWebview =
  { type: 'ready' } | { type: 'exportPng'; name: string; dataUrl: string } | { type: 'openRun' };
