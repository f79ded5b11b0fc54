// Python tokenizer for config files: NEWLINE/INDENT/DEDENT, names, numbers,
// strings with every prefix and quoting, operators. It never throws: problems
// become SyntaxIssues at their span and tokenizing goes on.

import type { Span } from './source';

export type TokKind = 'NAME' | 'NUMBER' | 'STRING' | 'OP' | 'NEWLINE' | 'INDENT' | 'DEDENT' | 'EOF';

export interface Token {
  kind: TokKind;
  text: string;
  start: number;
  end: number;
}

export interface SyntaxIssue {
  message: string;
  span: Span;
}

const OPERATORS = [
  '**=', '//=', '>>=', '<<=', '...', '->', ':=',
  '**', '//', '<<', '>>', '<=', '>=', '==', '!=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '@=',
  '+', '-', '*', '/', '%', '@', '<', '>', '=', '.', ',', ':', ';', '(', ')', '[', ']', '{', '}', '&', '|', '^', '~',
];

/** Operators by first character, longest first, so matching is a short scan. */
const OPS_BY_CHAR = new Map<string, string[]>();
for (const o of OPERATORS) OPS_BY_CHAR.set(o[0], [...(OPS_BY_CHAR.get(o[0]) ?? []), o]);
for (const list of OPS_BY_CHAR.values()) list.sort((a, b) => b.length - a.length);

const STRING_PREFIX = /^(?:[rR][bBfF]?|[bBfF][rR]?|[uU])?(?='|")/;
const NUMBER_RE =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?[jJ]?)/;
const NAME_START = /[A-Za-z_\u00C0-\uFFFF]/;
const NAME_CHAR = /[A-Za-z0-9_\u00C0-\uFFFF]/;

export function tokenize(text: string): { tokens: Token[]; issues: SyntaxIssue[] } {
  const tokens: Token[] = [];
  const issues: SyntaxIssue[] = [];
  const indents = [0];
  const brackets: { ch: string; at: number }[] = [];
  let i = 0;
  let atLineStart = true;
  const n = text.length;

  while (i < n) {
    if (atLineStart && brackets.length === 0) {
      // Measure indentation; blank and comment-only lines do not count.
      let col = 0;
      let j = i;
      while (j < n && (text[j] === ' ' || text[j] === '\t' || text[j] === '\f')) {
        col = text[j] === '\t' ? (Math.floor(col / 8) + 1) * 8 : col + 1;
        j++;
      }
      if (j >= n) {
        i = j;
        break;
      }
      const c = text[j];
      if (c === '\n' || c === '\r' || c === '#') {
        while (j < n && text[j] !== '\n') j++;
        i = j + 1;
        continue;
      }
      if (c === '\\' && (text[j + 1] === '\n' || text[j + 1] === '\r')) {
        // A continuation at the start of a line joins the next one.
        i = j + (text[j + 1] === '\r' && text[j + 2] === '\n' ? 3 : 2);
        atLineStart = false;
        continue;
      }
      atLineStart = false;
      const top = indents[indents.length - 1];
      if (col > top) {
        indents.push(col);
        tokens.push({ kind: 'INDENT', text: '', start: j, end: j });
      } else if (col < top) {
        while (indents.length > 1 && col < indents[indents.length - 1]) {
          indents.pop();
          tokens.push({ kind: 'DEDENT', text: '', start: j, end: j });
        }
        if (col !== indents[indents.length - 1]) {
          issues.push({ message: 'unindent does not match any outer indentation level', span: { start: i, end: j } });
        }
      }
      i = j;
      continue;
    }

    const c = text[i];
    if (c === ' ' || c === '\t' || c === '\f') {
      i++;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') {
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      if (brackets.length === 0) {
        tokens.push({ kind: 'NEWLINE', text: '\n', start: i, end: i + 1 });
        atLineStart = true;
      }
      i++;
      continue;
    }
    if (c === '#') {
      while (i < n && text[i] !== '\n') i++;
      continue;
    }
    if (c === '\\') {
      if (text[i + 1] === '\n') {
        i += 2;
        continue;
      }
      if (text[i + 1] === '\r') {
        i += text[i + 2] === '\n' ? 3 : 2;
        continue;
      }
      issues.push({ message: 'unexpected character after line continuation character', span: { start: i, end: i + 1 } });
      i++;
      continue;
    }

    const prefix = c === "'" || c === '"' || /[rRbBfFuU]/.test(c) ? STRING_PREFIX.exec(text.slice(i, i + 3)) : null;
    if (prefix) {
      const end = scanString(text, i + prefix[0].length, issues);
      tokens.push({ kind: 'STRING', text: text.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(text[i + 1] ?? ''))) {
      const m = NUMBER_RE.exec(text.slice(i, i + 400));
      let end = i + (m ? m[0].length : 1);
      // "1if x else y" style suffixes are not a concern; digits glued to letters are.
      if (end < n && NAME_CHAR.test(text[end]) && !/^[0-9.]/.test(text[end])) {
        let j = end;
        while (j < n && NAME_CHAR.test(text[j])) j++;
        issues.push({ message: 'invalid decimal literal', span: { start: i, end: j } });
        end = j;
      }
      tokens.push({ kind: 'NUMBER', text: text.slice(i, end), start: i, end });
      i = end;
      continue;
    }
    if (NAME_START.test(c)) {
      let j = i + 1;
      while (j < n && NAME_CHAR.test(text[j])) j++;
      tokens.push({ kind: 'NAME', text: text.slice(i, j), start: i, end: j });
      i = j;
      continue;
    }
    const op = OPS_BY_CHAR.get(c)?.find((o) => text.startsWith(o, i));
    if (op) {
      if (op === '(' || op === '[' || op === '{') brackets.push({ ch: op, at: i });
      else if (op === ')' || op === ']' || op === '}') {
        const open = brackets.pop();
        const want = open ? { '(': ')', '[': ']', '{': '}' }[open.ch] : undefined;
        if (!open) issues.push({ message: `unmatched '${op}'`, span: { start: i, end: i + 1 } });
        else if (want !== op) {
          issues.push({ message: `closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'`, span: { start: i, end: i + 1 } });
        }
      }
      tokens.push({ kind: 'OP', text: op, start: i, end: i + op.length });
      i += op.length;
      continue;
    }
    issues.push({ message: `invalid character '${c}' (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`, span: { start: i, end: i + 1 } });
    i++;
  }
  for (const b of brackets) issues.push({ message: `'${b.ch}' was never closed`, span: { start: b.at, end: b.at + 1 } });
  if (tokens.length && tokens[tokens.length - 1].kind !== 'NEWLINE') tokens.push({ kind: 'NEWLINE', text: '', start: n, end: n });
  while (indents.length > 1) {
    indents.pop();
    tokens.push({ kind: 'DEDENT', text: '', start: n, end: n });
  }
  tokens.push({ kind: 'EOF', text: '', start: n, end: n });
  return { tokens, issues };
}

/** Returns the offset just past the closing quote (or the end of the line/file when unterminated). */
function scanString(text: string, q: number, issues: SyntaxIssue[]): number {
  const quote = text[q];
  const triple = text.startsWith(quote.repeat(3), q);
  let i = q + (triple ? 3 : 1);
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (c === '\\') {
      i += 2;
      continue;
    }
    if (triple) {
      if (text.startsWith(quote.repeat(3), i)) return i + 3;
    } else {
      if (c === quote) return i + 1;
      if (c === '\n') break;
    }
    i++;
  }
  issues.push({
    message: triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal',
    span: { start: q, end: Math.min(i, n) },
  });
  return Math.min(i, n);
}
