// The lint rules of src/lint, run on a load result, and the file-name check
// used when a rename would break the naming convention.

import type { Diagnostic, LoadResult } from '../config/index';
import { lintConfig, lintFilename } from '../lint/index';

export function lintDiagnostics(result: LoadResult, file: string): Diagnostic[] {
  try {
    return lintConfig(result).filter((d) => d.file === file);
  } catch (e) {
    // A bug in one rule must not hide the engine's own findings.
    const at = { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };
    return [
      {
        file,
        range: at,
        severity: 'information',
        message: `lint rules could not run on this file: ${e instanceof Error ? e.message : String(e)}`,
        code: 'lint-internal-error',
      },
    ];
  }
}

/** Problems of a file name alone (no content), errors and warnings only. */
export function filenameProblems(file: string): string[] {
  return lintFilename(file)
    .filter((d) => d.severity === 'error' || d.severity === 'warning')
    .map((d) => d.message);
}
