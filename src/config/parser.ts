// Recursive-descent parser for the Python subset of configs. It never throws:
// a syntax error is recorded at its span and parsing resumes at the next line,
// so the editor still gets a tree for the rest of the file.

import type { Arg, CompFor, DictItem, Expr, FPart, ImportName, Module, Param, Stmt } from './ast';
import type { Span } from './source';
import { decodeEscapes, splitStringToken } from './string-literal';
import { MAX_ISSUES, Tokenizer, tokenize, type SyntaxIssue, type Token } from './tokenizer';
import { PYTHON_KEYWORDS } from './python-keywords';

export interface ParseResult {
  module: Module;
  issues: SyntaxIssue[];
}

class ParseError extends Error {
  constructor(readonly issue: SyntaxIssue) {
    super(issue.message);
  }
}

/** Binary operators from `|` (loosest) to `*` (tightest), as Python's grammar orders them. */
const BINARY_PRECEDENCE = new Map<string, number>([
  ['|', 1],
  ['^', 2],
  ['&', 3],
  ['<<', 4],
  ['>>', 4],
  ['+', 5],
  ['-', 5],
  ['*', 6],
  ['/', 6],
  ['//', 6],
  ['%', 6],
  ['@', 6],
]);

/** A decimal int without underscores or leading zeros: most numbers in configs. */
const PLAIN_INT = /^(?:[1-9][0-9]{0,14}|0)$/;

/** Small ints are shared: `640` written a million times is one bigint, not a million. */
const SMALL_INTS: bigint[] = Array.from({ length: 4096 }, (_, i) => BigInt(i));
function smallInt(text: string): bigint {
  // Up to 15 digits a double is exact, and BigInt(number) is much faster than parsing the text.
  const n = +text;
  return n < 4096 ? SMALL_INTS[n] : BigInt(n);
}

const AUG_OPS = new Set(['+=', '-=', '*=', '/=', '//=', '%=', '**=', '<<=', '>>=', '&=', '|=', '^=', '@=']);
const COMPARE_OPS = new Set(['<', '>', '==', '>=', '<=', '!=']);

export function parse(text: string, offset = 0): ParseResult {
  const body: Stmt[] = [];
  const issues = parseEach(text, (s) => body.push(s), offset);
  return { module: { body }, issues };
}

/**
 * Parses statement by statement, handing each top-level statement to `each` and
 * keeping none, so memory stays flat whatever the file's size. Returns the syntax
 * issues (as `parse` does). An exception thrown by `each` stops the parse.
 */
export function parseEach(text: string, each: (s: Stmt) => void, offset = 0): SyntaxIssue[] {
  const tokens = new Tokenizer(text);
  const p = new Parser(tokens, offset);
  p.parseModule(each);
  // An unclosed bracket or string also derails the parser at the end of the file:
  // report the cause, not the echoes after it.
  const tokIssues = tokens.issues.map((i) =>
    offset ? { message: i.message, span: { start: i.span.start + offset, end: i.span.end + offset } } : i,
  );
  let first = Infinity;
  for (const i of tokIssues) first = Math.min(first, i.span.start);
  const kept = p.issues.filter((i) => i.span.start < first);
  return [...tokIssues, ...kept].slice(0, MAX_ISSUES);
}

/** Parses a single expression (used for f-string fields). */
export function parseExpression(text: string, offset: number, issues: SyntaxIssue[]): Expr | undefined {
  // A field is short: tokenize it whole so its token errors come first, as for a module.
  const { tokens, issues: tokIssues } = tokenize('(' + text + ')');
  for (const i of tokIssues)
    issues.push({ message: i.message, span: { start: i.span.start + offset - 1, end: i.span.end + offset - 1 } });
  let at = 0;
  const p = new Parser({ next: () => tokens[Math.min(at++, tokens.length - 1)] }, offset - 1, issues);
  try {
    return p.expression();
  } catch (err) {
    if (!(err instanceof ParseError)) throw err;
    issues.push(err.issue);
    return undefined;
  }
}

/** Issues past the cap are dropped: a broken 20 MB file must not hold a million of them. */
class IssueList extends Array<SyntaxIssue> {
  override push(...items: SyntaxIssue[]): number {
    for (const i of items) if (this.length < MAX_ISSUES) super.push(i);
    return this.length;
  }
}

/** CPython's tokenizer refuses more than 200 nested brackets; we bound all nesting the same way. */
const MAX_DEPTH = 200;

class Parser {
  private depth = 0;
  /** The current token, the one after it once peeked, and the one before it. */
  private cur: Token;
  private ahead: Token | undefined;
  private prev: Token | undefined;
  constructor(
    private readonly source: { next(): Token },
    private readonly offset = 0,
    readonly issues: SyntaxIssue[] = new IssueList(),
  ) {
    this.cur = this.pull();
  }

