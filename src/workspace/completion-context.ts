// Where the cursor sits in config text that is usually mid-edit and does not
// parse: a forward scan (strings and comments skipped) tracks open brackets
// and the key each `dict(` / `{` / `[` was opened for, giving the key path of
// the enclosing dict and whether the cursor is at a key, after `type=`, or
// after `_base_.`.

export type CompletionContext =
  | {
      kind: 'key';
      keyPath: string[];
      prefix: string;
      /** Keys already written in this dict (or at the top level). */ written: string[];
    }
  | {
      kind: 'type-value';
      prefix: string;
      quote: string | undefined;
      /** The keys the enclosing brackets were opened for, outermost first (`['model', 'backbone']`, `['train_pipeline']` in a list). */
      owners: string[];
    }
  | { kind: 'base-attr'; /** `_base_.model.` → ['model'] */ path: string[]; prefix: string }
  | { kind: 'none' };

interface Frame {
  bracket: '(' | '[' | '{';
  isDict: boolean;
  /** The key this bracket's value belongs to (from the enclosing frame). */
  key: string | undefined;
  /** The latest `name=` / `'name':` seen directly inside this frame. */
  pendingKey: string | undefined;
  /** Every key written directly inside this frame. */
  written: string[];
  /** Offset just after the last `(`, `{` or `,` of this frame. */
  itemStart: number;
}

export function completionContext(text: string, offset: number): CompletionContext {
  const before = text.slice(0, offset);
  const typeValue = /(?:\btype\s*=|(['"])type\1\s*:)\s*(['"]?)([\w.:]*)$/.exec(before);
  const baseAttr = /(?<![\w.])_base_((?:\.\w+)*)\.(\w*)$/.exec(before);
  const stack: Frame[] = [
    { bracket: '(', isDict: true, key: undefined, pendingKey: undefined, itemStart: 0, written: [] },
  ];
  const top = () => stack[stack.length - 1];
  let i = 0;
  /** The cursor is inside a string or a comment. */
  let inText = false;
  while (i < offset) {
    const c = text[i];
    if (c === '#') {
      while (i < offset && text[i] !== '\n') i++;
      if (i >= offset) inText = true;
      continue;
    }
    if (c === '"' || c === "'") {
      const triple = text.startsWith(c.repeat(3), i);
      const q = triple ? c.repeat(3) : c;
      const startStr = i;
      i += q.length;
      while (i < offset && !text.startsWith(q, i) && (triple || text[i] !== '\n')) i += text[i] === '\\' ? 2 : 1;
      if (i >= offset) inText = true;
      const value = text.slice(startStr + q.length, i);
      i += q.length;
      // `'key':` inside a `{` literal names a key.
      if (top().bracket === '{') {
        let j = i;
        while (j < offset && (text[j] === ' ' || text[j] === '\t')) j++;
        if (text[j] === ':') {
          top().pendingKey = value;
          top().written.push(value);
        }
      }
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      let j = i;
      while (j < text.length && /\w/.test(text[j])) j++;
      const word = text.slice(i, j);
      let k = j;
      while (k < text.length && (text[k] === ' ' || text[k] === '\t')) k++;
      const frame = top();
      if (text[k] === '=' && text[k + 1] !== '=' && j <= offset) {
        // `name=` in a call, or `name = ...` at the top level.
        if (stack.length > 1 || isLineStart(text, i)) {
          frame.pendingKey = word;
          frame.written.push(word);
        }
      }
      if (text[k] === '(' && k < offset) {
        stack.push({
          bracket: '(',
          isDict: word === 'dict',
          key: frame.pendingKey,
          pendingKey: undefined,
          itemStart: k + 1,
          written: [],
        });
        i = k + 1;
        continue;
      }
      i = j;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') {
      const frame = top();
      stack.push({
        bracket: c,
        isDict: c === '{',
        key: frame.pendingKey,
        pendingKey: undefined,
        itemStart: i + 1,
        written: [],
      });
    } else if ((c === ')' || c === ']' || c === '}') && stack.length > 1) {
      stack.pop();
    } else if (c === ',') {
      top().pendingKey = stack.length > 1 ? undefined : top().pendingKey;
      top().itemStart = i + 1;
    } else if (c === '\n' && stack.length === 1) {
      top().itemStart = i + 1;
    }
    i++;
  }
  if (typeValue && stack.length > 1) {
    const owners = stack
      .slice(1)
      .map((f) => f.key)
      .filter((k): k is string => k !== undefined);
    return { kind: 'type-value', prefix: typeValue[3], quote: typeValue[2] || undefined, owners };
  }
  if (inText) return { kind: 'none' };
  if (baseAttr) return { kind: 'base-attr', path: baseAttr[1].split('.').filter(Boolean), prefix: baseAttr[2] };
  const frame = top();
  const item = text.slice(frame.itemStart, offset);
  if (!/^\s*\w*$/.test(item)) return { kind: 'none' };
  const prefix = /\w*$/.exec(item)![0];
  if (stack.length === 1) return { kind: 'key', keyPath: [], prefix, written: frame.written };
  if (!frame.isDict) return { kind: 'none' };
  const keyPath: string[] = [];
  for (const f of stack.slice(1)) {
    if (!f.isDict || f.key === undefined) return { kind: 'none' };
    keyPath.push(f.key);
  }
  return { kind: 'key', keyPath, prefix, written: frame.written };
}

function isLineStart(text: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && (text[j] === ' ' || text[j] === '\t')) j--;
  return j < 0 || text[j] === '\n';
}
