// Python tokenizer for config files: NEWLINE/INDENT/DEDENT, names, numbers,
// strings with every prefix and quoting, operators. It never throws: problems
// become SyntaxIssues at their span and tokenizing goes on.
//
// Tokens are pulled one at a time (`Tokenizer.next`), so a 20 MB config never
// holds millions of token objects at once; time is linear in the text.
// Names follow Python's rules (PEP 3131): XID_Start/XID_Continue checked on the
// text as written, then NFKC-normalised (`ｄata_root` is `data_root`).

import type { Span } from './source';

export type TokKind = 'NAME' | 'NUMBER' | 'STRING' | 'OP' | 'NEWLINE' | 'INDENT' | 'DEDENT' | 'EOF';

export class Token {
  constructor(
    public kind: TokKind,
    /** The token's text; for a NAME, NFKC-normalised as Python does. */
    public text: string,
    public start: number,
    public end: number,
    /** A NAME whose written form differs from its normalised text (never a keyword, as in CPython). */
    public normalized = false,
  ) {}
}

export interface SyntaxIssue {
  message: string;
  span: Span;
}

/** Python reports the first syntax error; the editor gets a few more, never millions. */
export const MAX_ISSUES = 100;
/** CPython's tokenizer limit (MAXINDENT). */
const MAX_INDENT = 100;

const OPERATORS = [
  '**=',
  '//=',
  '>>=',
  '<<=',
  '...',
  '->',
  ':=',
  '**',
  '//',
  '<<',
  '>>',
  '<=',
  '>=',
  '==',
  '!=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '@=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '@',
  '<',
  '>',
  '=',
  '.',
  ',',
  ':',
  ';',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  '&',
  '|',
  '^',
  '~',
];

/** Operators by first character code, longest first, so matching is a short scan. */
const OPS_BY_CODE: (string[] | undefined)[] = [];
for (const o of OPERATORS) (OPS_BY_CODE[o.charCodeAt(0)] ??= []).push(o);
for (const list of OPS_BY_CODE) list?.sort((a, b) => b.length - a.length);

const NUMBER_RE =
  /(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:(?:[0-9](?:_?[0-9])*)?\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*\.?)(?:[eE][+-]?[0-9](?:_?[0-9])*)?[jJ]?)/y;
const XID_START = /[\p{XID_Start}_]/u;
const XID_CONTINUE = /\p{XID_Continue}/u;
/** Python's str.isprintable() is false for these (space excepted). */
const NON_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;

const isAsciiLetter = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
const isDigit = (c: number) => c >= 48 && c <= 57;
/** What CPython's tokenizer takes into a name before checking it: ASCII word characters and anything non-ASCII. */
const isNameChar = (c: number) => isAsciiLetter(c) || isDigit(c) || c >= 128;

/** CPython's message for a character that cannot appear where it is. */
export function invalidCharacterMessage(ch: string): string {
  const hex = ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
  if (ch !== ' ' && NON_PRINTABLE.test(ch)) return `invalid non-printable character U+${hex}`;
  return `invalid character '${ch}' (U+${hex})`;
}

/** The offset of the first character Python refuses in a written name, or -1 (PEP 3131, as CPython 3.11 applies it). */
function invalidNameChar(name: string): number {
  let first = true;
  for (let i = 0; i < name.length;) {
    const cp = name.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    // ZWJ/ZWNJ joined ID_Continue in Unicode 15.1; the Python MMEngine runs on refuses them.
    const ok = cp === 0x200c || cp === 0x200d ? false : first ? XID_START.test(ch) : XID_CONTINUE.test(ch);
    if (!ok) return i;
    first = false;
    i += ch.length;
  }
  return -1;
}

export class Tokenizer {
  readonly issues: SyntaxIssue[] = [];
  private i = 0;
  private atLineStart = true;
  private readonly indents = [0];
  private readonly brackets: { ch: string; at: number }[] = [];
  /** INDENT/DEDENT runs and the end-of-file tokens, handed out before scanning on. */
  private readonly queue: Token[] = [];
  private finished = false;
  private last: TokKind | undefined;
  private readonly n: number;

  constructor(private readonly text: string) {
    this.n = text.length;
  }

  issue(message: string, start: number, end: number): void {
    if (this.issues.length < MAX_ISSUES) this.issues.push({ message, span: { start, end } });
  }

  /** The next token; EOF forever once the text is used up. */
  next(): Token {
    const t = this.queue.length ? this.queue.shift()! : this.scan();
    this.last = t.kind;
    return t;
  }