  private pull(): Token {
    const t = this.source.next();
    if (this.offset) {
      t.start += this.offset;
      t.end += this.offset;
    }
    return t;
  }
  private get tok(): Token {
    return this.cur;
  }
  private kind(): Token['kind'] {
    return this.cur.kind;
  }
  /** The token after the current one. */
  private peek(): Token {
    return (this.ahead ??= this.cur.kind === 'EOF' ? this.cur : this.pull());
  }
  private next(): Token {
    const t = this.cur;
    if (t.kind === 'EOF') return t;
    this.prev = t;
    this.cur = this.ahead ?? this.pull();
    this.ahead = undefined;
    return t;
  }
  private isOp(text: string, t = this.tok): boolean {
    return t.kind === 'OP' && t.text === text;
  }
  /** A keyword as written: a name that only NFKC turns into `if` is a name (as in CPython). */
  private isKw(text: string, t = this.tok): boolean {
    return t.kind === 'NAME' && t.text === text && !t.normalized;
  }
  private fail(message: string, t: Token = this.tok): never {
    const span =
      t.kind === 'EOF' || t.kind === 'NEWLINE' ? { start: t.start, end: t.start } : { start: t.start, end: t.end };
    throw new ParseError({ message, span });
  }
  private expectOp(text: string): Token {
    if (!this.isOp(text))
      this.fail(this.kind() === 'EOF' || this.kind() === 'NEWLINE' ? `expected '${text}'` : 'invalid syntax');
    return this.next();
  }
  private expectKw(text: string): Token {
    if (!this.isKw(text)) this.fail(`expected '${text}'`);
    return this.next();
  }
  private prevEnd(): number {
    return (this.prev ?? this.cur).end;
  }

  parseModule(each: (s: Stmt) => void): void {
    const body: Stmt[] = [];
    while (this.kind() !== 'EOF') {
      for (const s of body) each(s);
      body.length = 0;
      if (this.kind() === 'NEWLINE') {
        this.next();
        continue;
      }
      if (this.kind() === 'INDENT') {
        this.issues.push({ message: 'unexpected indent', span: { start: this.tok.start, end: this.tok.end + 1 } });
        this.skipBlock();
        continue;
      }
      if (this.kind() === 'DEDENT') {
        this.next();
        continue;
      }
      this.statementInto(body);
    }
    for (const s of body) each(s);
  }

  private skipBlock(): void {
    let depth = 0;
    while (this.kind() !== 'EOF') {
      const t = this.next();
      if (t.kind === 'INDENT') depth++;
      else if (t.kind === 'DEDENT' && --depth <= 0) return;
    }
  }

  /** Parses one statement; on a syntax error records it and skips to the end of the line. */
  private statementInto(body: Stmt[]): void {
    try {
      body.push(...this.statement());
    } catch (err) {
      if (!(err instanceof ParseError)) throw err;
      this.issues.push(err.issue);
      while (this.kind() !== 'NEWLINE' && this.kind() !== 'EOF') this.next();
      if (this.kind() === 'NEWLINE') this.next();
      if (this.kind() === 'INDENT') this.skipBlock();
    }
  }

  private statement(): Stmt[] {
    const t = this.tok;
    if (t.kind === 'NAME') {
      switch (t.text) {
        case 'if':
          return [this.ifStmt()];
        case 'for':
          return [this.forStmt()];
        case 'def':
          return [this.defStmt()];
        case 'class':
          return [this.classStmt()];
        case 'while':
        case 'try':
        case 'with':
        case 'async': {
          const start = t.start;
          // Not evaluated by YOLO Lab: parse past it so the rest of the file still works.
          this.next();
          while (!this.isOp(':') && this.kind() !== 'NEWLINE' && this.kind() !== 'EOF') this.next();
          if (this.isOp(':')) this.next();
          this.blockOrSimple();
          this.skipClauses();
          return [{ kind: 'Unsupported', span: { start, end: t.end }, what: `'${t.text}' statement` }];
        }
      }
    }
    const stmts = [this.simpleStatement()];
    while (this.isOp(';')) {
      this.next();
      if (this.kind() === 'NEWLINE' || this.kind() === 'EOF') break;
      stmts.push(this.simpleStatement());
    }
    if (this.kind() === 'NEWLINE') this.next();
    else if (this.kind() !== 'EOF')
      this.fail(this.kind() === 'OP' || this.kind() === 'NAME' ? 'invalid syntax' : 'invalid syntax');
    return stmts;
  }

  private skipClauses(): void {
    while (['except', 'finally', 'else', 'elif'].some((k) => this.isKw(k))) {
      while (!this.isOp(':') && this.kind() !== 'NEWLINE' && this.kind() !== 'EOF') this.next();
      if (this.isOp(':')) this.next();
      this.blockOrSimple();
    }
  }

  private block(): Stmt[] {
    this.expectOp(':');
    return this.blockOrSimple();
  }

  private blockOrSimple(): Stmt[] {
    if (this.kind() !== 'NEWLINE') {
      const stmts = [this.simpleStatement()];
      while (this.isOp(';')) {
        this.next();
        if (this.kind() === 'NEWLINE') break;
        stmts.push(this.simpleStatement());
      }
      if (this.kind() === 'NEWLINE') this.next();
      return stmts;
    }
    this.next();
    if (this.kind() !== 'INDENT') this.fail('expected an indented block');
    this.next();
    const body: Stmt[] = [];
    while (this.kind() !== 'DEDENT' && this.kind() !== 'EOF') {
      if (this.kind() === 'NEWLINE') {
        this.next();
        continue;
      }
      this.statementInto(body);
    }
    if (this.kind() === 'DEDENT') this.next();
    return body;
  }

