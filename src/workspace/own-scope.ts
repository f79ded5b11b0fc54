// The workspace's own scope: a checkout of an OpenMMLab package X (a folder
// with the package `X/__init__.py` beside `configs/`) writes its own configs as
// `X::path` (MMYOLO's projects do: `mmyolo::yolov7/...`). MMEngine finds them
// through the installed package; here the checkout itself is that package, so
// the scope resolves without a setting. Settings still win.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface ScopeRoot {
  scope: string;
  /** The package's `configs/` folder. */
  configs: string;
  /** Where the scope came from. */
  source: 'setting' | 'workspace';
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The OpenMMLab packages checked out at a folder: `mm*` packages next to a `configs/` folder. */
function packagesAt(dir: string): ScopeRoot[] {
  const configs = path.join(dir, 'configs');
  if (!isDir(configs)) return [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter(
      (e) => e.isDirectory() && /^mm[a-z0-9_]*$/.test(e.name) && fs.existsSync(path.join(dir, e.name, '__init__.py')),
    )
    .map((e) => ({ scope: e.name, configs, source: 'workspace' as const }));
}

/** Checkouts at the workspace folders or one level below them (a folder holding mmyolo/ and mmdetection/). */
export function detectOwnScopes(roots: string[]): ScopeRoot[] {
  const out = new Map<string, ScopeRoot>();
  for (const root of roots) {
    const here = packagesAt(root);
    const below = here.length
      ? []
      : (() => {
          try {
            return fs
              .readdirSync(root, { withFileTypes: true })
              .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
              .flatMap((e) => packagesAt(path.join(root, e.name)));
          } catch {
            return [];
          }
        })();
    for (const s of [...here, ...below]) if (!out.has(s.scope)) out.set(s.scope, s);
  }
  return [...out.values()];
}

/** Settings (already absolute) over the detected checkouts: every scope with where it came from. */
export function scopeRoots(settings: Record<string, string>, roots: string[]): ScopeRoot[] {
  const fromSettings = Object.entries(settings).map(([scope, configs]) => ({
    scope,
    configs,
    source: 'setting' as const,
  }));
  return [...fromSettings, ...detectOwnScopes(roots).filter((s) => !(s.scope in settings))];
}
