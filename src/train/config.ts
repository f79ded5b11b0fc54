// Reads a training config: a .py config through the config engine (merged, with
// --cfg-options, as plain JS), or a .json file of the same shape. Gives back a `where`
// function that turns a key path into file:line:col for error messages.
import { readFileSync } from 'node:fs';
import { formatDiagnostic, loadConfig, locate, toPlain } from '../config';

export interface LoadedConfig {
  file: string;
  cfg: Record<string, any>;
  where: (path: (string | number)[]) => string | undefined;
}

export class ConfigLoadError extends Error {}

export function loadTrainConfig(file: string, cfgOptions: string[] = [], scopes?: Record<string, string>): LoadedConfig {
  if (file.endsWith('.json')) {
    let cfg: Record<string, any>;
    try {
      cfg = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new ConfigLoadError(`${file}: ${(e as Error).message}`);
    }
    for (const opt of cfgOptions) applyJsonOption(cfg, opt);
    return { file, cfg, where: () => file };
  }
  const r = loadConfig(file, { cfgOptions, scopes });
  if (!r.ok || !r.config) {
    const errs = r.diagnostics.filter((d) => d.severity === 'error');
    throw new ConfigLoadError((errs.length ? errs : r.diagnostics).map((d) => formatDiagnostic(d)).join('\n') || `${file}: error: the config could not be loaded`);
  }
  const config = r.config;
  return {
    file,
    cfg: toPlain(config) as Record<string, any>,
    where: (path) => {
      const l = locate(config, path);
      return l ? `${l.file}:${l.line}:${l.col}` : undefined;
    },
  };
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
