// Quick fixes for the diagnostics the editor sends back: the fix named by the
// diagnostic's data (protocol/quick-fix-data.ts) turned into edits of this
// workspace's files, and file renames where the fix is a rename.

import * as path from 'node:path';
import { parseQuickFixData } from '../../protocol/quick-fix-data';
import type { ConfigWorkspace } from './config-workspace';
import { addDeleteEdit, rebindEdits } from './quick-fixes';
import { baseRenameEdits, type FileMove, type TextEdit } from './rename-edits';

export interface CodeActionAnswer {
  title: string;
  /** Index of the diagnostic (in the list given) the action fixes. */
  diagnostic: number;
  /** Text edits, applied before the moves (so they address the files as they are now). */
  edits: TextEdit[];
  moves: FileMove[];
}

export function codeActions(ws: ConfigWorkspace, file: string, diagnostics: { data?: unknown }[]): CodeActionAnswer[] {
  if (!ws.isConfig(file)) return [];
  const out: CodeActionAnswer[] = [];
  diagnostics.forEach((d, i) => {
    const data = parseQuickFixData(d.data);
    if (!data) return;
    const unit = ws.analyze(file).result.unit;
    if (data.fix === 'add-delete') {
      const e = addDeleteEdit(unit, data.valueRange);
      if (e) out.push({ title: 'Add _delete_=True (replace the base dict)', diagnostic: i, edits: [{ file, ...e }], moves: [] });
    } else if (data.fix === 'rebind') {
      const edits = rebindEdits(unit, data.keys);
      const n = data.keys.length;
      if (edits.length) out.push({ title: `Write the ${n} stale key${n === 1 ? '' : 's'} again here`, diagnostic: i, edits: edits.map((e) => ({ file, ...e })), moves: [] });
    } else {
      const moves = [{ from: file, to: path.join(path.dirname(file), data.newName) }];
      out.push({ title: `Rename to ${data.newName} (and update _base_ references)`, diagnostic: i, edits: baseRenameEdits(ws.index, moves, (f) => ws.textOf(f)), moves });
    }
  });
  return out;
}
