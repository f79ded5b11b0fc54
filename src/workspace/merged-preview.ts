// The merged config of one file as Python text (what `yololab print-config`
// prints), each line linked to where its key was set, with the load's errors
// and warnings; while the text is broken, the last version that loaded.

import { toPythonText, type Diagnostic } from '../config/index';
import type { ConfigWorkspace } from './config-workspace';

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
}

export function mergedPreview(ws: ConfigWorkspace, file: string): MergedPreview {
  if (!ws.isConfig(file)) return { text: '', lines: [], diagnostics: [{ message: `not a config file: ${file}`, file, line: 0, col: 0 }] };
  const a = ws.analyze(file);
  const place = (d: Diagnostic) => ({ message: `${d.severity}: ${d.message} [${d.code}]`, file: d.file, line: d.range.start.line, col: d.range.start.col });
  const shown = a.result.ok ? a.result : a.lastGood;
  const diagnostics = a.result.diagnostics.filter((d) => d.severity === 'error' || d.severity === 'warning').map(place);
  if (!shown?.config) return { text: '', lines: [], diagnostics };
  if (!a.result.ok) diagnostics.unshift({ message: 'showing the last version that loaded', file, line: 0, col: 0 });
  const py = toPythonText(shown.config);
  return {
    text: py.text,
    // Values made up by the engine (`<cfg-options>` and the like) have no file to link to.
    lines: py.lines.map((prov) => (prov && !prov.file.startsWith('<') ? { file: prov.file, line: prov.range.start.line, col: prov.range.start.col } : null)),
    diagnostics,
  };
}
