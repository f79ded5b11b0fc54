// Text edits that keep `_base_` references right when config files or folders
// move: every reference into a moved path is rewritten, and the references of
// moved configs to files that stay are recomputed from their new folder.

import * as path from 'node:path';
import { readTextFileSafely } from '../config/config-file';
import { LineIndex, type Range } from '../config/source';
import { isUnder } from './config-files';
import type { WorkspaceIndex } from './workspace-index';

export interface FileMove {
  from: string;
  to: string;
}

export interface TextEdit {
  file: string;
  range: Range;
  newText: string;
}

/** Where a path ends up after the moves (unchanged if no move touches it). */
export function movedPath(p: string, moves: FileMove[]): string {
  for (const m of moves) {
    if (p === m.from) return m.to;
    if (isUnder(p, m.from)) return path.join(m.to, path.relative(m.from, p));
  }
  return p;
}

/** The `_base_` string for `target` as written from a config in `fromDir`, in the style of `oldSpec`. */
export function specFor(target: string, fromDir: string, oldSpec: string, scopeRoot?: string, scope?: string): string {
  if (scope && scopeRoot && isUnder(target, scopeRoot))
    return `${scope}::${path.relative(scopeRoot, target).split(path.sep).join('/')}`;
  if (path.isAbsolute(oldSpec) && !scope) return target;
  let rel = path.relative(fromDir, target).split(path.sep).join('/');
  if (oldSpec.startsWith('./') && !rel.startsWith('.')) rel = './' + rel;
  return rel;
}

export function baseRenameEdits(
  index: WorkspaceIndex,
  moves: FileMove[],
  textOf: (file: string) => string | undefined,
): TextEdit[] {
  const edits: TextEdit[] = [];
  for (const cfg of index.all()) {
    const newCfg = movedPath(cfg.path, moves);
    let text: string | undefined;
    let lines: LineIndex | undefined;
    for (const b of cfg.bases) {
      if (!b.resolved) continue;
      const newTarget = movedPath(b.resolved, moves);
      if (newTarget === b.resolved && newCfg === cfg.path) continue;
      const scopeRoot = b.scope ? index.scopes[b.scope] : undefined;
      const spec = specFor(newTarget, path.dirname(newCfg), b.spec, scopeRoot, b.scope);
      if (spec === b.spec) continue;
      text ??= textOf(cfg.path) ?? readText(cfg.path);
      if (text === undefined) break;
      lines ??= new LineIndex(text);
      const literal = text.slice(lines.offset(b.range.start), lines.offset(b.range.end));
      const at = literal.indexOf(b.spec);
      // Keep the quotes and prefix as written; only the path inside changes.
      const newText =
        at >= 0
          ? literal.slice(0, at) + spec + literal.slice(at + b.spec.length)
          : JSON.stringify(spec).replace(/^"|"$/g, "'");
      edits.push({ file: cfg.path, range: b.range, newText });
    }
  }
  return edits;
}

function readText(file: string): string | undefined {
  return readTextFileSafely(file);
}
