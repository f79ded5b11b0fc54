// mmdet.PipelineSwitchHook (mmdet/engine/hooks/pipeline_switch_hook.py): from `switch_epoch`
// on, the training set uses `switch_pipeline` (MMYOLO turns Mosaic off for the last epochs).
import { buildDataset } from '../../data/dataset';
import { closeLoaderWorkers } from '../../data/loader';
import { datasetCtx } from '../prepare';
import type { TrainRun } from '../train-run';
import { Hook, priorityOf, priorities } from './hook';

export class PipelineSwitchHook implements Hook {
  readonly name = 'PipelineSwitchHook';
  readonly priority: number;
  private switched = false;

  constructor(private cfg: Record<string, any>) {
    this.priority = priorityOf(cfg, priorities.NORMAL);
  }

  async beforeTrainEpoch(run: TrainRun): Promise<void> {
    if (this.switched || !this.cfg.switch_pipeline || run.epoch < (this.cfg.switch_epoch ?? Infinity)) return;
    const old = run.trainSet;
    const tdl = run.cfg.train_dataloader;
    run.trainSet = buildDataset({ ...tdl.dataset, pipeline: this.cfg.switch_pipeline }, { ...datasetCtx(run.loaded, ['train_dataloader', 'dataset']), onWarning: (m) => run.log.warn(m) });
    this.switched = true;
    // The old pipeline's loader workers would otherwise idle until the run ends.
    await closeLoaderWorkers(old);
    run.log.info(`PipelineSwitchHook: switched the training pipeline at epoch ${run.epoch + 1}`);
  }
}
