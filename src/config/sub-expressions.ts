// The direct sub-expressions of an expression, in source order, for walks over the syntax tree
// (hover targets, inlay hints, the trap fix). A walk that treats a kind specially (names bound
// by a lambda or a comprehension, a call's callee) handles it before falling back to this.
import type { Expr, FPart } from './ast';

function fstringParts(parts: FPart[]): Expr[] {
  return parts.flatMap((p) => [...(p.expr ? [p.expr] : []), ...fstringParts(p.spec ?? [])]);
}

export function subExpressions(e: Expr): Expr[] {
  switch (e.kind) {
    case 'FStr':
      return fstringParts(e.parts);
    case 'JoinedStr':
      return e.parts;
    case 'List':
    case 'Tuple':
    case 'Set':
      return e.elts;
    case 'Dict':
      return e.items.flatMap((it) => ('unpack' in it ? [it.unpack] : [it.key, it.value]));
    case 'Starred':
      return [e.value];
    case 'Subscript':
      return [e.value, e.index];
    case 'Slice':
      return [e.lower, e.upper, e.step].filter((x): x is Expr => !!x);
    case 'Call':
      return [e.func, ...e.args.map((a) => a.value)];
    case 'BinOp':
      return [e.left, e.right];
    case 'UnaryOp':
      return [e.operand];
    case 'BoolOp':
      return e.values;
    case 'Compare':
      return [e.left, ...e.comparators];
    case 'IfExp':
      return [e.test, e.body, e.orelse];
    case 'Attribute':
      return [e.value];
    case 'Lambda':
      return [...e.params.flatMap((p) => (p.default ? [p.default] : [])), e.body];
    case 'Comp':
      // The loop targets are bindings, not reads.
      return [e.elt, ...(e.value ? [e.value] : []), ...e.generators.flatMap((g) => [g.iter, ...g.ifs])];
    default:
      return [];
  }
}
