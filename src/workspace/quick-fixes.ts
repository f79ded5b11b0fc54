// Edits for the lint rules' quick fixes, from the `data` they attach:
// `add-delete` puts `_delete_=True` first in the dict; `rebind` (the
// propagation trap) is trap-fix.ts; `rename` is a file move done with the
// rename edits of rename-edits.ts.

import type { FileUnit } from '../config/loader';
import type { Range } from '../config/source';

export interface FixEdit {
  range: Range;
  newText: string;
}

export function addDeleteEdit(unit: FileUnit, valueRange: Range): FixEdit | undefined {
  const start = unit.lines.offset(valueRange.start);
  const end = unit.lines.offset(valueRange.end);
  const text = unit.text.slice(start, end);
  const m = /^(dict\s*\(|\{)(\s*)/.exec(text);
  if (!m) return undefined;
  const at = start + m[1].length;
  const empty = /^\s*[)}]$/.test(text.slice(m[1].length));
  const item = m[1] === '{' ? "'_delete_': True" : '_delete_=True';
  const pos = unit.lines.position(at);
  return { range: { start: pos, end: pos }, newText: item + (empty ? '' : ', ') };
}
