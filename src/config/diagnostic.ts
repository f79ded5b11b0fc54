// The one diagnostic shape of the core; the CLI prints it, the server converts it to LSP.

import * as path from 'node:path';
import type { Range } from './source';

export type Severity = 'error' | 'warning' | 'information' | 'hint';

export interface Diagnostic {
  file: string;
  range: Range;
  severity: Severity;
  message: string;
  /** Stable rule id, e.g. `dict-over-non-dict`. */
  code: string;
  /** The Python exception MMEngine would raise, when it would. */
  pyType?: string;
  /** Machine-readable details for quick fixes. */
  data?: unknown;
}

/** `file:line:col: severity: message [rule-id]` with 1-based line and column. */
export function formatDiagnostic(d: Diagnostic, cwd = process.cwd()): string {
  const rel = path.relative(cwd, d.file);
  const shown = rel && !rel.startsWith('..') ? rel : d.file;
  return `${shown}:${d.range.start.line + 1}:${d.range.start.col + 1}: ${d.severity}: ${d.message} [${d.code}]`;
}
