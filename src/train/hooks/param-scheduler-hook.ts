// The lr schedule hooks. MMEngine's ParamSchedulerHook (mmengine/hooks/param_scheduler_hook.py)
// steps the config's param_scheduler list: iteration-based schedulers after every iteration,
// epoch-based ones after every epoch. MMYOLO's YOLOv5ParamSchedulerHook
// (mmyolo/engine/hooks/yolov5_param_scheduler_hook.py) subclasses it: it adds the YOLOv5
// warm-up before each iteration and the per-epoch factor, keeps the inherited after_train_iter
// (so iteration-based param_scheduler entries still step), and replaces after_train_epoch (so
// epoch-based ones do not). The arithmetic is in ../schedule.ts and ../param-scheduler.ts.
import type { Checkpoint } from '../checkpoint';
import type { HookCfg, ParamSchedulerCfg, SchedulerHookCfg } from '../config-types';
import { honour } from '../not-applied';
import { ParamSchedulers } from '../param-scheduler';
import { YOLOv5ParamScheduler } from '../schedule';
import type { TrainRun } from '../train-run';
import { Hook, priorityOf, priorities } from './hook';

/** The optimizer groups' lr and momentum go into checkpoints with the schedule's own state,
 * as PyTorch's optimizer state_dict carries param_groups: a resumed run continues exactly. */
function saveGroups(run: TrainRun, ck: Checkpoint, schedule: unknown): void {
  ck.meta.param_groups = run.opt.groups.map((g) => ({ lr: g.lr, momentum: g.momentum }));
  ck.meta.param_schedule = schedule;
}

function loadGroups(run: TrainRun, ck: Checkpoint): void {
  const groups = ck.meta.param_groups as Array<{ lr: number; momentum: number }> | undefined;
  groups?.forEach((g, i) => run.opt.groups[i] && Object.assign(run.opt.groups[i], g));
}

function buildParamSchedulers(run: TrainRun): ParamSchedulers | undefined {
  const cfg = run.cfg.param_scheduler;
  if (cfg === undefined || cfg === null) return undefined;
  return new ParamSchedulers(cfg as ParamSchedulerCfg | ParamSchedulerCfg[], run.opt.groups, { maxEpochs: run.maxEpochs, epochLength: run.itersPerEpoch });
}

export class ParamSchedulerHook implements Hook {
  readonly name = 'ParamSchedulerHook';
  readonly priority: number;
  readonly schedulers?: ParamSchedulers;

  constructor(cfg: HookCfg, run: TrainRun) {
    this.priority = priorityOf(cfg, priorities.LOW);
    honour(cfg); // it has no settings of its own
    this.schedulers = buildParamSchedulers(run);
  }

  afterTrainIter(): void {
    this.schedulers?.afterTrainIter();
  }

  afterTrainEpoch(): void {
    this.schedulers?.afterTrainEpoch();
  }

  beforeSaveCheckpoint(run: TrainRun, ck: Checkpoint): void {
    saveGroups(run, ck, this.schedulers?.state());
  }

  afterLoadCheckpoint(run: TrainRun, ck: Checkpoint, resumed: boolean): void {
    if (!resumed) return;
    loadGroups(run, ck);
    if (Array.isArray(ck.meta.param_schedule)) this.schedulers?.load(ck.meta.param_schedule);
  }
}

export class YOLOv5ParamSchedulerHook implements Hook {
  readonly name = 'YOLOv5ParamSchedulerHook';
  /** The class's own priority 9 (yolov5_param_scheduler_hook.py L26): it runs before
   * RuntimeInfoHook (10), so the lr logged for an iteration is the one it set. */
  readonly priority: number;
  readonly scheduler: YOLOv5ParamScheduler;
  readonly schedulers?: ParamSchedulers;

  constructor(cfg: SchedulerHookCfg, run: TrainRun) {
    this.priority = priorityOf(cfg, 9);
    this.scheduler = new YOLOv5ParamScheduler(cfg, run.opt.groups, run.itersPerEpoch, run.opt.type === 'SGD');
    this.schedulers = buildParamSchedulers(run);
  }

  beforeTrainIter(run: TrainRun): void {
    this.scheduler.beforeTrainIter(run.iter, run.epoch);
  }

  afterTrainIter(): void {
    this.schedulers?.afterTrainIter();
  }

  afterTrainEpoch(run: TrainRun): void {
    this.scheduler.afterTrainEpoch(run.epoch);
  }

  beforeSaveCheckpoint(run: TrainRun, ck: Checkpoint): void {
    saveGroups(run, ck, { yolov5: this.scheduler.state(), param_scheduler: this.schedulers?.state() });
  }

  afterLoadCheckpoint(run: TrainRun, ck: Checkpoint, resumed: boolean): void {
    if (!resumed) return;
    if (!ck.meta.param_groups) {
      // A checkpoint from before the groups were saved: re-derive the epoch's lr.
      const ended = run.iter > this.scheduler.warmupIters;
      this.scheduler.load({ warmupEnd: ended });
      if (ended && run.epoch > 0) this.scheduler.afterTrainEpoch(run.epoch - 1);
      return;
    }
    loadGroups(run, ck);
    const s = ck.meta.param_schedule as { yolov5?: { warmupEnd?: boolean }; param_scheduler?: Array<{ lastStep: number; globalStep: number }> } | undefined;
    if (s?.yolov5) this.scheduler.load(s.yolov5);
    if (s?.param_scheduler) this.schedulers?.load(s.param_scheduler);
  }
}