  private ifStmt(): Stmt {
    const start = this.next().start;
    const test = this.namedExpr();
    const body = this.block();
    let orelse: Stmt[] = [];
    if (this.isKw('elif')) orelse = [this.ifStmt()];
    else if (this.isKw('else')) {
      this.next();
      orelse = this.block();
    }
    return { kind: 'If', span: { start, end: this.prevEnd() }, test, body, orelse };
  }

  private forStmt(): Stmt {
    const start = this.next().start;
    const target = this.targetList();
    this.expectKw('in');
    const iter = this.exprList();
    const body = this.block();
    let orelse: Stmt[] = [];
    if (this.isKw('else')) {
      this.next();
      orelse = this.block();
    }
    return { kind: 'For', span: { start, end: this.prevEnd() }, target, iter, body, orelse };
  }

  private defStmt(): Stmt {
    const start = this.next().start;
    const nameTok = this.tok;
    if (nameTok.kind !== 'NAME') this.fail('invalid syntax');
    this.next();
    this.expectOp('(');
    const params = this.params(')');
    this.expectOp(')');
    if (this.isOp('->')) {
      this.next();
      this.expression();
    }
    const body = this.block();
    return {
      kind: 'FunctionDef',
      span: { start, end: this.prevEnd() },
      name: nameTok.text,
      nameSpan: { start: nameTok.start, end: nameTok.end },
      params,
      body,
    };
  }

  private classStmt(): Stmt {
    const start = this.next().start;
    const nameTok = this.tok;
    if (nameTok.kind !== 'NAME') this.fail('invalid syntax');
    this.next();
    if (this.isOp('(')) {
      this.next();
      if (!this.isOp(')')) this.callArgs();
      this.expectOp(')');
    }
    const body = this.block();
    return {
      kind: 'ClassDef',
      span: { start, end: this.prevEnd() },
      name: nameTok.text,
      nameSpan: { start: nameTok.start, end: nameTok.end },
      body,
    };
  }

  private params(close: string): Param[] {
    const params: Param[] = [];
    while (!this.isOp(close)) {
      let star: '*' | '**' | undefined;
      if (this.isOp('*') || this.isOp('**')) star = this.next().text as '*' | '**';
      if (this.isOp('/') || (star === '*' && this.isOp(','))) {
        if (this.isOp('/')) this.next();
        if (this.isOp(',')) this.next();
        continue;
      }
      const t = this.tok;
      if (t.kind !== 'NAME' || PYTHON_KEYWORDS.has(t.text)) this.fail('invalid syntax');
      this.next();
      if (close === ')' && this.isOp(':')) {
        this.next();
        this.expression();
      }
      let def: Expr | undefined;
      if (this.isOp('=')) {
        this.next();
        def = this.expression();
      }
      params.push({ name: t.text, span: { start: t.start, end: t.end }, default: def, star });
      if (!this.isOp(',')) break;
      this.next();
    }
    return params;
  }

  private simpleStatement(): Stmt {
    const t = this.tok;
    const start = t.start;
    if (t.kind === 'NAME') {
      switch (t.text) {
        case 'pass':
          this.next();
          return { kind: 'Pass', span: { start, end: t.end } };
        case 'import':
          return this.importStmt();
        case 'from':
          return this.fromStmt();
        case 'del': {
          this.next();
          const targets = [this.primary()];
          while (this.isOp(',')) {
            this.next();
            targets.push(this.primary());
          }
          return { kind: 'Del', span: { start, end: this.prevEnd() }, targets };
        }
        case 'return': {
          this.next();
          const value = this.kind() === 'NEWLINE' || this.isOp(';') ? undefined : this.exprList();
          return { kind: 'Return', span: { start, end: this.prevEnd() }, value };
        }
        case 'assert': {
          this.next();
          const test = this.expression();
          let msg: Expr | undefined;
          if (this.isOp(',')) {
            this.next();
            msg = this.expression();
          }
          return { kind: 'Assert', span: { start, end: this.prevEnd() }, test, msg };
        }
        case 'global':
        case 'nonlocal':
        case 'raise':
        case 'break':
        case 'continue':
        case 'yield': {
          this.next();
          while (this.kind() !== 'NEWLINE' && this.kind() !== 'EOF' && !this.isOp(';')) this.next();
          return { kind: 'Unsupported', span: { start, end: t.end }, what: `'${t.text}' statement` };
        }
      }
    }
    const first = this.exprList(true);
    if (this.isOp('=')) {
      const targets: Expr[] = [first];
      let value: Expr = first;
      while (this.isOp('=')) {
        this.next();
        value = this.exprList(true);
        targets.push(value);
      }
      targets.pop();
      for (const target of targets) this.checkTarget(target);
      return { kind: 'Assign', span: { start, end: this.prevEnd() }, targets, value };
    }
    if (this.kind() === 'OP' && AUG_OPS.has(this.tok.text)) {
      const op = this.next().text.slice(0, -1);
      this.checkTarget(first, true);
      const value = this.exprList(true);
      return { kind: 'AugAssign', span: { start, end: this.prevEnd() }, target: first, op, value };
    }
    if (this.isOp(':')) {
      this.next();
      this.expression();
      let value: Expr | undefined;
      if (this.isOp('=')) {
        this.next();
        value = this.exprList(true);
      }
      this.checkTarget(first, true);
      return { kind: 'AnnAssign', span: { start, end: this.prevEnd() }, target: first, value };
    }
    return { kind: 'Expr', span: first.span, value: first };
  }

