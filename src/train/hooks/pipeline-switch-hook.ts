// mmdet.PipelineSwitchHook (mmdet/engine/hooks/pipeline_switch_hook.py): from `switch_epoch`
// on, the training set uses `switch_pipeline` (MMYOLO turns Mosaic off for the last epochs).
import { closeLoaderWorkers } from '../../data/loader';
import { buildPipeline } from '../../data/pipeline';
import type { HookCfg } from '../config-types';
import { unwrap } from '../not-applied';
import { datasetCtx, datasetFromConfig } from '../prepare';
import type { TrainRun } from '../train-run';
import { Hook, priorityOf, priorities } from './hook';

export class PipelineSwitchHook implements Hook {
  readonly name = 'PipelineSwitchHook';
  readonly priority: number;
  private switched = false;

  private readonly switchEpoch: number;
  private readonly pipeline: unknown;

  constructor(cfg: HookCfg, run: TrainRun, path: (string | number)[]) {
    this.priority = priorityOf(cfg, priorities.NORMAL);
    this.switchEpoch = (cfg.switch_epoch as number | undefined) ?? Infinity;
    this.pipeline = cfg.switch_pipeline;
    // Built once now, so a mistake in it is an error at the start and not at the switch epoch.
    if (this.pipeline)
      buildPipeline(this.pipeline, {
        where: (p) => run.loaded.where([...path, 'switch_pipeline', ...p]),
        warn: () => undefined,
      });
  }

  async beforeTrainEpoch(run: TrainRun): Promise<void> {
    if (this.switched || !this.pipeline || run.epoch < this.switchEpoch) return;
    const old = run.trainSet;
    const tdl = run.cfg.train_dataloader!;
    run.trainSet = datasetFromConfig(
      { ...unwrap(tdl.dataset), pipeline: unwrap(this.pipeline) },
      { ...datasetCtx(run.loaded, ['train_dataloader', 'dataset']), onWarning: (m) => run.log.warn(m) },
    );
    this.switched = true;
    // The old pipeline's loader workers would otherwise idle until the run ends.
    await closeLoaderWorkers(old);
    run.log.info(`PipelineSwitchHook: switched the training pipeline at epoch ${run.epoch + 1}`);
  }
}
