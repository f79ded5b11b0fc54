// Quick fixes for the diagnostics the editor sends back: the fix named by the
// diagnostic's data (protocol/quick-fix-data.ts) turned into edits of this
// workspace's files, and file renames where the fix is a rename.

import * as path from 'node:path';
import { parseQuickFixData } from '../../protocol/quick-fix-data';
import { ConfigLoader, loadConfig } from '../config/index';
import type { ConfigWorkspace } from './config-workspace';
import { documentRenameEdits } from './doc-rename-edits';
import { addDeleteEdit } from './quick-fixes';
import { baseRenameEdits, type FileMove, type TextEdit } from './rename-edits';
import { propagationFix } from './trap-fix';

export interface CodeActionAnswer {
  title: string;
  /** Index of the diagnostic (in the list given) the action fixes. */
  diagnostic: number;
  /** Text edits, applied before the moves (so they address the files as they are now). */
  edits: TextEdit[];
  moves: FileMove[];
  /** Set when there is no safe edit: the action is shown greyed out with this reason. */
  disabled?: string;
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
      if (e)
        out.push({
          title: 'Add _delete_=True (replace the base dict)',
          diagnostic: i,
          edits: [{ file, ...e }],
          moves: [],
        });
    } else if (data.fix === 'rebind') {
      // Checked by loading the edited text (bases as the editor has them) with a loader of its own.
      const reload = (text: string) =>
        loadConfig(
          file,
          ws.loadOptions({ loader: new ConfigLoader(), overlay: (f) => (f === file ? text : ws.textOf(f)) }),
        );
      const r = propagationFix(unit, data.name, reload);
      if ('fix' in r)
        out.push({ title: r.fix.title, diagnostic: i, edits: r.fix.edits.map((e) => ({ file, ...e })), moves: [] });
      else
        out.push({
          title: `Recompute what the base computed from ${data.name} here`,
          diagnostic: i,
          edits: [],
          moves: [],
          disabled: `no safe edit: ${r.error}`,
        });
    } else {
      const moves = [{ from: file, to: path.join(path.dirname(file), data.newName) }];
      const textOf = (f: string) => ws.textOf(f);
      const edits = [...baseRenameEdits(ws.index, moves, textOf), ...documentRenameEdits(ws.roots, moves, textOf)];
      out.push({ title: `Rename to ${data.newName} (and update its references)`, diagnostic: i, edits, moves });
    }
  });
  return out;
}
