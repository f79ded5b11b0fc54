// How much text the editor evaluates for one config: the file and every base
// it inherits, summed from the index's base graph and the files' sizes, before
// anything is read. A config over the budget gets a reduced service (go to its
// `_base_` files, the outline of who inherits it) and one diagnostic saying
// so, instead of holding up the server: evaluation runs on the thread that
// answers every other request. What the size cannot tell (a short loop that
// runs for minutes, a base the index does not know) is bounded per load: a
// time limit, a cap on what it builds, and each file's size.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Diagnostic, LoadResult } from '../config/index';
import { LineIndex } from '../config/source';
import { TextMap } from '../config/templates';
import type { WorkspaceIndex } from './workspace-index';

/** Real configs are tens of KB with all their bases (the biggest MMDetection chains about 100 KB). */
export const DEFAULT_MAX_CHAIN_BYTES = 256_000;

/**
 * How long one load may hold the server's thread: a few lines can loop for minutes
 * (`for i in range(10**9)`) whatever their size. Real configs load in milliseconds.
 */
export const DEFAULT_MAX_LOAD_MS = 1000;

/** What one load in the editor may build (LoadOptions.maxValueBytes): a config within the chain budget builds a few MB. */
export const DEFAULT_EDITOR_VALUE_BYTES = 64 * 1024 * 1024;

export interface ChainSize {
  bytes: number;
  /** The biggest file of the chain, for the message. */
  largest: { file: string; bytes: number };
}

/** The size of `file` and every base the index knows it inherits (each counted once). */
export function chainSize(file: string, index: WorkspaceIndex, textOf: (f: string) => string | undefined): ChainSize {
  const seen = new Set<string>();
  const queue = [file];
  const out: ChainSize = { bytes: 0, largest: { file, bytes: 0 } };
  while (queue.length) {
    const f = queue.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    const bytes = sizeOf(f, textOf);
    out.bytes += bytes;
    if (bytes > out.largest.bytes) out.largest = { file: f, bytes };
    for (const b of index.get(f)?.bases ?? []) if (b.resolved) queue.push(b.resolved);
  }
  return out;
}

function sizeOf(file: string, textOf: (f: string) => string | undefined): number {
  const text = textOf(file);
  if (text !== undefined) return text.length;
  try {
    const st = fs.statSync(file);
    return st.isFile() ? st.size : 0;
  } catch {
    return 0;
  }
}

function mb(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.round(bytes / 1e3)} KB`;
}

/** The one diagnostic of a config over the budget: what it costs, the limit, and what still works. */
export function overBudgetDiagnostic(file: string, size: ChainSize, limit: number): Diagnostic {
  const own = size.largest.file === file;
  const what = own
    ? `${path.basename(file)} is ${mb(size.bytes)}`
    : `${path.basename(file)} with its bases is ${mb(size.bytes)} (${path.basename(size.largest.file)} alone ${mb(size.largest.bytes)})`;
  return {
    file,
    range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } },
    severity: 'warning',
    message: `${what}, over the ${mb(limit)} the editor evaluates: hover, lint, completion and the merged preview are off for it (go to its _base_ files still works); check it with \`yololab lint ${path.basename(file)}\``,
    code: 'too-large-for-editor',
  };
}

/** The one diagnostic of a config whose load was stopped at the time limit. */
export function tooSlowDiagnostic(file: string, limitMs: number): Diagnostic {
  return {
    file,
    range: { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } },
    severity: 'warning',
    message: `${path.basename(file)} took more than ${limitMs} ms to evaluate, the longest the editor waits: hover, lint, completion and the merged preview are off for it until it changes (go to its _base_ files still works); check it with \`yololab lint ${path.basename(file)}\``,
    code: 'too-slow-for-editor',
  };
}

/** A load result that evaluated nothing: only the diagnostic. */
export function overBudgetResult(file: string, diagnostic: Diagnostic): LoadResult {
  const unit = {
    path: file,
    text: '',
    lines: new LineIndex(''),
    module: { body: [] },
    textMap: new TextMap(),
    bases: [],
    baseUnits: [],
    diagnostics: [diagnostic],
    failed: true,
    baseVars: new Map(),
    envUsed: {},
  };
  return { ok: false, diagnostics: [diagnostic], unit };
}
