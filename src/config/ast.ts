// Syntax tree of the Python subset that OpenMMLab configs use. Every node keeps
// its character span in the (substituted) text so diagnostics and provenance
// point at the exact source.

import type { Span } from './source';

export type Expr =
  | { kind: 'Name'; span: Span; id: string }
  | { kind: 'Num'; span: Span; value: bigint | number; imaginary?: boolean }
  | { kind: 'Str'; span: Span; value: string; bytes?: boolean }
  | { kind: 'FStr'; span: Span; parts: FPart[] }
  | { kind: 'JoinedStr'; span: Span; parts: Expr[] } // implicit concatenation mixing f-strings
  | { kind: 'Const'; span: Span; value: true | false | null | 'Ellipsis' }
  | { kind: 'List'; span: Span; elts: Expr[] }
  | { kind: 'Tuple'; span: Span; elts: Expr[]; parens: boolean }
  | { kind: 'Set'; span: Span; elts: Expr[] }
  | { kind: 'Dict'; span: Span; items: DictItem[] }
  | { kind: 'Starred'; span: Span; value: Expr }
  | { kind: 'Attribute'; span: Span; value: Expr; attr: string; attrSpan: Span }
  | { kind: 'Subscript'; span: Span; value: Expr; index: Expr }
  | { kind: 'Slice'; span: Span; lower?: Expr; upper?: Expr; step?: Expr }
  | { kind: 'Call'; span: Span; func: Expr; args: Arg[] }
  | { kind: 'BinOp'; span: Span; op: string; left: Expr; right: Expr }
  | { kind: 'UnaryOp'; span: Span; op: string; operand: Expr }
  | { kind: 'BoolOp'; span: Span; op: 'and' | 'or'; values: Expr[] }
  | { kind: 'Compare'; span: Span; left: Expr; ops: string[]; comparators: Expr[] }
  | { kind: 'IfExp'; span: Span; test: Expr; body: Expr; orelse: Expr }
  | { kind: 'Lambda'; span: Span; params: Param[]; body: Expr }
  | { kind: 'Comp'; span: Span; type: 'list' | 'set' | 'gen' | 'dict'; elt: Expr; value?: Expr; generators: CompFor[] };

export interface FPart {
  literal?: string;
  expr?: Expr;
  conversion?: 'r' | 's' | 'a';
  spec?: FPart[];
  /** `f"{x=}"` debugging form: the expression text precedes the value. */
  selfDoc?: string;
}

export type DictItem = { key: Expr; value: Expr; span: Span } | { unpack: Expr; span: Span };

export interface Arg {
  span: Span;
  name?: string;
  nameSpan?: Span;
  value: Expr;
  star?: '*' | '**';
}

export interface Param {
  name: string;
  span: Span;
  default?: Expr;
  star?: '*' | '**';
}

export interface CompFor {
  target: Expr;
  iter: Expr;
  ifs: Expr[];
}

export type Stmt =
  | { kind: 'Expr'; span: Span; value: Expr }
  | { kind: 'Assign'; span: Span; targets: Expr[]; value: Expr }
  | { kind: 'AugAssign'; span: Span; target: Expr; op: string; value: Expr }
  | { kind: 'AnnAssign'; span: Span; target: Expr; value?: Expr }
  | { kind: 'Import'; span: Span; names: ImportName[] }
  | { kind: 'ImportFrom'; span: Span; module: string; level: number; names: ImportName[] }
  | { kind: 'Pass'; span: Span }
  | { kind: 'Del'; span: Span; targets: Expr[] }
  | { kind: 'Return'; span: Span; value?: Expr }
  | { kind: 'Assert'; span: Span; test: Expr; msg?: Expr }
  | { kind: 'If'; span: Span; test: Expr; body: Stmt[]; orelse: Stmt[] }
  | { kind: 'For'; span: Span; target: Expr; iter: Expr; body: Stmt[]; orelse: Stmt[] }
  | { kind: 'FunctionDef'; span: Span; name: string; nameSpan: Span; params: Param[]; body: Stmt[] }
  | { kind: 'ClassDef'; span: Span; name: string; nameSpan: Span; body: Stmt[] }
  | { kind: 'Unsupported'; span: Span; what: string };

export interface ImportName {
  name: string;
  asname?: string;
  span: Span;
}

export interface Module {
  body: Stmt[];
}
