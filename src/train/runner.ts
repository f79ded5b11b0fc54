// `yololab train`: builds data, model, optimizer and hooks from a merged config, resumes or
// loads weights, and runs the loop (loop.ts) until max_epochs, --max-iters or the caller's
// AbortSignal. The run writes MMEngine's layout under its work dir.
import { availableParallelism } from 'node:os';
import { WorkerPool } from '../data/worker-pool';
import { closeLoaderWorkers } from '../data/loader';
import { buildEvaluator } from '../metrics';
import { describeImageDecoder } from '../data/image-decoder';
import { lossScalerFrom } from './amp';
import { HookList } from './hooks/hook';
import { buildHooks } from './hooks';
import { loadOrResume } from './load-or-resume';
import { runTrainLoop, validationDue } from './loop';
import { Optimizer } from './optim';
import type { TrainConfig } from './config-types';
import { KeyLedger, honour, notApplied } from './not-applied';
import { buildModel, datasetCtx, datasetFromConfig, prepareRun } from './prepare';
import { baseType, checkType } from './registry';
import type { TrainResult, TrainRun } from './train-run';

export type { TrainResult } from './train-run';

export interface TrainOptions {
  config: string;
  workDir?: string;
  seed?: number;
  resume?: string | true;
  cfgOptions?: string[];
  amp?: boolean;
  backend?: string;
  echo?: (s: string) => void;
  tty?: boolean;
  /** Stop after this many iterations in total (tests, benchmarks). */
  maxIters?: number;
  /** Stops the run after the current step, with a checkpoint (the CLI aborts it on SIGINT). */
  signal?: AbortSignal;
}

/** The config sections the not-applied report covers (not-applied.ts). */
export const REPORTED_SECTIONS = [
  'model',
  'train_cfg',
  'optim_wrapper',
  'param_scheduler',
  'default_hooks',
  'custom_hooks',
  'train_dataloader',
  'val_dataloader',
  'val_evaluator',
];

