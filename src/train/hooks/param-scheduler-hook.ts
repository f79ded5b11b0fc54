// The lr schedule hooks. MMEngine's ParamSchedulerHook (mmengine/hooks/param_scheduler_hook.py)
// steps the config's param_scheduler list: iteration-based schedulers after every iteration,
// epoch-based ones after every epoch. MMYOLO's YOLOv5ParamSchedulerHook
// (mmyolo/engine/hooks/yolov5_param_scheduler_hook.py) subclasses it: it adds the YOLOv5
// warm-up before each iteration and the per-epoch factor, keeps the inherited after_train_iter
// (so iteration-based param_scheduler entries still step), and replaces after_train_epoch (so
// epoch-based ones do not). The arithmetic is in ../schedule.ts and ../param-scheduler.ts.
// A resumed run gets the groups' lr and momentum back from the checkpoint's optimizer
// param_groups (as PyTorch's optimizer state_dict carries them) and the schedules' own
// counters from the checkpoint's yololab meta.
import type { LoadedCheckpoint, SaveOptions } from '../checkpoint';
import type { HookCfg, ParamSchedulerCfg, SchedulerHookCfg } from '../config-types';
import { honour } from '../not-applied';
import { ParamSchedulers } from '../param-scheduler';
import { YOLOv5ParamScheduler } from '../schedule';
import type { TrainRun } from '../train-run';
import { Hook, priorityOf, priorities } from './hook';

/** Where the schedules keep their state in a checkpoint (the groups' lr and momentum are in
 * the optimizer's param_groups, which the checkpoint restores itself). */
function saveSchedule(draft: SaveOptions, schedule: unknown): void {
  draft.meta.yololab = { ...draft.meta.yololab, param_schedule: schedule };
}

function loadedSchedule(ck: LoadedCheckpoint): Record<string, unknown> | undefined {
  const s = ck.meta?.yololab?.param_schedule;
  return s && typeof s === 'object' ? (s as Record<string, unknown>) : undefined;
}

type SchedulerState = Array<{ lastStep: number; globalStep: number }>;

function buildParamSchedulers(run: TrainRun): ParamSchedulers | undefined {
  const cfg = run.cfg.param_scheduler;
  if (cfg === undefined || cfg === null) return undefined;
  return new ParamSchedulers(cfg as ParamSchedulerCfg | ParamSchedulerCfg[], run.opt.groups, {
    maxEpochs: run.maxEpochs,
    epochLength: run.itersPerEpoch,
  });
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

  beforeSaveCheckpoint(_run: TrainRun, draft: SaveOptions): void {
    saveSchedule(draft, { param_scheduler: this.schedulers?.state() });
  }

  afterLoadCheckpoint(run: TrainRun, ck: LoadedCheckpoint, resumed: boolean): void {
    if (!resumed || !this.schedulers) return;
    const s = loadedSchedule(ck)?.param_scheduler as SchedulerState | undefined;
    // Without our state (e.g. an MMYOLO checkpoint): the steps MMEngine would have taken by now.
    if (s) this.schedulers.load(s);
    else this.schedulers.fastForward(run.epoch, run.iter);
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

  beforeSaveCheckpoint(_run: TrainRun, draft: SaveOptions): void {
    saveSchedule(draft, { yolov5: this.scheduler.state(), param_scheduler: this.schedulers?.state() });
  }

  afterLoadCheckpoint(run: TrainRun, ck: LoadedCheckpoint, resumed: boolean): void {
    if (!resumed) return;
    const s = loadedSchedule(ck);
    // MMYOLO keeps no state for this hook: a resumed MMYOLO run sees the warm-up end again at
    // its first iteration past it; a checkpoint without ours is treated the same way.
    this.scheduler.load(
      (s?.yolov5 as { warmupEnd?: boolean } | undefined) ?? { warmupEnd: run.iter > this.scheduler.warmupIters },
    );
    const p = s?.param_scheduler as SchedulerState | undefined;
    if (p) this.schedulers?.load(p);
    else this.schedulers?.fastForward(run.epoch, run.iter);
  }
}
