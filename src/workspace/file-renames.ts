// Files and folders about to be renamed in the editor: the `_base_` edits that
// keep every reference valid (and the metafile entries and Markdown links,
// doc-rename-edits.ts), and a warning for each config whose new name breaks
// the naming convention.

import * as path from 'node:path';
import type { ConfigWorkspace } from './config-workspace';
import { filenameProblems } from './lint-bridge';
import { documentRenameEdits } from './doc-rename-edits';
import { baseRenameEdits, type FileMove, type TextEdit } from './rename-edits';

export interface RenameAnswer {
  edits: TextEdit[];
  /** One line each, for the editor to show. */
  warnings: string[];
}

export function willRenameFiles(ws: ConfigWorkspace, moves: FileMove[]): RenameAnswer {
  const warnings: string[] = [];
  for (const m of moves) {
    if (!m.to.endsWith('.py') || !ws.isConfig(m.from)) continue;
    const problems = filenameProblems(m.to);
    if (problems.length)
      warnings.push(`${path.basename(m.to)} breaks the config naming convention: ${problems.join('; ')}`);
  }
  const textOf = (f: string) => ws.textOf(f);
  return {
    edits: [...baseRenameEdits(ws.index, moves, textOf), ...documentRenameEdits(ws.roots, moves, textOf)],
    warnings,
  };
}
