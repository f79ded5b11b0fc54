// What the status bar shows for a run: epoch/iteration, loss and ETA, gathered from the run's log
// lines (MMEngine's "Epoch(train) [e][i/n] ... eta: ... loss: ..." and the built-in trainer's plain
// progress lines) and from its scalars.json records.
import type { ScalarRecord } from './scalars-tail';
import { outcomeText, RunOutcome } from './outcome';

export interface Progress {
  epoch?: number;
  maxEpochs?: number;
  iter?: number; // iteration inside the epoch when the log says so, else the global one
  itersPerEpoch?: number;
  loss?: number;
  eta?: string;
  mAP?: number; // latest validation score, when there is one
}

const NUM = '([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)';
const MMENGINE_TRAIN = /Epoch\(train\)\s*\[\s*(\d+)(?:\/(\d+))?\s*\]\s*\[\s*(\d+)\s*\/\s*(\d+)\s*\]/;
const GENERIC_EPOCH = /\bepoch[\s:=]+(\d+)\s*(?:\/\s*(\d+))?/i;
const GENERIC_ITER = /\biter(?:ation)?[\s:=]+(\d+)\s*\/\s*(\d+)/i;
const ETA = /\beta[\s:=]+((?:\d+\s+days?,\s*)?\d+:\d{2}(?::\d{2})?|\d+(?:\.\d+)?\s*[smh]\b)/i;
const LOSS = new RegExp(`\\bloss[\\s:=]+${NUM}`);

// Folds one log line into the progress; lines that say nothing about progress change nothing.
export function progressFromLogLine(prev: Progress, rawLine: string): Progress {
  // A terminal progress bar redraws with '\r': the last segment is the current state
  const line = rawLine.split('\r').pop() ?? rawLine;
  const next: Progress = { ...prev };
  let matched = false;
  const mm = MMENGINE_TRAIN.exec(line);
  if (mm) {
    next.epoch = +mm[1];
    if (mm[2]) next.maxEpochs = +mm[2];
    next.iter = +mm[3];
    next.itersPerEpoch = +mm[4];
    matched = true;
  } else {
    const e = GENERIC_EPOCH.exec(line);
    if (e) {
      next.epoch = +e[1];
      if (e[2]) next.maxEpochs = +e[2];
      matched = true;
    }
    const it = GENERIC_ITER.exec(line);
    if (it) {
      next.iter = +it[1];
      next.itersPerEpoch = +it[2];
      matched = true;
    }
  }
  if (!matched) return prev;
  const eta = ETA.exec(line);
  if (eta) next.eta = eta[1].replace(/\s+/g, ' ');
  const loss = LOSS.exec(line);
  if (loss) next.loss = +loss[1];
  return next;
}

// scalars.json records: training lines carry loss/epoch/iter; validation lines carry a metric and the epoch as step.
export function progressFromRecord(prev: Progress, rec: ScalarRecord): Progress {
  const next: Progress = { ...prev };
  if ('loss' in rec) next.loss = rec.loss;
  if ('epoch' in rec) next.epoch = rec.epoch;
  if ('iter' in rec && next.itersPerEpoch === undefined) next.iter = rec.iter;
  const metric = Object.keys(rec).find((k) => /(^|\/)(bbox_)?mAP$/.test(k));
  if (metric) next.mAP = rec[metric];
  return next;
}

// 'e3/100 it 20/50 · loss 1.234 · ETA 0:12:03' (parts that are unknown are left out)
export function formatProgress(p: Progress): string {
  const parts: string[] = [];
  if (p.epoch !== undefined) parts.push(`e${p.epoch}${p.maxEpochs ? '/' + p.maxEpochs : ''}`);
  if (p.iter !== undefined) parts.push(`it ${p.iter}${p.itersPerEpoch ? '/' + p.itersPerEpoch : ''}`);
  const head = parts.join(' ');
  const tail: string[] = [];
  if (p.loss !== undefined) tail.push(`loss ${formatNumber(p.loss)}`);
  if (p.mAP !== undefined) tail.push(`mAP ${p.mAP.toFixed(3)}`);
  if (p.eta) tail.push(`ETA ${p.eta}`);
  return [head, ...tail].filter(Boolean).join(' · ');
}

export function formatNumber(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e4 || a < 1e-3 ? x.toExponential(2) : x.toPrecision(4).replace(/\.?0+$/, '');
}

// '$(sync~spin) cfg: e3/12 it 20/30 · loss 1.2 · ETA 0:01:00' while running; how it ended (outcome.ts), without the ETA, afterwards
export function statusText(run: {
  name: string;
  running: boolean;
  outcome: RunOutcome | undefined;
  progress: Progress;
}): string {
  if (run.running || !run.outcome) return `$(sync~spin) ${run.name}: ${formatProgress(run.progress) || 'starting…'}`;
  const icon = run.outcome.kind === 'done' ? '$(check)' : run.outcome.kind === 'stopped' ? '$(debug-stop)' : '$(error)';
  const p = formatProgress({ ...run.progress, eta: undefined });
  return `${icon} ${run.name}: ${outcomeText(run.outcome)}${p ? ' · ' + p : ''}`;
}
