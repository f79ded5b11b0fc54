// What the server tells the user once the workspace is indexed: how many
// configs in what time, which `scope::` roots are in use (from the settings or
// the checkout itself) and whether their folders exist, and the scopes configs
// name that nothing resolves. One line each, for the "YOLO Lab" output channel
// and the status bar's tooltip.

import * as fs from 'node:fs';
import type { ConfigWorkspace } from './config-workspace';

export interface ScopeState {
  scope: string;
  /** The scope's `configs/` folder. */
  configs: string;
  source: 'setting' | 'workspace';
  exists: boolean;
  /** `_base_` entries in the workspace that use this scope. */
  uses: number;
}

export interface UnresolvedScope {
  scope: string;
  uses: number;
  /** One config that uses it. */
  example: string;
}

export interface IndexReport {
  configs: number;
  ms: number;
  scopes: ScopeState[];
  unresolved: UnresolvedScope[];
}

export function indexReport(ws: ConfigWorkspace, ms: number): IndexReport {
  const uses = new Map<string, number>();
  const unresolved = new Map<string, UnresolvedScope>();
  for (const f of ws.index.all()) {
    for (const b of f.bases) {
      const scope = /^(\w*)::/.exec(b.spec)?.[1];
      if (scope === undefined) continue;
      if (b.resolved) uses.set(scope, (uses.get(scope) ?? 0) + 1);
      else {
        const u = unresolved.get(scope) ?? { scope, uses: 0, example: f.path };
        u.uses++;
        unresolved.set(scope, u);
      }
    }
  }
  const scopes = ws.scopeRoots.map((s) => ({ ...s, exists: isDir(s.configs), uses: uses.get(s.scope) ?? 0 }));
  return {
    configs: ws.index.size,
    ms: Math.round(ms),
    scopes,
    unresolved: [...unresolved.values()].sort((a, b) => a.scope.localeCompare(b.scope)),
  };
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** The report as lines for a log. */
export function reportLines(r: IndexReport): string[] {
  const out = [`indexed ${r.configs} config${r.configs === 1 ? '' : 's'} in ${r.ms} ms`];
  if (!r.scopes.length) out.push('scopes: none set (yololab.scopes); `scope::path` bases cannot resolve');
  for (const s of r.scopes) {
    const from = s.source === 'setting' ? 'yololab.scopes' : 'this checkout';
    out.push(
      `scope ${s.scope}:: → ${s.configs} (${from})${s.exists ? `, used by ${s.uses} base${s.uses === 1 ? '' : 's'}` : ': folder not found'}`,
    );
  }
  for (const u of r.unresolved) {
    out.push(
      `scope ${u.scope}:: is not set: ${u.uses} base${u.uses === 1 ? '' : 's'} cannot resolve (e.g. ${u.example}); set yololab.scopes.${u.scope} to that package's configs/ folder`,
    );
  }
  return out;
}
