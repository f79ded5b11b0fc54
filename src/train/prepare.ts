// What `yololab train` and `yololab test` both do before their own work: read the config,
// open the run's log in the work dir, pick the backend, and build the model.
import { basename, join, resolve } from 'node:path';
import { Rng } from '../data/rng';
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
  cfg: Record<string, any>;
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
  const workDir = resolve(opts.workDir ?? cfg.work_dir ?? join('work_dirs', basename(opts.config).replace(/\.(py|json)$/, '')));
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

/** Builds the model (and marks frozen parameters) for a loaded config. */
export function buildModel(loaded: LoadedConfig, seed: number): { store: ParamStore; det: YOLODetector } {
  const store = new ParamStore(new Rng(seed).fork('init'));
  const det = new YOLODetector(store, loaded.cfg.model);
  return { store, det };
}
