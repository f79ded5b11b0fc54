// The first steps every position-based feature shares, written once: the file
// must be a config, its analysis (cached per version), and what the cursor is
// on in it.

import type { Position } from '../config/source';
import type { Analysis, ConfigWorkspace } from './config-workspace';
import { targetAt, type Target } from './targets';

export interface Cursor {
  file: string;
  analysis: Analysis;
  target: Target;
}

/** Undefined when the file is not a config, or the cursor is on nothing a feature answers for. */
export function cursorAt(ws: ConfigWorkspace, file: string, pos: Position): Cursor | undefined {
  if (!ws.isConfig(file)) return undefined;
  const analysis = ws.analyze(file);
  const target = targetAt(analysis.result.unit, pos, ws.index.get(file)?.bases);
  return target && { file, analysis, target };
}
