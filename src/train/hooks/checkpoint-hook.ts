// CheckpointHook (mmengine/hooks/checkpoint_hook.py): `epoch_N.pth` every `interval` epochs and
// at the last, `best_<metric>_epoch_N.pth` when `save_best` improves (without the optimizer, as
// MMEngine), `max_keep_ckpts` rotation, `last_checkpoint`, and (ours) an `iter_N.pth` checkpoint
// when a run stops mid-epoch, so --resume continues exactly. Files are PyTorch .pth in MMEngine's
// layout (MMYOLO's tools/test.py loads them); temp files a killed write left are removed at the
// start and at each rotation.
//
// Deliberate difference: when an epoch is also validated, its epoch checkpoint is written after
// the validation (MMEngine writes it before), so it carries the best score including that epoch
// and a resumed run cannot take a worse epoch for a new best.
import { readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { isBatchCount } from '../../checkpoint/mmyolo-params';
import { cleanStaleTemps, LoadedCheckpoint, savePthCheckpoint, SaveOptions } from '../checkpoint';
import { BatchCounts } from '../state';
import type { HookCfg } from '../config-types';
import type { TrainRun } from '../train-run';
import { Hook, priorityOf, priorities } from './hook';
import { validationDue } from '../loop';

export class CheckpointHook implements Hook {
  readonly name = 'CheckpointHook';
  readonly priority: number;
  private pendingEpoch?: number;
  private counts?: BatchCounts;
  private bestFile?: string;
  private readonly interval: number;
  private readonly saveBest?: string;
  private readonly maxKeep: number;

  // Settings are read here, at the start of the run, so the not-applied report sees them used.
  constructor(cfg: HookCfg) {
    this.priority = priorityOf(cfg, priorities.VERY_LOW);
    this.interval = (cfg.interval as number | undefined) ?? 1;
    this.saveBest = cfg.save_best ? String(cfg.save_best) : undefined;
    this.maxKeep = (cfg.max_keep_ckpts as number | undefined) ?? -1;
  }

  private batchCounts(run: TrainRun): BatchCounts {
    return (this.counts ??= new BatchCounts(run.store));
  }

  beforeTrain(run: TrainRun): void {
    const removed = cleanStaleTemps(run.workDir);
    if (removed.length)
      run.log.info(
        `removed ${removed.length} temporary file${removed.length > 1 ? 's' : ''} left by an interrupted checkpoint write: ${removed.join(', ')}`,
      );
  }

  afterTrainIter(run: TrainRun): void {
    this.batchCounts(run).steps++;
  }

  /** BatchNorm num_batches_tracked continue from the loaded checkpoint's. */
  async afterLoadCheckpoint(run: TrainRun, ck: LoadedCheckpoint, resumed: boolean): Promise<void> {
    const counts = this.batchCounts(run);
    for (const [name, src] of resumed ? ck.resumeModel : ck.inference)
      if (isBatchCount(name)) counts.base.set(name, (await src.read())[0] ?? 0);
  }

  /** Writes model, optimizer and (through the EMA hook) EMA state; `last_checkpoint` points at epoch and iter files. */
  save(
    run: TrainRun,
    file: string,
    epoch: number,
    iterInEpoch: number,
    opts: { optimizer?: boolean; last?: boolean } = {},
  ): void {
    const counts = this.batchCounts(run);
    const draft: SaveOptions = {
      store: run.store,
      opt: run.opt,
      optimWrapper: run.cfg.optim_wrapper,
      scaler: run.scaler,
      batchCounts: (n) => counts.value(n),
      saveOptimizer: opts.optimizer !== false,
      meta: {
        epoch,
        iter: run.iter,
        seed: run.seed,
        experimentName: `${basename(run.loaded.file).replace(/\.(py|json)$/, '')}_${basename(run.log.runDir)}`,
        classes: run.trainSet.classes,
        maxEpochs: run.maxEpochs,
        maxIters: run.maxEpochs * run.itersPerEpoch,
        yololab: {
          iter_in_epoch: iterInEpoch,
          best_metric: run.bestMetric,
          backend: run.backend.name,
          config: resolve(run.loaded.file),
          optim_step: run.opt.state.step,
        },
        runtimeInfo: {
          last_ckpt: opts.last === false ? run.result.lastCheckpoint : file,
          best_score: Number.isFinite(run.bestMetric) ? run.bestMetric : undefined,
          best_ckpt: this.bestFile,
        },
      },
    };
    run.hooks.callSync('beforeSaveCheckpoint', run, draft);
    savePthCheckpoint(file, draft);
    if (opts.last === false) return;
    writeFileSync(join(run.workDir, 'last_checkpoint'), file);
    run.result.lastCheckpoint = file;
  }

  afterTrainEpoch(run: TrainRun): void {
    const done = run.epoch + 1;
    if (done % this.interval !== 0 && done !== run.maxEpochs && !run.stopped) return;
    if (validationDue(run, done)) this.pendingEpoch = done;
    else this.saveEpoch(run, done);
  }

  afterValEpoch(run: TrainRun, metrics: Record<string, number>): void {
    const key = this.saveBest && this.saveBest !== 'auto' ? this.saveBest : Object.keys(metrics)[0];
    if (this.saveBest && key in metrics && metrics[key] > run.bestMetric) {
      run.bestMetric = metrics[key];
      const file = join(run.workDir, `best_${key.replace(/\//g, '_')}_epoch_${run.epoch}.pth`);
      for (const old of readdirSync(run.workDir))
        if (old.startsWith('best_') && /\.(pth|ckpt)$/.test(old) && old !== basename(file))
          unlinkSync(join(run.workDir, old));
      this.bestFile = file;
      this.save(run, file, run.epoch, 0, { optimizer: false, last: false });
      run.result.bestCheckpoint = file;
      run.log.info(
        `The best checkpoint with ${run.bestMetric.toFixed(4)} ${key} at ${run.epoch} epoch is saved to ${basename(file)}.`,
      );
    }
    if (this.pendingEpoch !== undefined) this.saveEpoch(run, this.pendingEpoch);
    this.pendingEpoch = undefined;
  }

  afterTrain(run: TrainRun): void {
    // Stopped inside an epoch: save where it stopped (the epoch's own checkpoint is not due).
    if (!run.stopped || run.innerIter === 0 || run.innerIter >= run.itersPerEpoch) return;
    const file = join(run.workDir, `iter_${run.iter}.pth`);
    this.save(run, file, run.epoch, run.innerIter);
    run.log.info(
      `${run.stopped === 'signal' ? 'interrupted' : 'stopped'} at epoch ${run.epoch + 1}, iteration ${run.iter}: checkpoint ${file}`,
    );
    run.result.interrupted = run.stopped === 'signal';
  }

  private saveEpoch(run: TrainRun, epoch: number): void {
    this.save(run, join(run.workDir, `epoch_${epoch}.pth`), epoch, 0);
    cleanStaleTemps(run.workDir);
    const keep = this.maxKeep;
    if (keep <= 0) return;
    const olds = readdirSync(run.workDir)
      .filter((n) => /^epoch_\d+\.(pth|ckpt)$/.test(n))
      .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
    for (const o of olds.slice(0, Math.max(0, olds.length - keep))) unlinkSync(join(run.workDir, o));
  }
}
