// The lint rules of src/lint, run on a load result, and the file-name check
// used when a rename would break the naming convention.

import type { Diagnostic, LoadResult } from '../config/index';
import { lintConfig, lintFilename } from '../lint/index';

export function lintDiagnostics(result: LoadResult, file: string): Diagnostic[] {
  return lintConfig(result).filter((d) => d.file === file);
}

/** Problems of a file name alone (no content), errors and warnings only. */
export function filenameProblems(file: string): string[] {
  return lintFilename(file)
    .filter((d) => d.severity === 'error' || d.severity === 'warning')
    .map((d) => d.message);
}
