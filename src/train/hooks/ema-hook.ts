// EMAHook (mmengine/hooks/ema_hook.py): keeps an averaged copy of the model, validates on it
// (swapped in for the validation epoch), and carries it in checkpoints.
import type { EMAHookCfg } from '../config-types';
import type { TrainRun } from '../train-run';
import type { LoadedCheckpoint, SaveOptions } from '../checkpoint';
import { ExpMomentumEMA } from '../ema';
import { notApplied } from '../not-applied';
import { baseType, checkType } from '../registry';
import { restoreEma } from '../state';
import type { StepResult } from '../train-step';
import { Hook, priorityOf, priorities } from './hook';

export class EMAHook implements Hook {
  readonly name = 'EMAHook';
  readonly priority: number;
  readonly ema: ExpMomentumEMA;

  constructor(cfg: EMAHookCfg, run: TrainRun) {
    this.priority = priorityOf(cfg, priorities.NORMAL);
    if (baseType(cfg.ema_type ?? 'ExpMomentumEMA') !== 'ExpMomentumEMA')
      checkType({ type: cfg.ema_type }, ['custom_hooks', 'ema_type'], 'ExpMomentumEMA');
    // strict_load=True would make a checkpoint without EMA weights an error; ours keeps the model's copy.
    if (cfg.strict_load === true)
      notApplied(cfg, 'strict_load', 'EMA weights missing from a checkpoint keep their values');
    this.ema = new ExpMomentumEMA(
      run.store.stateDict(),
      cfg.momentum ?? 0.0002,
      cfg.gamma ?? 2000,
      cfg.update_buffers ?? false,
      new Set(run.store.buffers.keys()),
    );
  }

  afterTrainIter(_run: TrainRun, _batchIdx: number, _batch: unknown, outputs: StepResult): void {
    if (!outputs.skipped) this.ema.update();
  }

  beforeValEpoch(): void {
    this.ema.swap();
  }

  afterValEpoch(): void {
    this.ema.swap();
  }

  /** before_save_checkpoint: the checkpoint carries the EMA (swapped into state_dict, as MMEngine). */
  beforeSaveCheckpoint(_run: TrainRun, draft: SaveOptions): void {
    draft.ema = this.ema;
  }

  /** after_load_checkpoint: resume restores the EMA; load_from starts it from the loaded weights. */
  async afterLoadCheckpoint(run: TrainRun, ck: LoadedCheckpoint, resumed: boolean): Promise<void> {
    for (const w of await restoreEma(ck, this.ema, run.store, resumed)) run.log.warn(w);
  }
}
