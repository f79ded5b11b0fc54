// Reads a training config: a .py config through the config engine (merged, with
// --cfg-options, as plain JS), or a .json file of the same shape. Gives back a `where`
// function that turns a key path into file:line:col for error messages.
import { readFileSync } from 'node:fs';
import { formatDiagnostic, loadConfig, locate, toPlain } from '../config';
import type { TrainConfig } from './config-types';

export interface LoadedConfig {
  file: string;
  cfg: TrainConfig;
  where: (path: (string | number)[]) => string | undefined;
}

export class ConfigLoadError extends Error {}

export function loadTrainConfig(
  file: string,
  cfgOptions: string[] = [],
  scopes?: Record<string, string>,
): LoadedConfig {
  if (file.endsWith('.json')) {
    let cfg: Record<string, any>;
    try {
      cfg = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigLoadError(`${file}: ${(e as Error).message}`);
    }
    for (const opt of cfgOptions) applyJsonOption(cfg, opt);
    const where = () => file;
    return { file, cfg: checkSections(cfg, where), where };
  }
  const r = loadConfig(file, { cfgOptions, scopes });
  if (!r.ok || !r.config) {
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    throw new ConfigLoadError(
      (errs.length ? errs : r.diagnostics).map((d) => formatDiagnostic(d)).join('\n') ||
        `${file}: error: the config could not be loaded`,
    );
  }
  const config = r.config;
  const where = (path: (string | number)[]) => {
    const l = locate(config, path);
    return l ? `${l.file}:${l.line}:${l.col}` : undefined;
  };
  return { file, cfg: checkSections(toPlain(config) as Record<string, unknown>, where), where };
}

const DICT_SECTIONS = [
  'model',
  'train_cfg',
  'optim_wrapper',
  'default_hooks',
  'train_dataloader',
  'val_dataloader',
  'test_dataloader',
  'val_evaluator',
  'test_evaluator',
  'randomness',
  'tta_model',
];

/** The boundary where a config becomes a TrainConfig: each section the trainer reads has the
 * shape MMEngine needs (a dict; custom_hooks a list of dicts; param_scheduler a dict or list).
 * Keys inside are checked where they are read, with their defaults. */
function checkSections(
  cfg: Record<string, unknown>,
  where: (p: (string | number)[]) => string | undefined,
): TrainConfig {
  const isDict = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v);
  const fail = (path: (string | number)[], msg: string): never => {
    throw new ConfigLoadError(`${where(path) ?? '?'}: error: ${path.join('.')} ${msg}`);
  };
  for (const k of DICT_SECTIONS)
    if (cfg[k] !== undefined && cfg[k] !== null && !isDict(cfg[k]))
      fail([k], `must be a dict, got ${JSON.stringify(cfg[k])}`);
  const hooks = cfg.custom_hooks;
  if (hooks !== undefined && hooks !== null) {
    if (!Array.isArray(hooks)) fail(['custom_hooks'], 'must be a list of hook dicts');
    (hooks as unknown[]).forEach((h, i) => isDict(h) || fail(['custom_hooks', i], 'must be a hook dict'));
  }
  const ps = cfg.param_scheduler;
  if (ps !== undefined && ps !== null && !isDict(ps) && !(Array.isArray(ps) && ps.every(isDict)))
    fail(['param_scheduler'], 'must be a scheduler dict or a list of them');
  return cfg as TrainConfig;
}

/** Minimal KEY=VALUE for JSON configs (tests); .py configs get MMEngine's DictAction. */
function applyJsonOption(cfg: Record<string, any>, opt: string): void {
  const eq = opt.indexOf('=');
  if (eq < 0) throw new ConfigLoadError(`--cfg-options: expected KEY=VALUE, got '${opt}'`);
  const keys = opt.slice(0, eq).split('.');
  let v: any = opt.slice(eq + 1);
  try {
    v = JSON.parse(v);
  } catch {
    /* keep the string */
  }
  let cur = cfg;
  for (const k of keys.slice(0, -1)) cur = cur[k] ??= {};
  cur[keys[keys.length - 1]] = v;
}