  private checkTarget(e: Expr, single = false): void {
    switch (e.kind) {
      case 'Name':
        if (PYTHON_KEYWORDS.has(e.id)) break;
        return;
      case 'Attribute':
      case 'Subscript':
        return;
      case 'Tuple':
      case 'List':
        if (single) break;
        for (const x of e.elts) this.checkTarget(x.kind === 'Starred' ? x.value : x);
        return;
      case 'Starred':
        return this.checkTarget(e.value);
    }
    const what =
      e.kind === 'Call'
        ? 'function call'
        : e.kind === 'Num' || e.kind === 'Str' || e.kind === 'Const'
          ? 'literal'
          : 'expression';
    throw new ParseError({ message: `cannot assign to ${what}`, span: e.span });
  }

  private dottedName(): { name: string; span: Span } {
    const t = this.tok;
    if (t.kind !== 'NAME') this.fail('invalid syntax');
    this.next();
    let name = t.text;
    while (this.isOp('.') && this.peek().kind === 'NAME') {
      this.next();
      name += '.' + this.next().text;
    }
    return { name, span: { start: t.start, end: this.prevEnd() } };
  }

  private importStmt(): Stmt {
    const start = this.next().start;
    const names: ImportName[] = [];
    do {
      if (names.length) this.next();
      const d = this.dottedName();
      let asname: string | undefined;
      if (this.isKw('as')) {
        this.next();
        asname = this.next().text;
      }
      names.push({ name: d.name, asname, span: { start: d.span.start, end: this.prevEnd() } });
    } while (this.isOp(','));
    return { kind: 'Import', span: { start, end: this.prevEnd() }, names };
  }

  private fromStmt(): Stmt {
    const start = this.next().start;
    let level = 0;
    while (this.isOp('.') || this.isOp('...')) level += this.next().text.length;
    const module = this.isKw('import') ? '' : this.dottedName().name;
    this.expectKw('import');
    const names: ImportName[] = [];
    const paren = this.isOp('(');
    if (paren) this.next();
    if (this.isOp('*')) {
      const t = this.next();
      names.push({ name: '*', span: { start: t.start, end: t.end } });
    } else {
      do {
        if (names.length) this.next();
        if (paren && this.isOp(')')) break;
        const t = this.tok;
        if (t.kind !== 'NAME') this.fail('invalid syntax');
        this.next();
        let asname: string | undefined;
        if (this.isKw('as')) {
          this.next();
          asname = this.next().text;
        }
        names.push({ name: t.text, asname, span: { start: t.start, end: this.prevEnd() } });
      } while (this.isOp(','));
    }
    if (paren) this.expectOp(')');
    return { kind: 'ImportFrom', span: { start, end: this.prevEnd() }, module, level, names };
  }

  // ---- expressions ----

