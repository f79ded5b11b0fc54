// The state of one training run, as the loop and its hooks share it: MMEngine's `runner`
// (epoch and iter counters with MMEngine's meaning, model, optimizer, datasets, log).
import type { DetDataset } from '../data/dataset';
import type { LossScaler } from './amp';
import type { BackendChoice } from './backend';
import type { LoadedConfig } from './config';
import type { TrainConfig } from './config-types';
import type { HookList } from './hooks/hook';
import type { RunLog } from './logging';
import type { YOLODetector } from './model/detector';
import type { Optimizer } from './optim';
import type { ParamStore } from './params';

export interface TrainResult {
  workDir: string;
  runDir: string;
  lastCheckpoint?: string;
  bestCheckpoint?: string;
  metrics: Record<string, number>;
  losses: number[];
  interrupted: boolean;
}

export interface TrainRun {
  readonly loaded: LoadedConfig;
  readonly cfg: TrainConfig;
  readonly workDir: string;
  readonly log: RunLog;
  readonly backend: BackendChoice;
  readonly seed: number;
  readonly store: ParamStore;
  readonly det: YOLODetector;
  readonly opt: Optimizer;
  readonly scaler?: LossScaler;
  /** Replaced by PipelineSwitchHook. */
  trainSet: DetDataset;
  readonly valSet?: DetDataset;
  readonly batchSize: number;
  /** train_dataloader.sampler.shuffle and drop_last (MMEngine's DataLoader: False unless set). */
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  /** val_dataloader.batch_size. */
  readonly valBatchSize: number;
  readonly maxEpochs: number;
  readonly itersPerEpoch: number;
  /** Loader worker threads for the training set. */
  readonly loaderWorkers: number;
  /** MMEngine's runner.epoch: epochs finished; during an epoch, that epoch's 0-based index. */
  epoch: number;
  /** MMEngine's runner.iter: iterations finished (incremented after the after-iteration hooks). */
  iter: number;
  /** Batches of the current epoch done so far. */
  innerIter: number;
  /** Batches of the first epoch to pass over: the run was resumed from a mid-epoch checkpoint. */
  skipInEpoch: number;
  /** The iteration this process started at (after a resume), for the ETA. */
  startIter: number;
  readonly startedAt: number;
  /** Stop after this many iterations in total (tests, benchmarks). */
  readonly maxIters: number;
  readonly signal: AbortSignal;
  /** Set when the loop ends before max_epochs. */
  stopped?: 'signal' | 'max-iters';
  bestMetric: number;
  readonly result: TrainResult;
  hooks: HookList;
}
