// The first steps every position-based feature shares, written once: the file
// must be a config, its analysis (cached per version), and what the cursor is
// on in it.

import * as fs from 'node:fs';
import type { Position, Range } from '../config/source';
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
  const bases = ws.index.get(file)?.bases ?? [];
  // Over the budget nothing was parsed: only the `_base_` strings the index read are targets.
  const target = analysis.overBudget ? baseAt(bases, pos) : targetAt(analysis.result.unit, pos, bases);
  return target && { file, analysis, target };
}

function baseAt(
  bases: { spec: string; range: Range; resolved?: string; scope?: string }[],
  pos: Position,
): Target | undefined {
  const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.col <= b.col);
  const b = bases.find((x) => before(x.range.start, pos) && before(pos, x.range.end));
  return (
    b && {
      kind: 'base-spec',
      spec: b.spec,
      resolved: b.resolved,
      missing: b.resolved ? !fs.existsSync(b.resolved) : undefined,
      scope: b.scope,
      range: b.range,
    }
  );
}
