// MMEngine's `param_scheduler` (mmengine/optim/scheduler/param_scheduler.py) for the learning
// rate: LinearLR, ConstantLR, StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, PolyLR and
// OneCycleLR, with by_epoch, begin/end and convert_to_iter_based. Each scheduler is the
// chainable form MMEngine runs: it steps from the current lr of each group, so several
// schedulers compose as they do there. Built as MMEngine's runner builds them (runner.py
// _build_param_scheduler: `end` defaults to max_epochs or max_iters) and stepped as
// ParamSchedulerHook steps them: iteration-based ones after every iteration, epoch-based ones
// after every epoch. A type not built here is an error naming it.
import { ConfigError } from '../errors';
import type { ParamSchedulerCfg } from './config-types';
import { baseType, where } from './registry';

/** A parameter group as the schedulers see it (the optimizer's groups have these). */
export interface LrGroup {
  lr: number;
}

const INF = 1e9; // param_scheduler.py INF

export const LR_SCHEDULERS = [
  'LinearLR',
  'ConstantLR',
  'StepLR',
  'MultiStepLR',
  'ExponentialLR',
  'CosineAnnealingLR',
  'PolyLR',
  'OneCycleLR',
];

/** Per-group values MMEngine keeps in param_groups (initial_lr, max_lr, min_lr). */
type GroupExtras = Array<Record<string, number>>;

abstract class Scheduler {
  lastStep = -1;
  globalStep = -1;
  readonly baseValues: number[];
  constructor(
    protected groups: LrGroup[],
    protected extras: GroupExtras,
    readonly begin: number,
    readonly end: number,
    readonly byEpoch: boolean,
  ) {
    if (end <= begin) throw new Error(`end should be larger than begin, but got begin=${begin}, end=${end}`);
    // _ParamScheduler.__init__: group.setdefault('initial_lr', group['lr']); then one step().
    extras.forEach((e, i) => (e.initial_lr ??= groups[i].lr));
    this.baseValues = extras.map((e) => e.initial_lr);
  }

  protected abstract values(): number[];

  step(): void {
    this.globalStep++;
    if (this.begin <= this.globalStep && this.globalStep < this.end) {
      this.lastStep++;
      this.values().forEach((v, i) => (this.groups[i].lr = v));
    }
  }

  protected lrs(): number[] {
    return this.groups.map((g) => g.lr);
  }
}

class LinearLR extends Scheduler {
  private total: number;
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    private start: number,
    private endFactor: number,
  ) {
    super(g, x, b, e, by);
    if (start > 1 || start < 0) throw new Error('Starting multiplicative factor should between 0 and 1.');
    if (endFactor > 1 || endFactor < 0) throw new Error('Ending multiplicative factor should between 0 and 1.');
    this.total = e - b - 1;
  }
  protected values(): number[] {
    if (this.lastStep === 0) return this.lrs().map((v) => v * this.start);
    const d = this.endFactor - this.start;
    return this.lrs().map((v) => v * (1 + d / (this.total * this.start + (this.lastStep - 1) * d)));
  }
}

class ConstantLR extends Scheduler {
  private total: number;
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    private factor: number,
  ) {
    super(g, x, b, e, by);
    if (factor > 1 || factor < 0) throw new Error('Constant multiplicative factor should between 0 and 1.');
    this.total = e - b - 1;
  }
  protected values(): number[] {
    if (this.lastStep === 0) return this.lrs().map((v) => v * this.factor);
    if (this.lastStep !== this.total) return this.lrs();
    return this.lrs().map((v) => v * (1 / this.factor));
  }
}

class StepLR extends Scheduler {
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    private stepSize: number,
    private gamma: number,
  ) {
    super(g, x, b, e, by);
  }
  protected values(): number[] {
    if (this.lastStep === 0 || this.lastStep % this.stepSize !== 0) return this.lrs();
    return this.lrs().map((v) => v * this.gamma);
  }
}

class MultiStepLR extends Scheduler {
  private counts = new Map<number, number>();
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    milestones: number[],
    private gamma: number,
  ) {
    super(g, x, b, e, by);
    for (const m of milestones) this.counts.set(m, (this.counts.get(m) ?? 0) + 1);
  }
  protected values(): number[] {
    const n = this.counts.get(this.lastStep);
    return n === undefined ? this.lrs() : this.lrs().map((v) => v * this.gamma ** n);
  }
}

class ExponentialLR extends Scheduler {
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    private gamma: number,
  ) {
    super(g, x, b, e, by);
  }
  protected values(): number[] {
    return this.lastStep === 0 ? this.lrs() : this.lrs().map((v) => v * this.gamma);
  }
}