/** Collate functions that batch as ours does (images stacked, boxes with their image index). */
const COLLATES = ['yolov5_collate', 'pseudo_collate', 'default_collate'];

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const { loaded, cfg: raw, workDir, log, backend } = await prepareRun({ ...opts });
  // The trainer reads the sections through recording views; what it never reads is reported.
  const ledger = new KeyLedger();
  const cfg: TrainConfig = { ...raw };
  for (const k of REPORTED_SECTIONS)
    if (raw[k] !== undefined) (cfg as Record<string, unknown>)[k] = ledger.wrap(raw[k], [k]);
  const seed = opts.seed ?? raw.randomness?.seed ?? Math.floor(Math.random() * 2 ** 31);
  log.info(
    `seed: ${seed}${opts.seed === undefined && raw.randomness?.seed === undefined ? ' (drawn at random; pass --seed to repeat this run)' : ''}; deterministic: same seed + backend => identical run`,
  );
  log.info(`config: ${loaded.file}  work_dir: ${workDir}`);

  if (cfg.train_cfg?.type) checkType(cfg.train_cfg, ['train_cfg'], 'EpochBasedTrainLoop');
  const maxEpochs: number = cfg.train_cfg?.max_epochs ?? 300;
  const tdl = cfg.train_dataloader;
  if (!tdl?.dataset) throw new Error(`${opts.config}: train_dataloader.dataset is missing`);
  const batchSize: number = tdl.batch_size ?? 16;
  if (tdl.sampler) checkType(tdl.sampler, ['train_dataloader', 'sampler'], 'DefaultSampler');
  if (tdl.collate_fn && !COLLATES.includes(baseType(tdl.collate_fn.type)))
    notApplied(tdl.collate_fn, 'type', 'images are stacked with their boxes, as yolov5_collate does');
  else honour(tdl.collate_fn);
  const onWarning = (m: string) => log.warn(m);
  const trainSet = datasetFromConfig(tdl.dataset, {
    ...datasetCtx(loaded, ['train_dataloader', 'dataset']),
    onWarning,
  });
  const vdl = cfg.val_dataloader;
  const valSet = vdl?.dataset
    ? datasetFromConfig(vdl.dataset, { ...datasetCtx(loaded, ['val_dataloader', 'dataset']), onWarning })
    : undefined;
  if (vdl?.drop_last) notApplied(vdl, 'drop_last', 'every validation image is evaluated');
  if (vdl?.sampler) {
    checkType(vdl.sampler, ['val_dataloader', 'sampler'], 'DefaultSampler');
    if (vdl.sampler.shuffle)
      notApplied(vdl.sampler, 'shuffle', 'validation runs in dataset order; the metric does not depend on it');
  }
  if (trainSet.length === 0)
    throw new Error(`${loaded.where(['train_dataloader', 'dataset']) ?? opts.config}: the training set is empty`);
  log.info(
    `train: ${trainSet.length} images, classes ${trainSet.classes.join(', ')}; val: ${valSet?.length ?? 0} images`,
  );

  const { store, det } = buildModel(loaded, seed, cfg.model);
  if (det.numClasses !== trainSet.classes.length) {
    const at = loaded.where(['model', 'bbox_head', 'head_module', 'num_classes']);
    throw Object.assign(
      new Error(
        `model.bbox_head.head_module.num_classes is ${det.numClasses} but the training set has ${trainSet.classes.length} classes (${trainSet.classes.join(', ')})`,
      ),
      { where: at },
    );
  }
  const wrapper = cfg.optim_wrapper ?? { type: 'OptimWrapper', optimizer: { type: 'SGD', lr: 0.01 } };
  const wrapperType = checkType(wrapper, ['optim_wrapper'], 'OptimWrapper', 'AmpOptimWrapper');
  const opt = new Optimizer(store, wrapper);
  const total = store.count([...store.params.values()]);
  const trainable = store.count(opt.groups.flatMap((g) => g.params));
  if (trainable === 0)
    throw new Error(
      `${opts.config}: nothing left to train: every parameter is frozen (frozen_stages / freeze_all / lr_mult=0)`,
    );
  log.info(`parameters: ${total} total, ${trainable} trainable, ${total - trainable} frozen`);
  const scaler = wrapperType === 'AmpOptimWrapper' ? lossScalerFrom(wrapper) : undefined;
  if (scaler)
    log.info(
      `AMP: loss scaling on (${scaler.dynamic ? 'dynamic' : 'static'}, initial scale ${scaler.scale}), compute in float32 on ${backend.name}: tfjs has no half-precision kernels on this backend, so there is no speed-up`,
    );

  // Decoding and augmentation run in worker threads (the config's num_workers, leaving a
  // core for the model) so they overlap the training step; batches are the same either way.
  const loaderWorkers = Math.max(0, Math.min(Number(tdl.num_workers ?? 0), availableParallelism() - 1));
  log.info(
    `data: ${describeImageDecoder()}${loaderWorkers ? `; ${loaderWorkers} loader worker thread${loaderWorkers > 1 ? 's' : ''}` : ''}`,
  );
  // len(train_dataloader) as PyTorch's DataLoader counts it: a last short batch unless drop_last.
  const dropLast = tdl.drop_last ?? false;
  const itersPerEpoch = dropLast ? Math.floor(trainSet.length / batchSize) : Math.ceil(trainSet.length / batchSize);

  const run: TrainRun = {
    loaded,
    cfg,
    workDir,
    log,
    backend,
    seed,
    store,
    det,
    opt,
    scaler,
    trainSet,
    valSet,
    batchSize,
    shuffle: tdl.sampler?.shuffle ?? true,
    dropLast,
    valBatchSize: vdl?.batch_size ?? 1,
    maxEpochs,
    itersPerEpoch,
    loaderWorkers,
    epoch: 0,
    iter: 0,
    innerIter: 0,
    skipInEpoch: 0,
    startIter: 0,
    startedAt: Date.now(),
    maxIters: opts.maxIters ?? Infinity,
    signal: opts.signal ?? new AbortController().signal,
    bestMetric: -Infinity,
    result: { workDir, runDir: log.runDir, metrics: {}, losses: [], interrupted: false },
    hooks: new HookList([]),
  };
  run.hooks = buildHooks(run);
  validationDue(run, 0); // reads (and so checks) train_cfg's validation settings now
  // Built once now so that a bad evaluator is an error before the first epoch, not after it, and
  // so that the report below knows which of its keys are read (each validation builds its own).
  if (valSet && cfg.val_evaluator)
    buildEvaluator(cfg.val_evaluator, valSet.classes, (p) => loaded.where(['val_evaluator', ...p]));
  await loadOrResume(run, opts.resume ?? undefined);
  // Everything that reads the config has been built: report what it did not read, once.
  for (const line of ledger.report(raw, REPORTED_SECTIONS)) log.warn(line);

  const onAbort = () =>
    log.warn(
      `${run.signal.reason === 'SIGINT' ? 'SIGINT' : 'stop requested'}: finishing this step, then writing a checkpoint${run.signal.reason === 'SIGINT' ? ' (Ctrl-C again to quit at once)' : ''}`,
    );
  run.signal.addEventListener('abort', onAbort, { once: true });
  const decodedBefore = WorkerPool.samplesDecoded;
  try {
    await runTrainLoop(run);
  } finally {
    run.signal.removeEventListener('abort', onAbort);
    await closeLoaderWorkers(run.trainSet);
    if (run.valSet) await closeLoaderWorkers(run.valSet);
  }
  // Said from what the workers did, not what was asked: a package without the worker script loads
  // on the main thread (and warns), and this line then says 0.
  if (loaderWorkers)
    log.info(`data: ${WorkerPool.samplesDecoded - decodedBefore} samples decoded in loader worker threads`);
  log.info(
    `done: ${run.iter - run.startIter} iterations in ${((Date.now() - run.startedAt) / 1000).toFixed(1)} s; curves: ${log.scalarsFile}; checkpoints: ${workDir}`,
  );
  return run.result;
}
