// YOLOv5ParamSchedulerHook: linear or cosine lr decay per epoch, with a warm-up over
// max(warmup_epochs * iters_per_epoch, warmup_mim_iter) iterations in which the bias
// group's lr falls from warmup_bias_lr while the others rise from 0, and momentum rises
// from warmup_momentum.
import { Optimizer } from './optim';

export interface SchedulerCfg {
  scheduler_type?: 'linear' | 'cosine';
  lr_factor?: number;
  max_epochs?: number;
  warmup_epochs?: number;
  warmup_bias_lr?: number;
  warmup_momentum?: number;
  warmup_mim_iter?: number;
}

export class YOLOv5ParamScheduler {
  private warmupIters = 0;
  private type: 'linear' | 'cosine';
  private lrFactor: number;
  private maxEpochs: number;
  constructor(private opt: Optimizer, private cfg: SchedulerCfg, itersPerEpoch: number, private baseMomentum: number) {
    this.type = cfg.scheduler_type ?? 'linear';
    if (this.type !== 'linear' && this.type !== 'cosine') throw new Error(`YOLOv5ParamSchedulerHook: scheduler_type must be 'linear' or 'cosine', got '${this.type}'`);
    this.lrFactor = cfg.lr_factor ?? 0.01;
    this.maxEpochs = cfg.max_epochs ?? 300;
    this.warmupIters = Math.max(Math.round((cfg.warmup_epochs ?? 3) * itersPerEpoch), cfg.warmup_mim_iter ?? 1000);
  }

  factor(epoch: number): number {
    if (this.type === 'linear') return (1 - epoch / this.maxEpochs) * (1 - this.lrFactor) + this.lrFactor;
    return ((1 - Math.cos((epoch * Math.PI) / this.maxEpochs)) / 2) * (this.lrFactor - 1) + 1;
  }

  /** Before iteration `iter` (0-based global) of epoch `epoch` (0-based). */
  beforeIter(iter: number, epoch: number): void {
    if (iter > this.warmupIters) return;
    const f = this.factor(epoch);
    const t = iter / this.warmupIters;
    for (const g of this.opt.groups) {
      const start = this.opt.groupIndex(g) === 2 ? this.cfg.warmup_bias_lr ?? 0.1 : 0;
      g.lr = start + (g.initialLr * f - start) * t;
      if (this.opt.type === 'SGD') g.momentum = (this.cfg.warmup_momentum ?? 0.8) + (this.baseMomentum - (this.cfg.warmup_momentum ?? 0.8)) * t;
    }
  }

  /** After each epoch (epoch = the 0-based epoch just finished). */
  afterEpoch(epoch: number): void {
    const f = this.factor(epoch + 1);
    for (const g of this.opt.groups) g.lr = g.initialLr * f;
  }
}
