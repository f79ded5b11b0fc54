// Public face of the config engine: load a config as MMEngine would, with
// provenance, and the views other parts need (plain JS, Python text, JSON,
// source locations).

import * as path from 'node:path';
import { applyCfgOptions, parseCfgOptions } from './cfg-options';
import type { Diagnostic } from './diagnostic';
import { ConfigLoader, reservedKeyError, type FileUnit, type LoadOptions } from './loader';
import type { Provenance } from './provenance';
import { PyDict, PyError, PyList, PyTuple, type PyValue } from './values';

export { escapeControl, formatDiagnostic, type Diagnostic, type Severity } from './diagnostic';
export { toPlain, toTaggedJson, type Plain } from './json-format';
export { toPythonText, type PythonText } from './python-format';
export { ConfigLoader, type FileUnit, type LoadOptions, type BaseRef } from './loader';
export { DEFAULT_MAX_CONFIG_BYTES, readConfigFile, readTextFileSafely, type ConfigFileText } from './config-file';
export type { Provenance } from './provenance';
export type { Range, Position } from './source';
export { PyDict, PyList, PyTuple, type PyValue } from './values';

export interface LoadConfigOptions extends LoadOptions {
  cfgOptions?: string[];
  /** A loader to reuse (the language server keeps one); a shared default otherwise. */
  loader?: ConfigLoader;
}

export interface LoadResult {
  ok: boolean;
  config?: PyDict;
  diagnostics: Diagnostic[];
  unit: FileUnit;
}

const defaultLoader = new ConfigLoader();

/** Every unit of the inheritance tree, the entry file first. */
export function unitsOf(unit: FileUnit): FileUnit[] {
  const seen = new Set<FileUnit>();
  const walk = (u: FileUnit) => {
    if (seen.has(u)) return;
    seen.add(u);
    u.baseUnits.forEach(walk);
  };
  walk(unit);
  return [...seen];
}

export function loadConfig(file: string, opts: LoadConfigOptions = {}): LoadResult {
  const loader = opts.loader ?? defaultLoader;
  const unit = loader.loadUnit(path.resolve(file), opts);
  const diagnostics = unitsOf(unit).flatMap((u) => u.diagnostics);
  let config = unit.failed ? undefined : unit.result;
  const fail = (d: Diagnostic): LoadResult => ({ ok: false, diagnostics: [...diagnostics, d], unit });
  if (config && opts.cfgOptions?.length) {
    try {
      config = applyCfgOptions(config, parseCfgOptions(opts.cfgOptions));
    } catch (e) {
      if (!(e instanceof PyError)) throw e;
      return fail({
        file: unit.path,
        range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } },
        severity: 'error',
        message: `--cfg-options: ${e.message}`,
        code: 'cfg-options',
        pyType: e.pyType,
      });
    }
  }
  if (config) {
    const reserved = reservedKeyError(config);
    if (reserved) {
      const p = reserved.prov;
      return fail({
        file: p?.file ?? unit.path,
        range: p?.range ?? { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } },
        severity: 'error',
        message: `${reserved.key} is reserved for config file (MMEngine refuses the names filename, text, pretty_text, env_variables)`,
        code: 'reserved-key',
        pyType: 'KeyError',
      });
    }
  }
  const ok = !!config && !diagnostics.some((d) => d.severity === 'error');
  return { ok, config: ok ? config : undefined, diagnostics, unit };
}

/** The entry at a key path (`['model', 'backbone', 'type']`, list indexes as numbers). */
export function entryAt(
  config: PyDict,
  keyPath: (string | number)[],
): { value: PyValue; prov?: Provenance } | undefined {
  let cur: PyValue = config;
  let prov: Provenance | undefined;
  for (const k of keyPath) {
    if (cur instanceof PyDict) {
      const e = cur.entry(k);
      if (!e) return undefined;
      cur = e.value;
      prov = e.prov ?? prov;
    } else if ((cur instanceof PyList || cur instanceof PyTuple) && typeof k === 'number') {
      if (k < 0 || k >= cur.items.length) return undefined;
      cur = cur.items[k];
    } else return undefined;
  }
  return { value: cur, prov };
}

/** Where the winning value at a key path was written (1-based, for messages). */
export function locate(
  config: PyDict,
  keyPath: (string | number)[],
): { file: string; line: number; col: number } | undefined {
  const p = entryAt(config, keyPath)?.prov;
  if (!p || p.file.startsWith('<')) return undefined;
  return { file: p.file, line: p.range.start.line + 1, col: p.range.start.col + 1 };
}
