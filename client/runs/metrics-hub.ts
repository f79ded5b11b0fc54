// Everything the metrics webview shows, kept by the extension host so training (and its curves)
// survives closing the panel: a reopened panel is replayed the whole history.
import type { ScalarRecord } from './scalars-tail';
import type { LiveProgress, ToWebview } from '../webview/series';

interface HubRun {
  id: string;
  label: string;
  live: boolean;
  records: ScalarRecord[];
  ended?: string; // how it ended, as outcome.ts words it
  progress?: LiveProgress;
}

export class MetricsHub {
  private runs = new Map<string, HubRun>();
  private listeners = new Set<(m: ToWebview) => void>();

  subscribe(fn: (m: ToWebview) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  has(id: string): boolean {
    return this.runs.has(id);
  }

  addRun(id: string, label: string, live: boolean): void {
    const r = this.runs.get(id);
    if (r) Object.assign(r, { label, live });
    else this.runs.set(id, { id, label, live, records: [] });
    this.emit({ type: 'run', id, label, live });
  }

  addRecords(id: string, records: ScalarRecord[], reset = false): void {
    const r = this.runs.get(id);
    if (!r) return;
    if (reset) r.records = [];
    r.records.push(...records);
    if (records.length || reset) this.emit({ type: 'records', id, records, reset });
  }

  // What the log says that scalars.json does not: the ETA, and the epoch length for the epoch marks
  setProgress(id: string, progress: LiveProgress): void {
    const r = this.runs.get(id);
    if (!r) return;
    r.progress = progress;
    this.emit({ type: 'progress', id, progress });
  }

  endRun(id: string, outcome: string): void {
    const r = this.runs.get(id);
    if (!r) return;
    r.live = false;
    r.ended = outcome;
    this.emit({ type: 'runEnded', id, outcome });
  }

  removeRun(id: string): void {
    if (this.runs.delete(id)) this.emit({ type: 'remove', id });
  }

  // The messages that rebuild the current state in a fresh webview.
  replay(): ToWebview[] {
    const out: ToWebview[] = [];
    for (const r of this.runs.values()) {
      out.push({ type: 'run', id: r.id, label: r.label, live: r.live });
      if (r.records.length) out.push({ type: 'records', id: r.id, records: r.records, reset: true });
      if (r.progress) out.push({ type: 'progress', id: r.id, progress: r.progress });
      if (!r.live && r.ended !== undefined) out.push({ type: 'runEnded', id: r.id, outcome: r.ended });
    }
    return out;
  }

  private emit(m: ToWebview): void {
    for (const l of this.listeners) l(m);
  }
}