class CosineAnnealingLR extends Scheduler {
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    private tMax: number,
    private etaMin?: number,
    private etaMinRatio?: number,
  ) {
    super(g, x, b, e, by);
  }
  private min(base: number): number {
    return this.etaMinRatio === undefined ? this.etaMin! : base * this.etaMinRatio;
  }
  protected values(): number[] {
    const t = this.lastStep;
    const T = this.tMax;
    if (t === 0) return this.lrs();
    if ((t - 1 - T) % (2 * T) === 0)
      return this.lrs().map(
        (v, i) => v + ((this.baseValues[i] - this.min(this.baseValues[i])) * (1 - Math.cos(Math.PI / T))) / 2,
      );
    return this.lrs().map((v, i) => {
      const m = this.min(this.baseValues[i]);
      return ((1 + Math.cos((Math.PI * t) / T)) / (1 + Math.cos((Math.PI * (t - 1)) / T))) * (v - m) + m;
    });
  }
}

class PolyLR extends Scheduler {
  private total: number;
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    private etaMin: number,
    private power: number,
  ) {
    super(g, x, b, e, by);
    this.total = e - b - 1;
  }
  protected values(): number[] {
    if (this.lastStep === 0) return this.lrs();
    return this.lrs().map(
      (v) => (v - this.etaMin) * (1 - 1 / (this.total - this.lastStep + 1)) ** this.power + this.etaMin,
    );
  }
}

class OneCycleLR extends Scheduler {
  private phases: Array<{ end: number; start: string; stop: string }>;
  constructor(
    g: LrGroup[],
    x: GroupExtras,
    b: number,
    e: number,
    by: boolean,
    private totalSteps: number,
    o: {
      etaMax: number | number[];
      pctStart: number;
      linear: boolean;
      div: number;
      finalDiv: number;
      threePhase: boolean;
    },
  ) {
    // OneCycleParamScheduler.__init__ sets initial/max/min lr before the base class reads initial_lr.
    const max = Array.isArray(o.etaMax) ? o.etaMax : g.map(() => o.etaMax as number);
    if (max.length !== g.length) throw new Error(`expected ${g.length} values for max_lr, got ${max.length}`);
    x.forEach((e2, i) => {
      e2.initial_lr = max[i] / o.div;
      e2.max_lr = max[i];
      e2.min_lr = e2.initial_lr / o.finalDiv;
    });
    super(g, x, b, e, by);
    this.linear = o.linear;
    const T = totalSteps;
    this.phases = o.threePhase
      ? [
          { end: o.pctStart * T - 1, start: 'initial_lr', stop: 'max_lr' },
          { end: 2 * o.pctStart * T - 2, start: 'max_lr', stop: 'initial_lr' },
          { end: T - 1, start: 'initial_lr', stop: 'min_lr' },
        ]
      : [
          { end: o.pctStart * T - 1, start: 'initial_lr', stop: 'max_lr' },
          { end: T - 1, start: 'max_lr', stop: 'min_lr' },
        ];
  }
  private linear = false;
  private anneal(start: number, end: number, pct: number): number {
    return this.linear ? (end - start) * pct + start : end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1);
  }
  protected values(): number[] {
    const t = this.lastStep;
    if (t > this.totalSteps)
      throw new Error(`OneCycleLR: tried to step ${t + 1} times; total_steps is ${this.totalSteps}`);
    return this.extras.map((e) => {
      let startStep = 0;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i];
        if (t <= ph.end || i === this.phases.length - 1)
          return this.anneal(e[ph.start], e[ph.stop], (t - startStep) / (ph.end - startStep));
        startStep = ph.end;
      }
      throw new Error('unreachable');
    });
  }
}

export interface SchedulerContext {
  maxEpochs: number;
  /** Iterations per epoch: len(train_dataloader). */
  epochLength: number;
}

/** The list of schedulers a config's param_scheduler builds, stepped as ParamSchedulerHook does. */
export class ParamSchedulers {
  readonly list: Scheduler[] = [];
  private extras: GroupExtras;

  /** Builds the config's param_scheduler (a dict or a list of dicts) and, as MMEngine's
   * constructors do, takes each scheduler's first step right after building it. */
  constructor(
    param_scheduler: ParamSchedulerCfg | ParamSchedulerCfg[],
    private groups: LrGroup[],
    ctx: SchedulerContext,
  ) {
    this.extras = groups.map(() => ({}));
    const list = Array.isArray(param_scheduler) ? param_scheduler : [param_scheduler];
    list.forEach((cfg, i) => {
      const s = this.build(cfg, Array.isArray(param_scheduler) ? ['param_scheduler', i] : ['param_scheduler'], ctx);
      s.step();
      this.list.push(s);
    });
  }

