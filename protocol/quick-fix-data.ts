// The `data` a lint diagnostic carries to the editor and back in a code action
// request, saying which quick fix applies. Ranges are 0-based line/col, the
// config engine's own (not LSP's line/character).

export interface DataRange {
  start: { line: number; col: number };
  end: { line: number; col: number };
}

export type QuickFixData =
  /** `type` changed without `_delete_`: put `_delete_=True` first in the dict at `valueRange`. */
  | { fix: 'add-delete'; valueRange: DataRange }
  /**
   * Propagation trap of the top-level `name`: the fix is computed from the loaded
   * config (src/workspace/trap-fix.ts); `keys` (the stale key paths and where the
   * base sets them) are for display only.
   */
  | { fix: 'rebind'; name: string; keys: { path: (string | number)[]; file: string; line: number }[] }
  /** The file name breaks the convention: rename the file to `newName` (same folder). */
  | { fix: 'rename'; newName: string };

const isPos = (p: unknown): boolean =>
  !!p &&
  typeof p === 'object' &&
  Number.isInteger((p as { line: unknown }).line) &&
  Number.isInteger((p as { col: unknown }).col);
const isRange = (r: unknown): r is DataRange =>
  !!r && typeof r === 'object' && isPos((r as DataRange).start) && isPos((r as DataRange).end);

/** Checks what came back from the client: anything malformed is no fix, never an exception. */
export function parseQuickFixData(x: unknown): QuickFixData | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const d = x as Record<string, unknown>;
  switch (d.fix) {
    case 'add-delete':
      return isRange(d.valueRange) ? { fix: 'add-delete', valueRange: d.valueRange } : undefined;
    case 'rebind': {
      if (typeof d.name !== 'string' || !/^[A-Za-z_]\w*$/.test(d.name)) return undefined;
      const keys = (Array.isArray(d.keys) ? d.keys : []).filter(
        (k): k is { path: (string | number)[]; file: string; line: number } =>
          !!k &&
          typeof k === 'object' &&
          typeof k.file === 'string' &&
          Number.isInteger(k.line) &&
          Array.isArray(k.path) &&
          k.path.length > 0 &&
          k.path.every((p: unknown) => typeof p === 'string' || Number.isInteger(p)),
      );
      return { fix: 'rebind', name: d.name, keys };
    }
    case 'rename':
      return typeof d.newName === 'string' && /^[^/\\]+\.py$/.test(d.newName)
        ? { fix: 'rename', newName: d.newName }
        : undefined;
    default:
      return undefined;
  }
}
