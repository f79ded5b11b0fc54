// The merged config of one file (merged-view.ts: what it changes, then the
// whole config as MMEngine prints it), each line linked to where its key was
// set, with the load's errors and warnings; while the text is broken, the last
// version that loaded.

import type { Diagnostic } from '../config/index';
import type { ConfigWorkspace } from './config-workspace';
import { mergedView, type ViewLink } from './merged-view';

export interface PreviewPlace {
  file: string;
  line: number;
  col: number;
}

export interface MergedPreview {
  text: string;
  /** Per line of `text`: where its key was set (null: no single source). */
  lines: (PreviewPlace | null)[];
  diagnostics: (PreviewPlace & { message: string })[];
  /** The spans shown as links. */
  links: ViewLink[];
  /** How many lines at the top say what the config changes. */
  focusLines: number;
}

export function mergedPreview(ws: ConfigWorkspace, file: string): MergedPreview {
  if (!ws.isConfig(file))
    return {
      text: '',
      lines: [],
      diagnostics: [{ message: `not a config file: ${file}`, file, line: 0, col: 0 }],
      links: [],
      focusLines: 0,
    };
  const a = ws.analyze(file);
  const place = (d: Diagnostic) => ({
    message: `${d.severity}: ${d.message} [${d.code}]`,
    file: d.file,
    line: d.range.start.line,
    col: d.range.start.col,
  });
  const shown = a.result.ok ? a.result : a.lastGood;
  const diagnostics = a.result.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map(place);
  if (!shown?.config) return { text: '', lines: [], diagnostics, links: [], focusLines: 0 };
  if (!a.result.ok) diagnostics.unshift({ message: 'showing the last version that loaded', file, line: 0, col: 0 });
  const view = mergedView(shown);
  return { text: view.text, lines: view.lines, diagnostics, links: view.links, focusLines: view.focusLines };
}
