// EMAHook (mmengine/hooks/ema_hook.py): keeps an averaged copy of the model, validates on it
// (swapped in for the validation epoch), and carries it in checkpoints.
import type { TrainRun } from '../train-run';
import type { Checkpoint } from '../checkpoint';
import { ExpMomentumEMA } from '../ema';
import { baseType, checkType } from '../registry';
import { emaFromCheckpoint, emaIntoCheckpoint } from '../state';
import type { StepResult } from '../train-step';
import { Hook, priorityOf, priorities } from './hook';

export class EMAHook implements Hook {
  readonly name = 'EMAHook';
  readonly priority: number;
  readonly ema: ExpMomentumEMA;

  constructor(cfg: Record<string, any>, run: TrainRun) {
    this.priority = priorityOf(cfg, priorities.NORMAL);
    if (baseType(cfg.ema_type ?? 'ExpMomentumEMA') !== 'ExpMomentumEMA') checkType({ type: cfg.ema_type }, ['custom_hooks', 'ema_type'], 'ExpMomentumEMA');
    this.ema = new ExpMomentumEMA(run.store.stateDict(), cfg.momentum ?? 0.0002, cfg.gamma ?? 2000, cfg.update_buffers ?? false, new Set(run.store.buffers.keys()));
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

  beforeSaveCheckpoint(_run: TrainRun, checkpoint: Checkpoint): void {
    emaIntoCheckpoint(this.ema, checkpoint);
  }

  afterLoadCheckpoint(run: TrainRun, checkpoint: Checkpoint, resumed: boolean): void {
    if (resumed) emaFromCheckpoint(checkpoint, this.ema);
    else {
      // load_from: the EMA starts from the loaded weights (EMAHook.after_load_checkpoint).
      const state = run.store.stateDict();
      this.ema.shadow.forEach((v, n) => v.assign(state.get(n)!));
    }
  }
}
