// LoggerHook with MMEngine's LogProcessor (mmengine/hooks/logger_hook.py,
// mmengine/runner/log_processor.py): a training line every `interval` batches of an epoch, and
// at an epoch's end only when the epoch is not longer than the interval (ignore_last);
// losses and times are means over the last `window_size` iterations, lr is the current value.
// Lines go to the text log and to vis_data/scalars.json; a terminal also gets a progress bar.
import { formatEta } from '../logging';
import type { LoggerHookCfg, TrainConfig } from '../config-types';
import type { TrainRun } from '../train-run';
import type { StepResult } from '../train-step';
import { Hook, priorityOf, priorities } from './hook';

interface IterRecord extends StepResult {
  time: number;
  data_time: number;
}

export class LoggerHook implements Hook {
  readonly name = 'LoggerHook';
  readonly priority: number;
  private readonly interval: number;
  private readonly ignoreLast: boolean;
  private readonly windowSize: number;
  private readonly history: IterRecord[] = [];
  private skippedSinceLine = false;

  constructor(cfg: LoggerHookCfg, logProcessor: TrainConfig['log_processor']) {
    this.priority = priorityOf(cfg, priorities.BELOW_NORMAL);
    this.interval = cfg.interval ?? 10;
    this.ignoreLast = cfg.ignore_last ?? true;
    this.windowSize = typeof logProcessor?.window_size === 'number' ? logProcessor.window_size : 10;
  }

  /** RuntimeInfoHook.before_train_iter records the lr of the first group for this iteration
   * (after YOLOv5ParamSchedulerHook, priority 9, has set it; before ParamSchedulerHook steps). */
  private lr = 0;
  beforeTrainIter(run: TrainRun): void {
    this.lr = run.opt.groups[0]?.lr ?? 0;
  }

  afterTrainIter(
    run: TrainRun,
    batchIdx: number,
    _batch: unknown,
    out: StepResult,
    times: { time: number; dataTime: number },
  ): void {
    this.history.push({ ...out, time: times.time, data_time: times.dataTime });
    if (this.history.length > this.windowSize) this.history.shift();
    if (out.skipped) this.skippedSinceLine = true;
    const inner = batchIdx + 1;
    const done = run.iter + 1 - run.startIter;
    const remaining = (run.maxEpochs - run.epoch) * run.itersPerEpoch - inner;
    const eta = ((Date.now() - run.startedAt) / 1000 / done) * Math.min(remaining, run.maxIters - run.iter - 1);
    run.log.progress(run.epoch + 1, run.maxEpochs, inner, run.itersPerEpoch, out.loss, eta);
    const endOfEpoch = inner === run.itersPerEpoch;
    if (!(inner % this.interval === 0 || (endOfEpoch && (!this.ignoreLast || run.itersPerEpoch <= this.interval))))
      return;
    this.writeTrainLine(run, inner, eta);
  }

  afterValEpoch(run: TrainRun, metrics: Record<string, number>): void {
    run.log.scalars({ ...metrics, step: run.epoch });
    const n = run.valSet?.length ?? 0;
    run.log.info(
      `Epoch(val) [${run.epoch}][${n}/${n}]  ${Object.entries(metrics)
        .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
        .join('  ')}`,
    );
  }

  private writeTrainLine(run: TrainRun, inner: number, eta: number): void {
    const mean = (k: keyof IterRecord) =>
      this.history.reduce((s, w) => s + ((w[k] as number) ?? 0), 0) / this.history.length;
    const names = run.det.head.lossNames;
    const terms = Object.fromEntries(
      names.map((k) => [k, this.history.reduce((s, w) => s + (w.terms[k] ?? 0), 0) / this.history.length]),
    );
    const lr = this.lr;
    const mem = Math.round(process.memoryUsage().rss / 2 ** 20);
    const line: Record<string, number> = {
      lr,
      data_time: mean('data_time'),
      loss: mean('loss'),
      ...terms,
      time: mean('time'),
      epoch: run.epoch + 1,
      iter: run.iter + 1,
      memory: mem,
    };
    if (run.opt.clipNorm !== undefined) line.grad_norm = mean('grad_norm');
    if (run.scaler) line.loss_scale = run.scaler.scale;
    line.step = run.iter + 1;
    run.log.scalars(line);
    const f = (v: number) => v.toFixed(4);
    const its = run.itersPerEpoch;
    run.log.info(
      `Epoch(train) [${run.epoch + 1}][${String(inner).padStart(String(its).length)}/${its}]  lr: ${lr.toExponential(4)}  eta: ${formatEta(eta)}  time: ${f(line.time)}  data_time: ${f(line.data_time)}  memory: ${mem}  loss: ${f(line.loss)}${names.map((k) => `  ${k}: ${f(line[k])}`).join('')}` +
        (run.scaler
          ? `  loss_scale: ${run.scaler.scale}${this.skippedSinceLine ? ' (steps skipped on inf/NaN)' : ''}`
          : ''),
    );
    this.skippedSinceLine = false;
  }
}