  private build(cfg: ParamSchedulerCfg, path: (string | number)[], ctx: SchedulerContext): Scheduler {
    const type = baseType(cfg.type);
    const bad = (msg: string): never => {
      throw new ConfigError(`${path.join('.')}: ${msg}`, where([...path, 'type']) ?? where(path));
    };
    if (!LR_SCHEDULERS.includes(type))
      bad(`'${cfg.type}' is not built by the trainer (it builds: ${LR_SCHEDULERS.join(', ')})`);
    let byEpoch = cfg.by_epoch ?? true;
    const n = (k: string, d?: number): number => {
      const v = cfg[k] ?? d;
      if (typeof v !== 'number') bad(`${k} must be a number, got ${JSON.stringify(v)}`);
      return v as number;
    };
    let begin = n('begin', 0);
    // runner.py _build_param_scheduler: the default end is the loop's length.
    let end = cfg.end !== undefined ? n('end') : byEpoch ? ctx.maxEpochs : ctx.maxEpochs * ctx.epochLength;
    const L = ctx.epochLength;
    // build_iter_from_epoch: steps scale by the epoch length, begin/end truncate to integers.
    const convert = cfg.convert_to_iter_based === true;
    if (convert) {
      if (!byEpoch) bad('convert_to_iter_based needs by_epoch=True');
      byEpoch = false;
      begin = Math.trunc(begin * L);
      if (end !== INF) end = Math.trunc(end * L);
    }
    const k = convert ? L : 1;
    const g = this.groups;
    const x = this.extras;
    try {
      switch (type) {
        case 'LinearLR':
          return new LinearLR(g, x, begin, end, byEpoch, n('start_factor', 1 / 3), n('end_factor', 1));
        case 'ConstantLR':
          return new ConstantLR(g, x, begin, end, byEpoch, n('factor', 1 / 3));
        case 'StepLR':
          return new StepLR(g, x, begin, end, byEpoch, n('step_size') * k, n('gamma', 0.1));
        case 'MultiStepLR': {
          const ms = cfg.milestones;
          if (!Array.isArray(ms) || !ms.every((m) => typeof m === 'number'))
            bad('milestones must be a list of numbers');
          return new MultiStepLR(
            g,
            x,
            begin,
            end,
            byEpoch,
            (ms as number[]).map((m) => m * k),
            n('gamma', 0.1),
          );
        }
        case 'ExponentialLR':
          return new ExponentialLR(g, x, begin, end, byEpoch, n('gamma'));
        case 'CosineAnnealingLR': {
          const tMax = cfg.T_max !== undefined && cfg.T_max !== null ? n('T_max') * k : end - begin;
          const ratio = cfg.eta_min_ratio as number | undefined;
          const min = cfg.eta_min as number | undefined;
          if (min !== undefined && min !== null && ratio !== undefined && ratio !== null)
            bad('either eta_min or eta_min_ratio, not both');
          return new CosineAnnealingLR(
            g,
            x,
            begin,
            end,
            byEpoch,
            tMax,
            ratio === undefined || ratio === null ? (min ?? 0) : undefined,
            ratio ?? undefined,
          );
        }
        case 'PolyLR':
          return new PolyLR(g, x, begin, end, byEpoch, n('eta_min', 0), n('power', 1));
        case 'OneCycleLR': {
          const total = cfg.total_steps !== undefined && cfg.total_steps !== null ? n('total_steps') * k : end - begin;
          const etaMax = cfg.eta_max as number | number[] | undefined;
          return new OneCycleLR(g, x, begin, end, byEpoch, total, {
            etaMax: etaMax ?? 0,
            pctStart: n('pct_start', 0.3),
            linear: (cfg.anneal_strategy ?? 'cos') === 'linear',
            div: n('div_factor', 25),
            finalDiv: n('final_div_factor', 1e4),
            threePhase: cfg.three_phase === true,
          });
        }
      }
    } catch (e) {
      if (e instanceof ConfigError) throw e;
      bad((e as Error).message);
    }
    return bad(`'${cfg.type}' is not built by the trainer`);
  }

  afterTrainIter(): void {
    for (const s of this.list) if (!s.byEpoch) s.step();
  }

  afterTrainEpoch(): void {
    for (const s of this.list) if (s.byEpoch) s.step();
  }

  /** What a checkpoint needs to continue the schedule. */
  state(): Array<{ lastStep: number; globalStep: number }> {
    return this.list.map((s) => ({ lastStep: s.lastStep, globalStep: s.globalStep }));
  }

  /** The counters after the steps MMEngine would have taken by `epoch` epochs / `iter` iterations
   * (for a checkpoint that has no scheduler state of ours); the lr itself comes with the optimizer. */
  fastForward(epoch: number, iter: number): void {
    for (const s of this.list) {
      const k = s.byEpoch ? epoch : iter;
      s.globalStep = k;
      s.lastStep = k < s.begin ? -1 : Math.min(k, s.end - 1) - s.begin;
    }
  }

  load(state: Array<{ lastStep: number; globalStep: number }>): void {
    state.forEach((s, i) => {
      if (this.list[i]) Object.assign(this.list[i], s);
    });
  }
}
