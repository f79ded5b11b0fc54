// The training run: builds data, model, optimizer and hooks from a merged config and runs
// MMEngine's EpochBasedTrainLoop with validation, checkpoints, logs and SIGINT handling.
import { existsSync, readFileSync, readdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { buildDataset, DetDataset } from '../data/dataset';
import { availableParallelism } from 'node:os';
import { closeLoaderWorkers, createLoader } from '../data/loader';
import { Rng } from '../data/rng';
import { DetSample } from '../data/types';
import { buildEvaluator } from '../metrics';
import { lossScalerFrom } from './amp';
import { selectBackend } from './backend';
import { StepResult, trainStep } from './train-step';
import { readCheckpoint, writeCheckpointAtomic } from './checkpoint';
import { loadTrainConfig, LoadedConfig } from './config';
import { ExpMomentumEMA } from './ema';
import { formatEta, RunLog } from './logging';
import { YOLODetector } from './model/detector';
import { Optimizer } from './optim';
import { ParamStore } from './params';
import { baseType, checkType, setTypeLocator } from './registry';
import { YOLOv5ParamScheduler } from './schedule';
import { collectState, loadPartial, restoreState } from './state';

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
}

export interface TrainResult {
  workDir: string;
  runDir: string;
  lastCheckpoint?: string;
  bestCheckpoint?: string;
  metrics: Record<string, number>;
  losses: number[];
  interrupted: boolean;
}

/** Runs the detector over a dataset and evaluates with the config's evaluator. */
export async function evaluate(det: YOLODetector, dataset: DetDataset, evaluatorCfg: any, batchSize: number, predict?: (batch: DetSample[]) => ReturnType<YOLODetector['predict']>): Promise<Record<string, number>> {
  const evaluator = buildEvaluator(evaluatorCfg, dataset.classes);
  const index = new Map<string, number>();
  for (let i = 0; i < dataset.length; i++) index.set(dataset.groundTruth(i).imageId, i);
  for await (const batch of createLoader(dataset, { batchSize, shuffle: false, seed: 0, epoch: 0 })) {
    const dets = (predict ?? ((b) => det.predict(b)))(batch);
    batch.forEach((s, k) => evaluator.process(dataset.groundTruth(index.get(s.meta.imageId)!), dets[k]));
  }
  return evaluator.compute();
}

function hook(cfg: Record<string, any>, type: string): Record<string, any> | undefined {
  const all = [...Object.values(cfg.default_hooks ?? {}), ...(cfg.custom_hooks ?? [])] as any[];
  return all.find((h) => h && baseType(h.type) === type);
}

export function datasetCtx(loaded: LoadedConfig, root: (string | number)[]) {
  return { cwd: process.cwd(), where: (p: (string | number)[]) => loaded.where([...root, ...p]) };
}

/** Builds the model (and marks frozen parameters) for a loaded config. */
export function buildModel(loaded: LoadedConfig, seed: number): { store: ParamStore; det: YOLODetector } {
  const store = new ParamStore(new Rng(seed).fork('init'));
  const det = new YOLODetector(store, loaded.cfg.model);
  return { store, det };
}

