// Every language feature, as a function of the workspace and plain arguments
// that returns plain data (paths and 0-based line/col, no LSP types; a promise
// of it for references, which yields while it loads dependents): the server
// adapts these to LSP, tests call them in-process, and since nothing here
// returns a class instance, any of them could run in another thread.

import type { Diagnostic } from '../config/index';
import { LineIndex, type Position } from '../config/source';
import { codeActions } from './code-actions';
import { completions, type CompletionCandidate } from './completion';
import type { ConfigWorkspace } from './config-workspace';
import { willRenameFiles } from './file-renames';
import { hover } from './hover';
import { inlayHints } from './inlay-hints';
import { mergedPreview } from './merged-preview';
import { definition, references } from './navigation';
import { codeLenses, documentSymbols } from './outline';

/** The diagnostics of a config (the engine's and the lint rules'); undefined when it is not a config. */
function diagnostics(ws: ConfigWorkspace, file: string): Diagnostic[] | undefined {
  return ws.isConfig(file) ? ws.analyze(file).diagnostics : undefined;
}

/** Completion in the open buffer of a config (it reads the text as typed, which rarely parses). */
function completion(ws: ConfigWorkspace, file: string, pos: Position): CompletionCandidate[] {
  const text = ws.textOf(file);
  if (text === undefined || !ws.isConfig(file)) return [];
  const a = ws.analyze(file);
  if (a.overBudget) return [];
  const result = a.result.unit.mergedBase ? a.result : a.lastGood;
  return completions(text, new LineIndex(text).offset(pos), result);
}

export const features = {
  diagnostics,
  hover,
  definition,
  references,
  completion,
  documentSymbols,
  codeLenses,
  codeActions,
  mergedPreview,
  willRenameFiles,
  inlayHints,
};

export type FeatureName = keyof typeof features;
type Rest<F> = F extends (ws: ConfigWorkspace, ...args: infer A) => unknown ? A : never;
export type FeatureArgs<K extends FeatureName> = Rest<(typeof features)[K]>;
export type FeatureResult<K extends FeatureName> = ReturnType<(typeof features)[K]>;

/** Runs one feature by name (for callers that route requests, like the server's background analysis). */
export function runFeature<K extends FeatureName>(
  ws: ConfigWorkspace,
  name: K,
  args: FeatureArgs<K>,
): FeatureResult<K> {
  return (features[name] as unknown as (ws: ConfigWorkspace, ...a: FeatureArgs<K>) => FeatureResult<K>)(ws, ...args);
}
