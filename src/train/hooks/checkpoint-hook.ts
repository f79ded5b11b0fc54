// CheckpointHook (mmengine/hooks/checkpoint_hook.py): `epoch_N` every `interval` epochs and at
// the last, `best_<metric>_epoch_N` when `save_best` improves, `max_keep_ckpts` rotation, and
// (ours) an `iter_N` checkpoint when a run stops mid-epoch, so --resume continues exactly.
//
// Deliberate difference: when an epoch is also validated, its epoch checkpoint is written after
// the validation (MMEngine writes it before), so it carries the best score including that epoch
// and a resumed run cannot take a worse epoch for a new best.
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeCheckpointAtomic } from '../checkpoint';
import { collectState } from '../state';
import type { TrainRun } from '../train-run';
import { Hook, priorityOf, priorities } from './hook';
import { validationDue } from '../loop';

export class CheckpointHook implements Hook {
  readonly name = 'CheckpointHook';
  readonly priority: number;
  private pendingEpoch?: number;

  constructor(private cfg: Record<string, any>) {
    this.priority = priorityOf(cfg, priorities.VERY_LOW);
  }

  /** Writes model, optimizer and (through the other hooks) EMA state, and points last_checkpoint at it. */
  save(run: TrainRun, file: string, epoch: number, iterInEpoch: number): void {
    const meta = {
      epoch,
      iter_in_epoch: iterInEpoch,
      iter: run.iter,
      seed: run.seed,
      config: resolve(run.loaded.file),
      classes: run.trainSet.classes,
      best_metric: run.bestMetric,
      loss_scaler: run.scaler?.state(),
      backend: run.backend.name,
    };
    const ck = collectState(run.store, run.opt, meta);
    run.hooks.callSync('beforeSaveCheckpoint', run, ck);
    writeCheckpointAtomic(file, ck);
    writeFileSync(join(run.workDir, 'last_checkpoint'), file);
    run.result.lastCheckpoint = file;
  }

  afterTrainEpoch(run: TrainRun): void {
    const done = run.epoch + 1;
    if (done % (this.cfg.interval ?? 1) !== 0 && done !== run.maxEpochs && !run.stopped) return;
    if (validationDue(run, done)) this.pendingEpoch = done;
    else this.saveEpoch(run, done);
  }

  afterValEpoch(run: TrainRun, metrics: Record<string, number>): void {
    const key = this.cfg.save_best && this.cfg.save_best !== 'auto' ? String(this.cfg.save_best) : Object.keys(metrics)[0];
    if (this.cfg.save_best && key in metrics && metrics[key] > run.bestMetric) {
      run.bestMetric = metrics[key];
      const file = join(run.workDir, `best_${key.replace(/\//g, '_')}_epoch_${run.epoch}.ckpt`);
      for (const old of readdirSync(run.workDir)) if (old.startsWith('best_') && old.endsWith('.ckpt')) unlinkSync(join(run.workDir, old));
      this.save(run, file, run.epoch, 0);
      run.result.bestCheckpoint = file;
    }
    if (this.pendingEpoch !== undefined) this.saveEpoch(run, this.pendingEpoch);
    this.pendingEpoch = undefined;
  }

  afterTrain(run: TrainRun): void {
    // Stopped inside an epoch: save where it stopped (the epoch's own checkpoint is not due).
    if (!run.stopped || run.innerIter === 0 || run.innerIter >= run.itersPerEpoch) return;
    const file = join(run.workDir, `iter_${run.iter}.ckpt`);
    this.save(run, file, run.epoch, run.innerIter);
    run.log.info(`${run.stopped === 'signal' ? 'interrupted' : 'stopped'} at epoch ${run.epoch + 1}, iteration ${run.iter}: checkpoint ${file}`);
    run.result.interrupted = run.stopped === 'signal';
  }

  private saveEpoch(run: TrainRun, epoch: number): void {
    this.save(run, join(run.workDir, `epoch_${epoch}.ckpt`), epoch, 0);
    const keep = this.cfg.max_keep_ckpts ?? -1;
    if (keep <= 0) return;
    const olds = readdirSync(run.workDir)
      .filter((n) => /^epoch_\d+\.ckpt$/.test(n))
      .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
    for (const o of olds.slice(0, Math.max(0, olds.length - keep))) unlinkSync(join(run.workDir, o));
  }
}
