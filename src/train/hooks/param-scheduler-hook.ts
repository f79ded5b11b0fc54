// YOLOv5ParamSchedulerHook (mmyolo/engine/hooks/yolov5_param_scheduler_hook.py): warm-up per
// iteration before each step, decay per epoch after it. The arithmetic is in ../schedule.ts.
import type { TrainRun } from '../train-run';
import { YOLOv5ParamScheduler } from '../schedule';
import { Hook, priorityOf, priorities } from './hook';

export class YOLOv5ParamSchedulerHook implements Hook {
  readonly name = 'YOLOv5ParamSchedulerHook';
  readonly priority: number;
  readonly scheduler: YOLOv5ParamScheduler;

  constructor(cfg: Record<string, any>, run: TrainRun) {
    // Replaces MMEngine's ParamSchedulerHook in default_hooks, so it runs at that hook's LOW priority.
    this.priority = priorityOf(cfg, priorities.LOW);
    const baseMomentum = run.opt.groups[0]?.momentum ?? 0;
    this.scheduler = new YOLOv5ParamScheduler(run.opt, { max_epochs: run.maxEpochs, ...cfg }, run.itersPerEpoch, baseMomentum);
  }

  beforeTrain(run: TrainRun): void {
    // The per-epoch lr is state too: re-derive it for the epoch a resumed run continues in.
    if (run.epoch > 0) this.scheduler.afterEpoch(run.epoch - 1);
  }

  beforeTrainIter(run: TrainRun): void {
    this.scheduler.beforeIter(run.iter, run.epoch);
  }

  afterTrainEpoch(run: TrainRun): void {
    this.scheduler.afterEpoch(run.epoch);
  }
}
