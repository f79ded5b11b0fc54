// The `yololab.*` settings as one typed object, with defaults and sanity checks applied.
// Pure: it reads through a getter so tests feed plain objects and the extension feeds workspace configuration.
import { DEFAULT_CONFIG_GLOBS } from '../protocol/config-file-rule';
import type { Launcher, RunnerKind } from './runs/command-line';

export interface YololabSettings {
  scopes: Record<string, string>;
  configGlobs: readonly string[];
  runner: RunnerKind;
  python: string;
  workDirRoot: string;
  mmyolo: { root: string; gpus: number; launcher: Launcher; partition: string };
  stopGraceSeconds: number;
}

export function readSettings(get: (key: string) => unknown): YololabSettings {
  const str = (k: string, d: string) => (typeof get(k) === 'string' ? (get(k) as string) : d);
  const num = (k: string, d: number) =>
    typeof get(k) === 'number' && Number.isFinite(get(k)) ? (get(k) as number) : d;
  const scopesRaw = get('scopes');
  const scopes: Record<string, string> = {};
  if (scopesRaw && typeof scopesRaw === 'object' && !Array.isArray(scopesRaw)) {
    for (const [k, v] of Object.entries(scopesRaw)) if (typeof v === 'string') scopes[k] = v;
  }
  const globs = get('configGlobs');
  const launcher = str('mmyolo.launcher', 'none');
  return {
    scopes,
    configGlobs: Array.isArray(globs) ? globs.filter((g): g is string => typeof g === 'string') : DEFAULT_CONFIG_GLOBS,
    runner: str('runner', 'builtin') === 'mmyolo' ? 'mmyolo' : 'builtin',
    python: str('python', 'python') || 'python',
    workDirRoot: str('workDirRoot', 'work_dirs') || 'work_dirs',
    mmyolo: {
      root: str('mmyolo.root', ''),
      gpus: Math.max(1, Math.floor(num('mmyolo.gpus', 1))),
      launcher: launcher === 'pytorch' || launcher === 'slurm' ? launcher : 'none',
      partition: str('mmyolo.partition', ''),
    },
    stopGraceSeconds: Math.max(1, num('stopGraceSeconds', 20)),
  };
}

// A scope root or work dir written relative to the workspace, or with ~ and ${workspaceFolder}.
export function resolveSettingPath(p: string, workspaceFolder: string | undefined, home: string): string {
  let s = p.replace(/\$\{workspaceFolder\}/g, workspaceFolder ?? '').replace(/^~(?=\/|$)/, home);
  if (!s.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(s) && workspaceFolder) s = `${workspaceFolder}/${s}`;
  return s;
}
