// What `yololab train` and `yololab test` both do before their own work: read the config,
// open the run's log in the work dir, pick the backend, and build the model.
import { basename, join, resolve } from 'node:path';
import { buildDataset, type DatasetContext, type DetDataset } from '../data/dataset';
import { Rng } from '../data/rng';
import type { ModelCfg, TrainConfig } from './config-types';
import { alreadyWarned, unwrapDeep } from './not-applied';
import { BackendChoice, selectBackend } from './backend';
import { loadTrainConfig, LoadedConfig } from './config';
import { RunLog } from './logging';
import { YOLODetector } from './model/detector';
import { ParamStore } from './params';
import { setTypeLocator } from './registry';

export interface PrepareOptions {
  config: string;
  cfgOptions?: string[];
  workDir?: string;
  backend?: string;
  echo?: (s: string) => void;
  tty?: boolean;
  /** Rewrite the optimizer wrapper as MMYOLO's tools/train.py --amp does. */
  amp?: boolean;
}

export interface PreparedRun {
  loaded: LoadedConfig;
  cfg: TrainConfig;
  workDir: string;
  log: RunLog;
  backend: BackendChoice;
}

export async function prepareRun(opts: PrepareOptions): Promise<PreparedRun> {
  const loaded = loadTrainConfig(opts.config, opts.cfgOptions ?? []);
  setTypeLocator(loaded.where);
  const cfg = loaded.cfg;
  if (opts.amp) {
    // As MMYOLO's tools/train.py --amp: the wrapper becomes an AmpOptimWrapper with dynamic scaling.
    cfg.optim_wrapper = { ...(cfg.optim_wrapper ?? {}), type: 'AmpOptimWrapper', loss_scale: 'dynamic' };
  }
  const workDir = resolve(
    opts.workDir ?? cfg.work_dir ?? join('work_dirs', basename(opts.config).replace(/\.(py|json)$/, '')),
  );
  const log = new RunLog(workDir, opts.echo, opts.tty);
  log.writeConfig(JSON.stringify(cfg, null, 2));
  const backend = await selectBackend(opts.backend);
  log.info(`backend: ${backend.label}`);
  for (const t of backend.tried) log.info(`backend skipped: ${t}`);
  return { loaded, cfg, workDir, log, backend };
}

/** The key-path → file:line function the datasets use for their errors. */
export function datasetCtx(loaded: LoadedConfig, root: (string | number)[]) {
  return { cwd: process.cwd(), where: (p: (string | number)[]) => loaded.where([...root, ...p]) };
}

/** Builds the model (and marks frozen parameters) for a loaded config; `model` is the model
 * section as the caller sees it (the training run passes its recording view). */
export function buildModel(
  loaded: LoadedConfig,
  seed: number,
  model: ModelCfg = loaded.cfg.model,
): { store: ParamStore; det: YOLODetector } {
  const store = new ParamStore(new Rng(seed).fork('init'));
  const det = new YOLODetector(store, model);
  return { store, det };
}

/** buildDataset for a dataset section that may be a recording view (not-applied.ts): the
 * dataset reads its settings through the view, and keeps the plain dict for its loader
 * worker threads, which cannot receive a proxy. */
export function datasetFromConfig(cfg: unknown, ctx: DatasetContext): DetDataset {
  const ds = buildDataset(cfg, ctx);
  if (ds.spec) ds.spec = { ...ds.spec, cfg: unwrapDeep(ds.spec.cfg) };
  honourDataWarnings(cfg);
  return ds;
}

/** Settings the data layer has already warned about, with their location (batch_shapes_cfg,
 * mmdet.Albu): the not-applied report does not repeat them. */
function honourDataWarnings(cfg: unknown): void {
  if (!cfg || typeof cfg !== 'object') return;
  const c = cfg as { batch_shapes_cfg?: object; pipeline?: unknown; dataset?: unknown };
  if (c.batch_shapes_cfg && typeof c.batch_shapes_cfg === 'object') alreadyWarned(c.batch_shapes_cfg);
  if (Array.isArray(c.pipeline))
    for (const t of c.pipeline)
      if (t && typeof t === 'object' && /(^|\.)Albu$/.test(String((t as { type?: unknown }).type))) alreadyWarned(t);
  honourDataWarnings(c.dataset);
}
