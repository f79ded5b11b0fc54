// Core <-> LSP shapes: file paths and URIs, 0-based {line, col} and
// {line, character}, severities, edits.

import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type Location,
  type Range as LspRange,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import type { Diagnostic, Range } from '../src/config/index';
import type { SourceLocation } from '../src/workspace/navigation';
import type { FileMove, TextEdit } from '../src/workspace/rename-edits';

export function uriToPath(uri: string): string | undefined {
  if (!uri.startsWith('file:')) return undefined;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return undefined;
  }
}

export function pathToUri(file: string): string {
  return pathToFileURL(file).href;
}

export function toLspRange(r: Range): LspRange {
  return { start: { line: r.start.line, character: r.start.col }, end: { line: r.end.line, character: r.end.col } };
}

export function fromLspRange(r: LspRange): Range {
  return { start: { line: r.start.line, col: r.start.character }, end: { line: r.end.line, col: r.end.character } };
}

export function toLocation(l: SourceLocation): Location {
  return { uri: pathToUri(l.file), range: toLspRange(l.range) };
}

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return {
    range: toLspRange(d.range),
    severity: SEVERITY[d.severity],
    message: d.message,
    code: d.code,
    source: 'yololab',
    data: d.data,
  };
}

/**
 * Edits of several files as one WorkspaceEdit. With moves, `documentChanges`:
 * the text edits first (they address the files as they are now, at the
 * editor's current `version` of each), then the renames.
 */
export function toWorkspaceEdit(
  edits: TextEdit[],
  moves: FileMove[] = [],
  version: (uri: string) => number | null = () => null,
): WorkspaceEdit {
  const byUri = new Map<string, LspTextEdit[]>();
  for (const e of edits) {
    const uri = pathToUri(e.file);
    if (!byUri.has(uri)) byUri.set(uri, []);
    byUri.get(uri)!.push({ range: toLspRange(e.range), newText: e.newText });
  }
  if (!moves.length) return { changes: Object.fromEntries(byUri) };
  return {
    documentChanges: [
      ...[...byUri].map(([uri, es]) => ({ textDocument: { uri, version: version(uri) }, edits: es })),
      ...moves.map((m) => ({ kind: 'rename' as const, oldUri: pathToUri(m.from), newUri: pathToUri(m.to) })),
    ],
  };
}