  /** expression list: `a, b` becomes a tuple without parentheses. */
  exprList(allowStar = false): Expr {
    const start = this.tok.start;
    const first = allowStar && this.isOp('*') ? this.starred() : this.namedExpr();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.atExprEnd()) break;
      elts.push(allowStar && this.isOp('*') ? this.starred() : this.namedExpr());
    }
    return { kind: 'Tuple', span: { start, end: this.prevEnd() }, elts, parens: false };
  }

  private atExprEnd(): boolean {
    const t = this.tok;
    return (
      t.kind === 'NEWLINE' ||
      t.kind === 'EOF' ||
      (t.kind === 'OP' && ['=', ')', ']', '}', ';', ':'].includes(t.text)) ||
      (t.kind === 'OP' && AUG_OPS.has(t.text)) ||
      this.isKw('in')
    );
  }

  private targetList(): Expr {
    const start = this.tok.start;
    const first = this.isOp('*') ? this.starred() : this.bitOr();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isKw('in') || this.isOp('=')) break;
      elts.push(this.isOp('*') ? this.starred() : this.bitOr());
    }
    return { kind: 'Tuple', span: { start, end: this.prevEnd() }, elts, parens: false };
  }

  private starred(): Expr {
    const t = this.next();
    const value = this.bitOr();
    return { kind: 'Starred', span: { start: t.start, end: this.prevEnd() }, value };
  }

  private namedExpr(): Expr {
    const e = this.expression();
    if (this.isOp(':=')) this.fail("assignment expressions (':=') are not supported in configs");
    return e;
  }

  expression(): Expr {
    // Most expressions in a config are one literal or name before `,` `)` `]` `}`: parse it as an
    // atom at once instead of descending through a dozen precedence levels that all decline.
    const t = this.tok;
    if (
      (t.kind === 'NUMBER' ||
        t.kind === 'STRING' ||
        (t.kind === 'NAME' &&
          (t.normalized ||
            !PYTHON_KEYWORDS.has(t.text) ||
            t.text === 'True' ||
            t.text === 'False' ||
            t.text === 'None'))) &&
      this.endsExpression(this.peek())
    ) {
      return this.atom();
    }
    if (++this.depth > MAX_DEPTH) this.fail('too many nested parentheses');
    try {
      return this.expressionInner();
    } finally {
      this.depth--;
    }
  }

  /** A token no operator, call, subscript or attribute can start: what follows a complete atom. */
  private endsExpression(t: Token): boolean {
    if (t.kind === 'NEWLINE' || t.kind === 'EOF') return true;
    if (t.kind !== 'OP') return false;
    const c = t.text;
    return c === ',' || c === ')' || c === ']' || c === '}' || c === ':' || c === '=' || c === ';';
  }

  private expressionInner(): Expr {
    if (this.isKw('lambda')) return this.lambda();
    const start = this.tok.start;
    const body = this.orTest();
    if (this.isKw('if')) {
      this.next();
      const test = this.orTest();
      this.expectKw('else');
      const orelse = this.expression();
      return { kind: 'IfExp', span: { start, end: this.prevEnd() }, test, body, orelse };
    }
    return body;
  }

  private lambda(): Expr {
    const start = this.next().start;
    const params = this.params(':');
    this.expectOp(':');
    const body = this.expression();
    return { kind: 'Lambda', span: { start, end: this.prevEnd() }, params, body };
  }

  private orTest(): Expr {
    const start = this.tok.start;
    const first = this.andTest();
    if (!this.isKw('or')) return first;
    const values = [first];
    while (this.isKw('or')) {
      this.next();
      values.push(this.andTest());
    }
    return { kind: 'BoolOp', span: { start, end: this.prevEnd() }, op: 'or', values };
  }

  private andTest(): Expr {
    const start = this.tok.start;
    const first = this.notTest();
    if (!this.isKw('and')) return first;
    const values = [first];
    while (this.isKw('and')) {
      this.next();
      values.push(this.notTest());
    }
    return { kind: 'BoolOp', span: { start, end: this.prevEnd() }, op: 'and', values };
  }

  private notTest(): Expr {
    if (this.isKw('not')) {
      const t = this.next();
      if (++this.depth > MAX_DEPTH) this.fail("too many nested 'not'", t);
      let operand: Expr;
      try {
        operand = this.notTest();
      } finally {
        this.depth--;
      }
      return { kind: 'UnaryOp', span: { start: t.start, end: this.prevEnd() }, op: 'not', operand };
    }
    return this.comparison();
  }

  private comparison(): Expr {
    const start = this.tok.start;
    const left = this.bitOr();
    const next = this.tok;
    // Most expressions end at ',' or ')': no comparison follows.
    if (next.kind !== 'NAME' && !(next.kind === 'OP' && COMPARE_OPS.has(next.text))) return left;
    const ops: string[] = [];
    const comparators: Expr[] = [];
    for (;;) {
      const t = this.tok;
      let op: string | undefined;
      if (t.kind === 'OP' && COMPARE_OPS.has(t.text)) op = t.text;
      else if (this.isKw('in')) op = 'in';
      else if (this.isKw('is')) op = this.isKw('not', this.peek()) ? 'is not' : 'is';
      else if (this.isKw('not') && this.isKw('in', this.peek())) op = 'not in';
      if (!op) break;
      this.next();
      if (op === 'is not' || op === 'not in') this.next();
      ops.push(op);
      comparators.push(this.bitOr());
    }
    if (!ops.length) return left;
    return { kind: 'Compare', span: { start, end: this.prevEnd() }, left, ops, comparators };
  }

  /** `|` down to `*`: precedence climbing over BINARY_PRECEDENCE, left-associative (the tree a rule per level would build). */
  private binary(minPrec: number): Expr {
    const start = this.tok.start;
    let left = this.factor();
    for (;;) {
      const t = this.tok;
      if (t.kind !== 'OP') return left;
      const prec = BINARY_PRECEDENCE.get(t.text);
      if (prec === undefined || prec < minPrec) return left;
      this.next();
      const right = this.binary(prec + 1);
      left = { kind: 'BinOp', span: { start, end: this.prevEnd() }, op: t.text, left, right };
    }
  }

  private bitOr = (): Expr => this.binary(1);

  private factor = (): Expr => {
    const t = this.tok;
    if (t.kind === 'OP' && (t.text === '-' || t.text === '+' || t.text === '~')) {
      this.next();
      if (++this.depth > MAX_DEPTH) this.fail('too many nested unary operators', t);
      let operand: Expr;
      try {
        operand = this.factor();
      } finally {
        this.depth--;
      }
      return { kind: 'UnaryOp', span: { start: t.start, end: this.prevEnd() }, op: t.text, operand };
    }
    return this.power();
  };

  private power(): Expr {
    const start = this.tok.start;
    const base = this.primary();
    if (this.isOp('**')) {
      this.next();
      const exp = this.factor();
      return { kind: 'BinOp', span: { start, end: this.prevEnd() }, op: '**', left: base, right: exp };
    }
    return base;
  }

  private primary(): Expr {
    if (this.isKw('await')) this.fail("'await' is not supported in configs");
    const start = this.tok.start;
    let e = this.atom();
    for (;;) {
      if (this.isOp('.')) {
        this.next();
        const t = this.tok;
        if (t.kind !== 'NAME') this.fail('invalid syntax');
        this.next();
        e = {
          kind: 'Attribute',
          span: { start, end: t.end },
          value: e,
          attr: t.text,
          attrSpan: { start: t.start, end: t.end },
        };
      } else if (this.isOp('(')) {
        this.next();
        const args = this.isOp(')') ? [] : this.callArgs();
        const end = this.expectOp(')').end;
        e = { kind: 'Call', span: { start, end }, func: e, args };
      } else if (this.isOp('[')) {
        this.next();
        const index = this.subscriptList();
        const end = this.expectOp(']').end;
        e = { kind: 'Subscript', span: { start, end }, value: e, index };
      } else return e;
    }
  }

  private subscriptList(): Expr {
    const start = this.tok.start;
    const first = this.subscript();
    if (!this.isOp(',')) return first;
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isOp(']')) break;
      elts.push(this.subscript());
    }
    return { kind: 'Tuple', span: { start, end: this.prevEnd() }, elts, parens: false };
  }

  private subscript(): Expr {
    const start = this.tok.start;
    let lower: Expr | undefined;
    if (!this.isOp(':')) {
      lower = this.isOp('*') ? this.starred() : this.expression();
      if (!this.isOp(':')) return lower;
    }
    this.next();
    let upper: Expr | undefined;
    let step: Expr | undefined;
    if (!this.isOp(':') && !this.isOp(']') && !this.isOp(',')) upper = this.expression();
    if (this.isOp(':')) {
      this.next();
      if (!this.isOp(']') && !this.isOp(',')) step = this.expression();
    }
    return { kind: 'Slice', span: { start, end: this.prevEnd() }, lower, upper, step };
  }

  private callArgs(): Arg[] {
    const args: Arg[] = [];
    let sawKeyword = false;
    let sawDoubleStar = false;
    // Keyword names so far: scanned while few, a Set past 16 (a call with a million keywords stays linear).
    let names: Set<string> | undefined;
    const repeated = (name: string): boolean => {
      if (names) return names.has(name);
      let n = 0;
      for (const a of args) if (a.name !== undefined && ++n && a.name === name) return true;
      if (n >= 16) names = new Set(args.flatMap((a) => (a.name === undefined ? [] : [a.name])));
      return false;
    };
    while (!this.isOp(')')) {
      const t = this.tok;
      if (this.isOp('*') || this.isOp('**')) {
        const star = this.next().text as '*' | '**';
        const value = this.expression();
        if (star === '*' && sawKeyword && sawDoubleStar)
          this.fail('iterable argument unpacking follows keyword argument unpacking', t);
        if (star === '**') sawKeyword = sawDoubleStar = true;
        args.push({ span: { start: t.start, end: this.prevEnd() }, value, star });
      } else if (t.kind === 'NAME' && this.isOp('=', this.peek())) {
        if (PYTHON_KEYWORDS.has(t.text)) this.fail('expression cannot contain assignment, perhaps you meant "=="?');
        this.next();
        this.next();
        const value = this.expression();
        if (repeated(t.text))
          throw new ParseError({
            message: `keyword argument repeated: ${t.text}`,
            span: { start: t.start, end: t.end },
          });
        names?.add(t.text);
        sawKeyword = true;
        args.push({
          span: { start: t.start, end: this.prevEnd() },
          name: t.text,
          nameSpan: { start: t.start, end: t.end },
          value,
        });
      } else {
        let value = this.namedExpr();
        if (this.isKw('for')) value = this.comprehension('gen', value, undefined, t.start);
        else if (sawKeyword) {
          throw new ParseError({
            message: sawDoubleStar
              ? 'positional argument follows keyword argument unpacking'
              : 'positional argument follows keyword argument',
            span: value.span,
          });
        }
        args.push({ span: { start: t.start, end: this.prevEnd() }, value });
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    return args;
  }

  private comprehension(
    type: 'list' | 'set' | 'gen' | 'dict',
    elt: Expr,
    value: Expr | undefined,
    start: number,
  ): Expr {
    const generators: CompFor[] = [];
    while (this.isKw('for') || this.isKw('async')) {
      if (this.isKw('async')) this.fail("'async for' is not supported in configs");
      this.next();
      const target = this.targetList();
      this.expectKw('in');
      const iter = this.orTest();
      const ifs: Expr[] = [];
      while (this.isKw('if')) {
        this.next();
        ifs.push(this.orTestNoCond());
      }
      generators.push({ target, iter, ifs });
    }
    return { kind: 'Comp', span: { start, end: this.prevEnd() }, type, elt, value, generators };
  }

  private orTestNoCond(): Expr {
    return this.orTest();
  }

  private atom(): Expr {
    const t = this.tok;
    switch (t.kind) {
      case 'NAME': {
        this.next();
        const span = { start: t.start, end: t.end };
        if (!t.normalized) {
          if (t.text === 'True') return { kind: 'Const', span, value: true };
          if (t.text === 'False') return { kind: 'Const', span, value: false };
          if (t.text === 'None') return { kind: 'Const', span, value: null };
          if (PYTHON_KEYWORDS.has(t.text)) this.fail('invalid syntax', t);
        }
        return { kind: 'Name', span, id: t.text };
      }
      case 'NUMBER':
        this.next();
        return this.number(t);
      case 'STRING':
        return this.strings();
      case 'OP':
        if (t.text === '(') return this.parenthesized();
        if (t.text === '[') return this.listDisplay();
        if (t.text === '{') return this.braceDisplay();
        if (t.text === '...') {
          this.next();
          return { kind: 'Const', span: { start: t.start, end: t.end }, value: 'Ellipsis' };
        }
    }
    if (t.kind === 'INDENT') this.fail('unexpected indent', t);
    this.fail(t.kind === 'EOF' || t.kind === 'NEWLINE' ? 'invalid syntax' : 'invalid syntax', t);
  }

  private number(t: Token): Expr {
    const span = { start: t.start, end: t.end };
    if (PLAIN_INT.test(t.text)) return { kind: 'Num', span, value: smallInt(t.text) };
    let s = t.text.replace(/_/g, '');
    if (!/^(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[jJ]?)$/.test(s))
      this.fail('invalid decimal literal', t);
    if (/[jJ]$/.test(s)) return { kind: 'Num', span, value: Number(s.slice(0, -1)), imaginary: true };
    if (/^0[xXoObB]/.test(s)) return { kind: 'Num', span, value: BigInt(s.toLowerCase()) };
    if (/[.eE]/.test(s)) return { kind: 'Num', span, value: Number(s) };
    if (/^0+[0-9]/.test(s)) {
      if (!/^0+$/.test(s))
        this.fail(
          'leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers',
          t,
        );
      s = '0';
    }
    return { kind: 'Num', span, value: BigInt(s) };
  }

  private strings(): Expr {
    const start = this.tok.start;
    const parts: Expr[] = [];
    let bytes: boolean | undefined;
    while (this.kind() === 'STRING') {
      const t = this.next();
      const st = splitStringToken(t.text, t.start);
      const isBytes = st.prefix.includes('b');
      if (bytes !== undefined && bytes !== isBytes)
        throw new ParseError({ message: 'cannot mix bytes and nonbytes literals', span: { start, end: t.end } });
      bytes = isBytes;
      const raw = st.prefix.includes('r');
      const span = { start: t.start, end: t.end };
      if (st.prefix.includes('f'))
        parts.push({ kind: 'FStr', span, parts: this.fstringParts(st.body, st.bodyStart, raw) });
      else
        parts.push({
          kind: 'Str',
          span,
          value: raw ? st.body : decodeEscapes(st.body, isBytes, st.bodyStart, this.issues),
          bytes: isBytes || undefined,
        });
    }
    const span = { start, end: this.prevEnd() };
    if (parts.length === 1) return parts[0];
    if (parts.every((p) => p.kind === 'Str')) {
      return {
        kind: 'Str',
        span,
        value: parts.map((p) => (p as { value: string }).value).join(''),
        bytes: bytes || undefined,
      };
    }
    return { kind: 'JoinedStr', span, parts };
  }

  /** Splits an f-string body into literal text and fields; field expressions are parsed in place. */
  private fstringParts(body: string, at: number, raw: boolean): FPart[] {
    const parts: FPart[] = [];
    let lit = '';
    let i = 0;
    const flush = () => {
      if (lit) parts.push({ literal: raw ? lit : decodeEscapes(lit, false, at, this.issues) });
      lit = '';
    };
    while (i < body.length) {
      const c = body[i];
      if (c === '{' && body[i + 1] === '{') {
        lit += '{';
        i += 2;
        continue;
      }
      if (c === '}' && body[i + 1] === '}') {
        lit += '}';
        i += 2;
        continue;
      }
      if (c === '}') {
        throw new ParseError({
          message: "f-string: single '}' is not allowed",
          span: { start: at + i, end: at + i + 1 },
        });
      }
      if (c !== '{') {
        lit += c;
        i++;
        continue;
      }
      flush();
      const { part, end } = this.fstringField(body, i + 1, at);
      parts.push(part);
      i = end;
    }
    flush();
    return parts;
  }

  private fstringField(body: string, from: number, at: number): { part: FPart; end: number } {
    // Find the end of the expression: a top-level '!', ':' or '}' outside brackets and strings.
    let depth = 0;
    let i = from;
    let quote = '';
    for (; i < body.length; i++) {
      const c = body[i];
      if (quote) {
        if (c === quote) quote = '';
        continue;
      }
      if (c === "'" || c === '"') quote = c;
      else if ('([{'.includes(c)) depth++;
      else if (')]}'.includes(c) && depth > 0) depth--;
      else if (depth === 0 && (c === '}' || c === ':' || (c === '!' && body[i + 1] !== '='))) break;
    }
    let exprText = body.slice(from, i);
    let selfDoc: string | undefined;
    const eq = /=\s*$/.exec(exprText);
    if (eq && !/[=!<>]=\s*$/.test(exprText)) {
      selfDoc = exprText;
      exprText = exprText.slice(0, eq.index);
    }
    if (!exprText.trim())
      throw new ParseError({
        message: 'f-string: empty expression not allowed',
        span: { start: at + from, end: at + i },
      });
    const expr = parseExpression(exprText, at + from, this.issues);
    const part: FPart = { expr, selfDoc };
    if (body[i] === '!') {
      const conv = body[i + 1];
      if (conv !== 'r' && conv !== 's' && conv !== 'a')
        throw new ParseError({
          message: "f-string: invalid conversion character: expected 's', 'r', or 'a'",
          span: { start: at + i, end: at + i + 2 },
        });
      part.conversion = conv;
      i += 2;
    }
    if (body[i] === ':') {
      // The format spec may hold nested fields: `{x:{width}}`.
      let j = i + 1;
      let d = 0;
      for (; j < body.length; j++) {
        if (body[j] === '{') d++;
        else if (body[j] === '}') {
          if (d === 0) break;
          d--;
        }
      }
      part.spec = this.fstringParts(body.slice(i + 1, j), at + i + 1, true);
      i = j;
    }
    if (body[i] !== '}')
      throw new ParseError({
        message: "f-string: expecting '}'",
        span: { start: at + from - 1, end: at + Math.min(i, body.length) },
      });
    return { part, end: i + 1 };
  }

  private parenthesized(): Expr {
    const open = this.next();
    if (this.isOp(')')) {
      const close = this.next();
      return { kind: 'Tuple', span: { start: open.start, end: close.end }, elts: [], parens: true };
    }
    const first = this.isOp('*') ? this.starred() : this.namedExpr();
    if (this.isKw('for')) {
      const comp = this.comprehension('gen', first, undefined, open.start);
      const close = this.expectOp(')');
      return { ...comp, span: { start: open.start, end: close.end } };
    }
    if (this.isOp(')')) {
      const close = this.next();
      if (first.kind === 'Starred')
        throw new ParseError({ message: 'cannot use starred expression here', span: first.span });
      // Parentheses do not make a tuple: keep the inner node, widen nothing (ranges stay on the value).
      if (first.kind === 'Tuple') return { ...first, span: { start: open.start, end: close.end }, parens: true };
      return first;
    }
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isOp(')')) break;
      elts.push(this.isOp('*') ? this.starred() : this.namedExpr());
    }
    const close = this.expectOp(')');
    return { kind: 'Tuple', span: { start: open.start, end: close.end }, elts, parens: true };
  }

  private listDisplay(): Expr {
    const open = this.next();
    const elts: Expr[] = [];
    if (!this.isOp(']')) {
      const first = this.isOp('*') ? this.starred() : this.namedExpr();
      if (this.isKw('for')) {
        const comp = this.comprehension('list', first, undefined, open.start);
        const close = this.expectOp(']');
        return { ...comp, span: { start: open.start, end: close.end } };
      }
      elts.push(first);
      while (this.isOp(',')) {
        this.next();
        if (this.isOp(']')) break;
        elts.push(this.isOp('*') ? this.starred() : this.namedExpr());
      }
    }
    const close = this.expectOp(']');
    return { kind: 'List', span: { start: open.start, end: close.end }, elts };
  }

  private braceDisplay(): Expr {
    const open = this.next();
    if (this.isOp('}')) {
      const close = this.next();
      return { kind: 'Dict', span: { start: open.start, end: close.end }, items: [] };
    }
    if (this.isOp('**')) return this.dictRest(open, []);
    const firstStart = this.tok.start;
    const first = this.isOp('*') ? this.starred() : this.namedExpr();
    if (this.isOp(':')) {
      this.next();
      const value = this.expression();
      if (this.isKw('for')) {
        const comp = this.comprehension('dict', first, value, open.start);
        const close = this.expectOp('}');
        return { ...comp, span: { start: open.start, end: close.end } };
      }
      const items: DictItem[] = [{ key: first, value, span: { start: firstStart, end: this.prevEnd() } }];
      if (this.isOp(',')) {
        this.next();
        return this.dictRest(open, items);
      }
      const close = this.expectOp('}');
      return { kind: 'Dict', span: { start: open.start, end: close.end }, items };
    }
    if (this.isKw('for')) {
      const comp = this.comprehension('set', first, undefined, open.start);
      const close = this.expectOp('}');
      return { ...comp, span: { start: open.start, end: close.end } };
    }
    const elts = [first];
    while (this.isOp(',')) {
      this.next();
      if (this.isOp('}')) break;
      elts.push(this.isOp('*') ? this.starred() : this.namedExpr());
    }
    const close = this.expectOp('}');
    return { kind: 'Set', span: { start: open.start, end: close.end }, elts };
  }

  private dictRest(open: Token, items: DictItem[]): Expr {
    while (!this.isOp('}')) {
      if (this.isOp('**')) {
        const t = this.next();
        const value = this.bitOr();
        items.push({ unpack: value, span: { start: t.start, end: this.prevEnd() } });
      } else {
        const start = this.tok.start;
        const key = this.expression();
        this.expectOp(':');
        const value = this.expression();
        items.push({ key, value, span: { start, end: this.prevEnd() } });
      }
      if (!this.isOp(',')) break;
      this.next();
    }
    const close = this.expectOp('}');
    return { kind: 'Dict', span: { start: open.start, end: close.end }, items };
  }
}