export async function train(opts: TrainOptions): Promise<TrainResult> {
  const loaded = loadTrainConfig(opts.config, opts.cfgOptions ?? []);
  setTypeLocator(loaded.where);
  const cfg = loaded.cfg;
  if (opts.amp) {
    // As MMYOLO's tools/train.py --amp: the wrapper becomes an AmpOptimWrapper with dynamic scaling.
    cfg.optim_wrapper = { ...(cfg.optim_wrapper ?? {}), type: 'AmpOptimWrapper', loss_scale: 'dynamic' };
  }
  const workDir = resolve(opts.workDir ?? cfg.work_dir ?? join('work_dirs', basename(opts.config).replace(/\.(py|json)$/, '')));
  const log = new RunLog(workDir, opts.echo, opts.tty);
  log.writeConfig(JSON.stringify(cfg, null, 2));
  const backend = await selectBackend(opts.backend);
  log.info(`backend: ${backend.label}`);
  for (const t of backend.tried) log.info(`backend skipped: ${t}`);
  const seed = opts.seed ?? cfg.randomness?.seed ?? Math.floor(Math.random() * 2 ** 31);
  log.info(`seed: ${seed}${opts.seed === undefined && cfg.randomness?.seed === undefined ? ' (drawn at random; pass --seed to repeat this run)' : ''}; deterministic: same seed + backend => identical run`);
  log.info(`config: ${resolve(opts.config)}  work_dir: ${workDir}`);

  const loop = cfg.train_cfg ?? {};
  const maxEpochs: number = loop.max_epochs ?? 300;
  const valInterval: number = loop.val_interval ?? 1;
  const tdl = cfg.train_dataloader;
  if (!tdl?.dataset) throw new Error(`${opts.config}: train_dataloader.dataset is missing`);
  const batchSize: number = tdl.batch_size ?? 16;
  const onWarning = (m: string) => log.warn(m);
  let trainSet = buildDataset(tdl.dataset, { ...datasetCtx(loaded, ['train_dataloader', 'dataset']), onWarning });
  const vdl = cfg.val_dataloader;
  const valSet = vdl?.dataset ? buildDataset(vdl.dataset, { ...datasetCtx(loaded, ['val_dataloader', 'dataset']), onWarning }) : undefined;
  if (trainSet.length === 0) throw new Error(`${loaded.where(['train_dataloader', 'dataset']) ?? opts.config}: the training set is empty`);
  log.info(`train: ${trainSet.length} images, classes ${trainSet.classes.join(', ')}; val: ${valSet?.length ?? 0} images`);

  const { store, det } = buildModel(loaded, seed);
  if (det.numClasses !== trainSet.classes.length) {
    const at = loaded.where(['model', 'bbox_head', 'head_module', 'num_classes']);
    throw Object.assign(new Error(`model.bbox_head.head_module.num_classes is ${det.numClasses} but the training set has ${trainSet.classes.length} classes (${trainSet.classes.join(', ')})`), { where: at });
  }
  const wrapper = cfg.optim_wrapper ?? { type: 'OptimWrapper', optimizer: { type: 'SGD', lr: 0.01 } };
  const wrapperType = checkType(wrapper, ['optim_wrapper'], 'OptimWrapper', 'AmpOptimWrapper');
  const opt = new Optimizer(store, wrapper, batchSize);
  const total = store.count([...store.params.values()]);
  const trainable = store.count(opt.groups.flatMap((g) => g.params));
  if (trainable === 0) throw new Error(`${opts.config}: nothing left to train: every parameter is frozen (frozen_stages / freeze_all / lr_mult=0)`);
  log.info(`parameters: ${total} total, ${trainable} trainable, ${total - trainable} frozen`);
  const scaler = wrapperType === 'AmpOptimWrapper' ? lossScalerFrom(wrapper) : undefined;
  if (scaler)
    log.info(`AMP: loss scaling on (${scaler.dynamic ? 'dynamic' : 'static'}, initial scale ${scaler.scale}), compute in float32 on ${backend.name}: tfjs has no half-precision kernels on this backend, so there is no speed-up`);

  const emaCfg = hook(cfg, 'EMAHook');
  const ema = emaCfg ? new ExpMomentumEMA(store.stateDict(), emaCfg.momentum ?? 0.0002, emaCfg.gamma ?? 2000, emaCfg.update_buffers ?? false, new Set(store.buffers.keys())) : undefined;
  if (emaCfg && baseType(emaCfg.ema_type ?? 'ExpMomentumEMA') !== 'ExpMomentumEMA') checkType({ type: emaCfg.ema_type }, ['custom_hooks', 'ema_type'], 'ExpMomentumEMA');
  const itersPerEpoch = Math.floor(trainSet.length / batchSize) || 1;
  const schedCfg = hook(cfg, 'YOLOv5ParamSchedulerHook');
  const baseMomentum = opt.groups[0]?.momentum ?? 0;
  const sched = schedCfg ? new YOLOv5ParamScheduler(opt, { max_epochs: maxEpochs, ...schedCfg }, itersPerEpoch, baseMomentum) : undefined;
  const ckCfg = hook(cfg, 'CheckpointHook') ?? { interval: 1 };
  const logInterval: number = hook(cfg, 'LoggerHook')?.interval ?? 50;
  const switchCfg = hook(cfg, 'PipelineSwitchHook');

  let startEpoch = 0;
  let skipInEpoch = 0;
  let globalIter = 0;
  const resumeFrom = opts.resume === true ? lastCheckpoint(workDir) : opts.resume ?? (cfg.resume === true ? lastCheckpoint(workDir) : undefined);
  if (opts.resume === true && !resumeFrom) log.warn(`--resume: no checkpoint in ${workDir}; starting from scratch`);
  let bestMetric = -Infinity;
  if (resumeFrom) {
    const ck = readCheckpoint(resumeFrom);
    restoreState(ck, store, ema, opt);
    startEpoch = ck.meta.epoch ?? 0;
    skipInEpoch = ck.meta.iter_in_epoch ?? 0;
    globalIter = ck.meta.iter ?? 0;
    bestMetric = ck.meta.best_metric ?? -Infinity;
    if (scaler && ck.meta.loss_scaler) scaler.load(ck.meta.loss_scaler);
    log.info(`resumed from ${resumeFrom}: epoch ${startEpoch}, iteration ${globalIter}`);
  } else if (cfg.load_from) {
    const ck = readCheckpoint(resolve(String(cfg.load_from)));
    const r = loadPartial(ck, store);
    ema?.shadow.forEach((v, n) => v.assign(store.stateDict().get(n)!));
    log.info(`load_from ${cfg.load_from}: ${r.loaded} tensors loaded`);
    if (r.skipped.length) log.warn(`load_from: skipped ${r.skipped.length} tensors: ${r.skipped.join(', ')}`);
  }

  // The per-epoch lr is state too: re-derive it for the epoch the run continues in.
  if (sched && startEpoch > 0) sched.afterEpoch(startEpoch - 1);

  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    log.warn('SIGINT: finishing this step, then writing a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  const result: TrainResult = { workDir, runDir: log.runDir, metrics: {}, losses: [], interrupted: false };
  const maxIters = opts.maxIters ?? Infinity;
  const t0 = Date.now();
  const startIter = globalIter;

  const saveCheckpoint = (file: string, epoch: number, inEpoch: number) => {
    const meta = { epoch, iter_in_epoch: inEpoch, iter: globalIter, seed, config: resolve(opts.config), classes: trainSet.classes, best_metric: bestMetric, loss_scaler: scaler?.state(), backend: backend.name };
    writeCheckpointAtomic(file, collectState(store, ema, opt, meta));
    writeFileSync(join(workDir, 'last_checkpoint'), file);
    result.lastCheckpoint = file;
  };

  // Decoding and augmentation run in worker threads (the config's num_workers, leaving a
  // core for the model) so they overlap the training step; batches are the same either way.
  const loaderWorkers = Math.max(0, Math.min(Number(tdl.num_workers ?? 0), availableParallelism() - 1));
  if (loaderWorkers) log.info(`data: ${loaderWorkers} loader worker thread${loaderWorkers > 1 ? 's' : ''}`);
  try {
    for (let epoch = startEpoch; epoch < maxEpochs && !stop && globalIter < maxIters; epoch++) {
      if (switchCfg && epoch >= (switchCfg.switch_epoch ?? Infinity) && switchCfg.switch_pipeline && !(trainSet as any).__switched) {
        trainSet = buildDataset({ ...tdl.dataset, pipeline: switchCfg.switch_pipeline }, { ...datasetCtx(loaded, ['train_dataloader', 'dataset']), onWarning });
        (trainSet as any).__switched = true;
        log.info(`PipelineSwitchHook: switched the training pipeline at epoch ${epoch + 1}`);
      }
      let inEpoch = 0;
      const window: Array<StepResult & { time: number; data_time: number }> = [];
      let tData = Date.now();
      for await (const batch of createLoader(trainSet, { batchSize, shuffle: tdl.sampler?.shuffle ?? true, seed, epoch, dropLast: true, workers: loaderWorkers })) {
        if (inEpoch < skipInEpoch) {
          inEpoch++;
          tData = Date.now();
          continue;
        }
        const dataTime = (Date.now() - tData) / 1000;
        const tStep = Date.now();
        sched?.beforeIter(globalIter, epoch);
        const r = trainStep(det, opt, batch, scaler);
        if (!r.skipped) ema?.update();
        globalIter++;
        inEpoch++;
        const time = (Date.now() - tStep) / 1000 + dataTime;
        window.push({ ...r, time, data_time: dataTime });
        result.losses.push(r.loss);
        if (!isFinite(r.loss) && !scaler) throw new Error(`loss became ${r.loss} at iteration ${globalIter}; lower the learning rate or use --amp`);
        const done = globalIter - startIter;
        const remaining = (maxEpochs - epoch) * itersPerEpoch - inEpoch;
        const eta = ((Date.now() - t0) / 1000 / done) * Math.min(remaining, maxIters - globalIter);
        log.progress(epoch + 1, maxEpochs, inEpoch, itersPerEpoch, r.loss, eta);
        if (globalIter % logInterval === 0 || inEpoch === itersPerEpoch) {
          const avg = (k: keyof (typeof window)[0]) => window.reduce((s, w) => s + ((w[k] as number) ?? 0), 0) / window.length;
          const lr = opt.groups[0]?.lr ?? 0;
          const mem = Math.round(process.memoryUsage().rss / 2 ** 20);
          const line: Record<string, number> = { lr, data_time: avg('data_time'), loss: avg('loss'), loss_cls: avg('loss_cls'), loss_bbox: avg('loss_bbox'), loss_dfl: avg('loss_dfl'), time: avg('time'), epoch: epoch + 1, iter: globalIter, memory: mem };
          if (opt.clipNorm !== undefined) line.grad_norm = avg('grad_norm');
          if (scaler) line.loss_scale = scaler.scale;
          line.step = globalIter;
          log.scalars(line);
          const fmt = (v: number) => v.toFixed(4);
          log.info(
            `Epoch(train) [${epoch + 1}][${String(inEpoch).padStart(String(itersPerEpoch).length)}/${itersPerEpoch}]  lr: ${lr.toExponential(4)}  eta: ${formatEta(eta)}  time: ${fmt(line.time)}  data_time: ${fmt(line.data_time)}  memory: ${mem}  loss: ${fmt(line.loss)}  loss_cls: ${fmt(line.loss_cls)}  loss_bbox: ${fmt(line.loss_bbox)}  loss_dfl: ${fmt(line.loss_dfl)}` +
              (scaler ? `  loss_scale: ${scaler.scale}${window.some((w) => w.skipped) ? ' (steps skipped on inf/NaN)' : ''}` : ''),
          );
          window.length = 0;
        }
        // With the next batches already loaded, `for await` resumes through microtasks only and the
        // event loop never reaches its poll phase: a Ctrl-C (SIGINT handler) would wait for the
        // end of the epoch, so a stop from the editor ran into its kill timeout. Yield once per step.
        await new Promise<void>((r) => setImmediate(r));
        tData = Date.now();
        if (stop || globalIter >= maxIters) break;
      }
      skipInEpoch = 0;
      if (stop || globalIter >= maxIters) {
        if (inEpoch < itersPerEpoch) {
          const f = join(workDir, `iter_${globalIter}.ckpt`);
          saveCheckpoint(f, epoch, inEpoch);
          log.info(`${stop ? 'interrupted' : 'stopped'} at epoch ${epoch + 1}, iteration ${globalIter}: checkpoint ${f}`);
          result.interrupted = stop;
          break;
        }
      }
      sched?.afterEpoch(epoch);
      const epochDone = epoch + 1;
      const dynamic = (loop.dynamic_intervals ?? []) as Array<[number, number]>;
      const interval = dynamic.filter(([e]) => epochDone >= e).reduce((_, [, v]) => v, valInterval);
      if (valSet && cfg.val_evaluator && (epochDone % interval === 0 || epochDone === maxEpochs)) {
        ema?.swap();
        try {
          const m = await evaluate(det, valSet, cfg.val_evaluator, vdl.batch_size ?? 1);
          result.metrics = m;
          log.scalars({ ...m, step: epochDone });
          log.info(`Epoch(val) [${epochDone}][${valSet.length}/${valSet.length}]  ${Object.entries(m).map(([k, v]) => `${k}: ${v.toFixed(4)}`).join('  ')}`);
          const key = ckCfg.save_best && ckCfg.save_best !== 'auto' ? String(ckCfg.save_best) : Object.keys(m)[0];
          if (ckCfg.save_best && key in m && m[key] > bestMetric) {
            bestMetric = m[key];
            ema?.swap();
            const bf = join(workDir, `best_${key.replace(/\//g, '_')}_epoch_${epochDone}.ckpt`);
            for (const old of readdirSync(workDir)) if (old.startsWith('best_') && old.endsWith('.ckpt')) unlinkSync(join(workDir, old));
            saveCheckpoint(bf, epochDone, 0);
            result.bestCheckpoint = bf;
            ema?.swap();
          }
        } finally {
          ema?.swap();
        }
      }
      if (epochDone % (ckCfg.interval ?? 1) === 0 || epochDone === maxEpochs || stop || globalIter >= maxIters) {
        const f = join(workDir, `epoch_${epochDone}.ckpt`);
        saveCheckpoint(f, epochDone, 0);
        const keep = ckCfg.max_keep_ckpts ?? -1;
        if (keep > 0) {
          const olds = readdirSync(workDir).filter((n) => /^epoch_\d+\.ckpt$/.test(n)).sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
          for (const o of olds.slice(0, Math.max(0, olds.length - keep))) unlinkSync(join(workDir, o));
        }
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    await closeLoaderWorkers(trainSet);
  }
  log.info(`done: ${globalIter - startIter} iterations in ${((Date.now() - t0) / 1000).toFixed(1)} s; curves: ${log.scalarsFile}; checkpoints: ${workDir}`);
  return result;
}

export function lastCheckpoint(workDir: string): string | undefined {
  const f = join(workDir, 'last_checkpoint');
  if (!existsSync(f)) return undefined;
  const p = readFileSync(f, 'utf8').trim();
  return existsSync(p) ? p : undefined;
}
