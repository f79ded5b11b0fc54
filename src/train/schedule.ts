// YOLOv5ParamSchedulerHook (mmyolo/engine/hooks/yolov5_param_scheduler_hook.py): a linear or
// cosine lr factor per epoch, and a warm-up over max(round(warmup_epochs * iters_per_epoch),
// warmup_mim_iter) iterations in which the bias group (index 2) falls from warmup_bias_lr, the
// other groups rise from 0, and momentum rises from warmup_momentum -- all towards the epoch's
// factor. Both hook points take the epoch MMEngine reports at that moment: during epoch e
// (0-based) runner.epoch is e, and after_train_epoch runs before the loop increments it
// (mmengine/runner/loops.py EpochBasedTrainLoop.run_epoch), so the lr for epoch e + 1 is
// base * f(e). The per-epoch update starts only once an iteration past the warm-up was seen.
import { ConfigError } from '../errors';
import type { SchedulerHookCfg } from './config-types';
import { pyRound } from './py-math';
import { where } from './registry';

export interface ScheduledGroup {
  lr: number;
  momentum: number;
  /** The lr the group started with (MMEngine's initial_lr). */
  initialLr: number;
}

type Factor = (epoch: number) => number;

/** yolov5_param_scheduler_hook.py L12-20. */
export function linearFactor(lrFactor: number, maxEpochs: number): Factor {
  return (x) => (1 - x / maxEpochs) * (1.0 - lrFactor) + lrFactor;
}
export function cosineFactor(lrFactor: number, maxEpochs: number): Factor {
  return (x) => ((1 - Math.cos((x * Math.PI) / maxEpochs)) / 2) * (lrFactor - 1) + 1;
}

/** numpy.interp for one segment [0, x1] -> [y0, y1], with x within it. */
function interp(x: number, x1: number, y0: number, y1: number): number {
  if (x >= x1) return y1;
  return ((y1 - y0) / x1) * x + y0;
}

export class YOLOv5ParamScheduler {
  readonly warmupIters: number;
  private factor: Factor;
  private warmupEnd = false;
  private baseLr: number[];
  private baseMomentum: number[];
  private warmupBiasLr: number;
  private warmupMomentum: number;

  /**
   * groups: the optimizer's groups (index 2 is YOLOv5OptimizerConstructor's bias group);
   * withMomentum: whether the optimizer has a momentum setting (SGD), which the warm-up moves.
   */
  constructor(
    cfg: SchedulerHookCfg,
    private groups: ScheduledGroup[],
    itersPerEpoch: number,
    private withMomentum: boolean,
    hookPath: (string | number)[] = ['default_hooks', 'param_scheduler'],
  ) {
    const type = cfg.scheduler_type ?? 'linear';
    if (type !== 'linear' && type !== 'cosine')
      throw new ConfigError(
        `${hookPath.join('.')}.scheduler_type: '${type}' is not 'linear' or 'cosine'`,
        where([...hookPath, 'scheduler_type']),
      );
    const make = type === 'linear' ? linearFactor : cosineFactor;
    this.factor = make(cfg.lr_factor ?? 0.01, cfg.max_epochs ?? 300);
    this.warmupBiasLr = cfg.warmup_bias_lr ?? 0.1;
    this.warmupMomentum = cfg.warmup_momentum ?? 0.8;
    // Python's round() on warmup_epochs * len(train_dataloader) (L90-92).
    this.warmupIters = Math.max(pyRound((cfg.warmup_epochs ?? 3) * itersPerEpoch), cfg.warmup_mim_iter ?? 1000);
    // before_train (L54-72): the groups' initial values.
    this.baseLr = groups.map((g) => g.initialLr);
    this.baseMomentum = groups.map((g) => g.momentum);
  }

  /** before_train_iter (L74-115): `iter` is runner.iter (0-based, global), `epoch` runner.epoch. */
  beforeTrainIter(iter: number, epoch: number): void {
    if (iter > this.warmupIters) {
      this.warmupEnd = true;
      return;
    }
    const f = this.factor(epoch);
    this.groups.forEach((g, i) => {
      g.lr = interp(iter, this.warmupIters, i === 2 ? this.warmupBiasLr : 0, this.baseLr[i] * f);
      if (this.withMomentum) g.momentum = interp(iter, this.warmupIters, this.warmupMomentum, this.baseMomentum[i]);
    });
  }

  /** after_train_epoch (L117-130): `epoch` is the epoch just finished (runner.epoch, 0-based). */
  afterTrainEpoch(epoch: number): void {
    if (!this.warmupEnd) return;
    const f = this.factor(epoch);
    this.groups.forEach((g, i) => (g.lr = this.baseLr[i] * f));
  }

  /** MMYOLO keeps no scheduler state: a resumed run restores the optimizer's lr and sees the
   * warm-up end again at its first iteration past it. These restore the same for ours. */
  state(): { warmupEnd: boolean } {
    return { warmupEnd: this.warmupEnd };
  }
  load(s: { warmupEnd?: boolean }): void {
    this.warmupEnd = s.warmupEnd ?? false;
  }
}