  private scan(): Token {
    const text = this.text;
    const n = this.n;
    while (this.i < n) {
      let i = this.i;
      if (this.atLineStart && this.brackets.length === 0) {
        // Measure indentation; blank and comment-only lines do not count.
        let col = 0;
        let j = i;
        for (; j < n; j++) {
          const c = text.charCodeAt(j);
          if (c === 32 || c === 12) col++;
          else if (c === 9) col = (Math.floor(col / 8) + 1) * 8;
          else break;
        }
        if (j >= n) {
          this.i = j;
          break;
        }
        const c = text.charCodeAt(j);
        if (c === 10 || c === 13 || c === 35) {
          while (j < n && text.charCodeAt(j) !== 10) j++;
          this.i = j + 1;
          continue;
        }
        if (c === 92 && (text.charCodeAt(j + 1) === 10 || text.charCodeAt(j + 1) === 13)) {
          // A continuation at the start of a line joins the next one.
          this.i = j + (text.charCodeAt(j + 1) === 13 && text.charCodeAt(j + 2) === 10 ? 3 : 2);
          this.atLineStart = false;
          continue;
        }
        this.atLineStart = false;
        this.i = j;
        const top = this.indents[this.indents.length - 1];
        if (col > top) {
          if (this.indents.length > MAX_INDENT) {
            this.issue('too many levels of indentation', i, j);
            continue;
          }
          this.indents.push(col);
          return new Token('INDENT', '', j, j);
        }
        if (col < top) {
          while (this.indents.length > 1 && col < this.indents[this.indents.length - 1]) {
            this.indents.pop();
            this.queue.push(new Token('DEDENT', '', j, j));
          }
          if (col !== this.indents[this.indents.length - 1])
            this.issue('unindent does not match any outer indentation level', i, j);
          return this.queue.shift()!;
        }
        continue;
      }

      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 12) {
        this.i = i + 1;
        continue;
      }
      if (c === 13 && text.charCodeAt(i + 1) === 10) {
        this.i = i + 1;
        continue;
      }
      if (c === 10 || c === 13) {
        this.i = i + 1;
        if (this.brackets.length === 0) {
          this.atLineStart = true;
          return new Token('NEWLINE', '\n', i, i + 1);
        }
        continue;
      }
      if (c === 35) {
        while (i < n && text.charCodeAt(i) !== 10) i++;
        this.i = i;
        continue;
      }
      if (c === 92) {
        const d = text.charCodeAt(i + 1);
        if (d === 10) this.i = i + 2;
        else if (d === 13) this.i = i + (text.charCodeAt(i + 2) === 10 ? 3 : 2);
        else {
          this.issue('unexpected character after line continuation character', i, i + 1);
          this.i = i + 1;
        }
        continue;
      }

      const q = this.stringStart(i, c);
      if (q >= 0) {
        const end = scanString(text, q, this);
        this.i = end;
        return new Token('STRING', text.slice(i, end), i, end);
      }
      if (isDigit(c) || (c === 46 && isDigit(text.charCodeAt(i + 1)))) {
        // Plain decimal digits are most numbers: scan them without the regex.
        let end = i;
        while (end < n && isDigit(text.charCodeAt(end))) end++;
        const a = text.charCodeAt(end);
        const lower = a | 32;
        if (
          end === i ||
          a === 46 ||
          a === 95 ||
          lower === 101 ||
          lower === 106 ||
          lower === 120 ||
          lower === 111 ||
          lower === 98
        ) {
          NUMBER_RE.lastIndex = i;
          const m = NUMBER_RE.exec(text);
          end = i + (m ? m[0].length : 1);
        }
        // Digits glued to letters ("1abc") are an error; "1if x else y" style suffixes are not a concern.
        const e = text.charCodeAt(end);
        if (end < n && isNameChar(e) && !isDigit(e) && e !== 46) {
          let j = end;
          while (j < n && isNameChar(text.charCodeAt(j))) j++;
          this.issue('invalid decimal literal', i, j);
          end = j;
        }
        this.i = end;
        return new Token('NUMBER', text.slice(i, end), i, end);
      }
      if (isAsciiLetter(c) || c >= 128) return this.name(i);
      const ops = OPS_BY_CODE[c];
      let op: string | undefined;
      if (ops)
        for (let k = 0; k < ops.length && !op; k++) if (ops[k].length === 1 || text.startsWith(ops[k], i)) op = ops[k];
      if (op) {
        this.bracket(op, i);
        this.i = i + op.length;
        return new Token('OP', op, i, i + op.length);
      }
      const ch = String.fromCodePoint(text.codePointAt(i)!);
      this.issue(invalidCharacterMessage(ch), i, i + ch.length);
      this.i = i + ch.length;
    }
    return this.finish();
  }

  /** Offset of the opening quote when a string literal (with its prefix) starts at i, else -1. */
  private stringStart(i: number, c: number): number {
    if (c === 39 || c === 34) return i;
    // Prefixes: r, u, b, f, and rb/br/rf/fr in any case.
    const lower = c | 32;
    if (lower !== 114 && lower !== 117 && lower !== 98 && lower !== 102) return -1;
    const d = this.text.charCodeAt(i + 1);
    if (d === 39 || d === 34) return i + 1;
    if (lower === 117) return -1;
    const l2 = d | 32;
    const pair = (lower === 114 && (l2 === 98 || l2 === 102)) || ((lower === 98 || lower === 102) && l2 === 114);
    if (!pair) return -1;
    const e = this.text.charCodeAt(i + 2);
    return e === 39 || e === 34 ? i + 2 : -1;
  }

  private name(i: number): Token {
    const text = this.text;
    let j = i;
    let ascii = true;
    while (j < this.n) {
      const c = text.charCodeAt(j);
      if (!isNameChar(c)) break;
      if (c >= 128) ascii = false;
      j++;
    }
    this.i = j;
    const raw = text.slice(i, j);
    if (ascii) return new Token('NAME', raw, i, j);
    const bad = invalidNameChar(raw);
    if (bad >= 0) {
      const ch = String.fromCodePoint(raw.codePointAt(bad)!);
      this.issue(invalidCharacterMessage(ch), i + bad, i + bad + ch.length);
    }
    const norm = raw.normalize('NFKC');
    return norm === raw ? new Token('NAME', raw, i, j) : new Token('NAME', norm, i, j, true);
  }

  private bracket(op: string, i: number): void {
    if (op === '(' || op === '[' || op === '{') this.brackets.push({ ch: op, at: i });
    else if (op === ')' || op === ']' || op === '}') {
      const open = this.brackets.pop();
      const want = open ? ({ '(': ')', '[': ']', '{': '}' } as Record<string, string>)[open.ch] : undefined;
      if (!open) this.issue(`unmatched '${op}'`, i, i + 1);
      else if (want !== op)
        this.issue(`closing parenthesis '${op}' does not match opening parenthesis '${open.ch}'`, i, i + 1);
    }
  }

  /** End of text: unclosed brackets, the last NEWLINE, DEDENTs, EOF. */
  private finish(): Token {
    const n = this.n;
    if (!this.finished) {
      this.finished = true;
      for (const b of this.brackets) this.issue(`'${b.ch}' was never closed`, b.at, b.at + 1);
      if (this.last !== undefined && this.last !== 'NEWLINE') this.queue.push(new Token('NEWLINE', '', n, n));
      while (this.indents.length > 1) {
        this.indents.pop();
        this.queue.push(new Token('DEDENT', '', n, n));
      }
    }
    return this.queue.shift() ?? new Token('EOF', '', n, n);
  }
}

/** Every token at once (tests and small inputs); the parser pulls from a Tokenizer instead. */
export function tokenize(text: string): { tokens: Token[]; issues: SyntaxIssue[] } {
  const t = new Tokenizer(text);
  const tokens: Token[] = [];
  for (let tok = t.next(); ; tok = t.next()) {
    tokens.push(tok);
    if (tok.kind === 'EOF') break;
  }
  return { tokens, issues: t.issues };
}

/** Returns the offset just past the closing quote (or the end of the line/file when unterminated). */
function scanString(text: string, q: number, t: Tokenizer): number {
  const quote = text.charCodeAt(q);
  const triple = text.charCodeAt(q + 1) === quote && text.charCodeAt(q + 2) === quote;
  let i = q + (triple ? 3 : 1);
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      i += 2;
      continue;
    }
    if (c === quote) {
      if (!triple) return i + 1;
      if (text.charCodeAt(i + 1) === quote && text.charCodeAt(i + 2) === quote) return i + 3;
    } else if (c === 10 && !triple) break;
    i++;
  }
  t.issue(triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal', q, Math.min(i, n));
  return Math.min(i, n);
}
