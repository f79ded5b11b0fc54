// Core <-> LSP shapes: file paths and URIs, 0-based {line, col} and
// {line, character}, severities.

import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range as LspRange } from 'vscode-languageserver';
import type { Diagnostic, Range } from '../src/config/index';

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

const SEVERITY: Record<Diagnostic['severity'], DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toLspDiagnostic(d: Diagnostic): LspDiagnostic {
  return { range: toLspRange(d.range), severity: SEVERITY[d.severity], message: d.message, code: d.code, source: 'yololab', data: d.data };
}
