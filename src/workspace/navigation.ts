// Go-to-definition and references, answered from provenance: a `_base_` path
// goes to the base file, `_base_.x` to where x was set in the chain, a key to
// the base definition it overrides, a name to its assignment; references are
// the downstream configs that set the same key again.

import { entryAt, type LoadResult, type Provenance, type Range } from '../config/index';
import type { Position } from '../config/source';
import type { ConfigWorkspace } from './config-workspace';
import { cursorAt } from './cursor';
import type { Target } from './targets';

export interface SourceLocation {
  file: string;
  range: Range;
}

const FILE_START: Range = { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };

/** Go to definition at a position of a config. */
export function definition(ws: ConfigWorkspace, file: string, pos: Position): SourceLocation | undefined {
  const c = cursorAt(ws, file, pos);
  return c && definitionOf(c.analysis.result, c.target, c.analysis.lastGood);
}

export interface LongWork {
  /** Checked between files: true stops the search (the request was cancelled). */
  cancelled?: () => boolean;
  /** Give other work the thread after this many ms of loading (default 10). */
  sliceMs?: number;
}

/**
 * Find references at a position: the downstream configs that set the key under
 * the cursor again. A root base may have thousands of dependents to load, so
 * the search yields to the event loop between slices (other requests are
 * answered meanwhile) and stops when cancelled.
 */
export async function references(
  ws: ConfigWorkspace,
  file: string,
  pos: Position,
  includeDeclaration: boolean,
  work: LongWork = {},
): Promise<SourceLocation[]> {
  const c = cursorAt(ws, file, pos);
  const t = c?.target;
  const keyPath = t?.kind === 'key' ? t.keyPath : t?.kind === 'name' ? [t.name] : undefined;
  if (!t || !keyPath) return [];
  const refs = await referencesOf(ws, file, keyPath, work);
  return includeDeclaration ? [{ file, range: t.range }, ...refs] : refs;
}

export function definitionOf(result: LoadResult, target: Target, fallback?: LoadResult): SourceLocation | undefined {
  const unit = result.unit;
  switch (target.kind) {
    case 'base-spec':
      return target.resolved && !target.missing ? { file: target.resolved, range: FILE_START } : undefined;
    case 'base-path': {
      const base = unit.mergedBase ?? fallback?.unit.mergedBase;
      if (!base) return undefined;
      if (!target.path.length)
        return unit.bases[0]?.resolved ? { file: unit.bases[0].resolved, range: FILE_START } : undefined;
      return at(entryAt(base, target.path)?.prov);
    }
    case 'key': {
      // The definition this key overrides; a key the bases do not have is its own definition.
      const base = unit.mergedBase ?? fallback?.unit.mergedBase;
      const inBase = base && entryAt(base, target.keyPath)?.prov;
      if (inBase) return at(inBase);
      return { file: unit.path, range: target.range };
    }
    case 'name': {
      const own = unit.own ?? fallback?.unit.own;
      return at(own?.entry(target.name)?.prov);
    }
  }
}

function at(p: Provenance | undefined): SourceLocation | undefined {
  if (!p || p.file.startsWith('<')) return undefined;
  return { file: p.file, range: p.range };
}

/** The provenance of the winning value and everything it overrode, nearest first. */
export function provenanceChain(p: Provenance | undefined): Provenance[] {
  return p ? [p, ...(p.overridden ?? [])] : [];
}

/** Where configs inheriting from `file` set the key at `keyPath` again. */
export async function referencesOf(
  ws: ConfigWorkspace,
  file: string,
  keyPath: (string | number)[],
  work: LongWork = {},
): Promise<SourceLocation[]> {
  const out: SourceLocation[] = [];
  // Configs loaded only for this search are not kept: a root base's thousands of dependents would stay in memory.
  const loadedHere: string[] = [];
  let slice = performance.now();
  try {
    for (const dep of ws.index.dependents(file)) {
      if (performance.now() - slice > (work.sliceMs ?? 10)) {
        await new Promise((r) => setImmediate(r));
        slice = performance.now();
      }
      if (work.cancelled?.()) return [];
      if (!ws.loader.cached(dep)) loadedHere.push(dep);
      const top = ws.load(dep).unit.result;
      if (!top) continue;
      const seen = new Set<string>();
      for (const p of provenanceChain(entryAt(top, keyPath)?.prov)) {
        const key = `${p.file}:${p.range.start.line}:${p.range.start.col}`;
        if (p.file === dep && !seen.has(key)) {
          seen.add(key);
          out.push({ file: p.file, range: p.range });
        }
      }
    }
    return out;
  } finally {
    ws.release(loadedHere);
  }
}
