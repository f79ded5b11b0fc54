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

// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: anything a
// terminal or an editor may take as a line break or a command.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Text with its control characters written as escapes (`\x0b`, `\n`, `\u2028`), so it stays on one line. */
export function escapeControl(text: string): string {
  CONTROL.lastIndex = 0;
  if (!CONTROL.test(text)) return text;
  return text.replace(
    CONTROL,
    (c) =>
      NAMED[c] ??
      (c.charCodeAt(0) < 0x100
        ? '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0')
        : '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0')),
  );
}

/** `file:line:col: severity: message [rule-id]` with 1-based line and column, always one line. */
export function formatDiagnostic(d: Diagnostic, cwd = process.cwd()): string {
  const rel = path.relative(cwd, d.file);
  const shown = rel && !rel.startsWith('..') ? rel : d.file;
  return escapeControl(
    `${shown}:${d.range.start.line + 1}:${d.range.start.col + 1}: ${d.severity}: ${d.message} [${d.code}]`,
  );
}
