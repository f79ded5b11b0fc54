// Lint rules over a loaded config: naming (docs/filename-convention.md) and inheritance mistakes
// (docs/language-server.md). Findings are core Diagnostics in the entry file; the CLI prints
// them, the language server publishes them. Rule ids are stable.

import * as path from 'node:path';
import type { Diagnostic, LoadResult } from '../config';
import { isFilenameExempt, parseFilename } from './filename';
import { lintNameAgainstContent } from './filename-content';
import { deleteWithoutEffect, inheritanceDepth, propagationTrap, staleTypeKeys } from './inheritance';
import { MMYOLO_RULES, mmyoloRequirements } from './mmyolo-requirements';

export { parseFilename, isFilenameExempt, type FilenameParts, type FilenameIssue } from './filename';

export const RULES: Record<string, string> = {
  'syntax-error': 'Python syntax error (MMEngine would raise SyntaxError)',
  'read-error':
    'the file cannot be read as a config: not .py, not a regular file (a FIFO, a device), over the size limit, or not UTF-8 text',
  'python-error': 'evaluating the config fails as it would in MMEngine',
  'unsupported-syntax':
    'Python beyond the config subset (docs/config-semantics.md §7): reproduced where MMEngine would, but worth removing',
  'base-missing': 'a `_base_` file does not exist',
  'base-cycle': 'configs inherit from each other in a cycle',
  'base-error': 'a base config fails to load',
  'base-invalid': '`_base_` is not a string or list of strings',
  'scope-error': 'a `scope::path` base cannot be resolved',
  'duplicate-base-key': 'two bases of one file define the same top-level key',
  'dict-over-non-dict': 'a child dict over a base value that is not a dict, without `_delete_`',
  'undefined-base-attr': '`_base_.x` names something the bases do not define',
  'template-error': 'a `{{...}}` template cannot be filled',
  'reserved-key': 'a top-level name MMEngine reserves',
  'deprecated-config': 'the config declares itself deprecated (`_deprecation_`)',
  'propagation-trap': 'a child changes a name the base computed other values from; those values keep the old one',
  'stale-type-keys': "`type` changed without `_delete_`: the old type's keys ride along",
  'delete-no-effect': '`_delete_` with nothing to delete, or inside a list',
  'inheritance-depth': "inheritance deeper than MMYOLO's recommended 3 levels",
  'filename-missing-part': 'the file name lacks a required part of the convention',
  'filename-separator': 'parts joined by the wrong separator',
  'filename-misspelling': 'a known misspelling (8x16b for 8xb16)',
  'filename-unknown-token': 'an algorithm or dataset name YOLO Lab does not know (information)',
  'filename-batch-mismatch': "the name's batch size differs from the config",
  'filename-epochs-mismatch': "the name's schedule differs from the config",
  'filename-norm-mismatch': "the name's norm differs from the model's norm layers",
  'filename-dataset-mismatch': "the name's dataset differs from the dataset type",
  'filename-size-mismatch': 'the size letter differs from deepen/widen factors',
  ...MMYOLO_RULES,
};

/** The file-name findings for one path, anchored on line 1 (where the editor shows file-level issues). */
export function lintFilename(file: string, result?: LoadResult): Diagnostic[] {
  if (isFilenameExempt(file)) return [];
  const base = path.basename(file);
  const { parts, issues } = parseFilename(base);
  const top = { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };
  const out: Diagnostic[] = issues.map((i) => ({
    file,
    range: top,
    severity: i.severity,
    message: `file name ${base}: ${i.message}`,
    code: i.rule,
    data: i.fix ? { fix: 'rename', newName: i.fix } : undefined,
  }));
  if (result?.ok && result.config) {
    for (const d of lintNameAgainstContent(parts, result.config, file, top))
      out.push({ ...d, message: `file name ${base}: ${d.message}` });
  }
  return out;
}

/** Every lint finding for a loaded config's entry file (the engine's own diagnostics are in result.diagnostics). */
export function lintConfig(result: LoadResult, opts: { filename?: boolean } = {}): Diagnostic[] {
  const u = result.unit;
  const out: Diagnostic[] = [];
  if (opts.filename !== false) out.push(...lintFilename(u.path, result));
  if (!u.failed) {
    out.push(
      ...propagationTrap(u),
      ...staleTypeKeys(u),
      ...deleteWithoutEffect(u),
      ...inheritanceDepth(u),
      ...mmyoloRequirements(u),
    );
  }
  return out;
}
