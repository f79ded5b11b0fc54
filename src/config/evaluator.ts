// Evaluates a config module with Python semantics, without running Python:
// only the subset of docs/config-semantics.md §7 (plus what MMEngine tolerates, with a warning)
// is understood. Every dict entry and top-level name gets its provenance here.

import type { Arg, Expr, FPart, Param, Stmt } from './ast';
import { getAttr, isStdlibModule, makeModule, setAttr } from './attributes';
import { buildDict, callableOf, iterate, makeBuiltins, rangeItems, type Kwargs, type PyCallable } from './builtins';
import { formatSpec } from './format';
import { binaryOp, compare, unaryOp } from './operators';
import { SourceProvenance, SpanTable, type Provenance, type SpanLocator } from './provenance';
import type { Range, Span } from './source';
import {
  PyBytes,
  PyDict,
  PyError,
  PyList,
  PyObject,
  PySet,
  PyTuple,
  type PyValue,
  appendAll,
  BYTES_PER_ITEM,
  charge,
  checkStringLength,
  repr,
  str,
  toInt,
  truthy,
  typeName,
} from './values';

/** An error raised while evaluating, located at the innermost expression. */
export class EvalError extends Error {
  constructor(
    readonly pyType: string,
    message: string,
    readonly span: Span,
  ) {
    super(message);
  }
}

export interface EvalHost {
  file: string;
  rangeOf(span: Span): Range;
  /** A construct docs/config-semantics.md §7 says to diagnose; evaluation goes on as MMEngine would. */
  unsupported(span: Span, what: string): void;
  /** The source text of a span, as written (for messages). */
  sourceOf?(span: Span): string;
  /** When given, provenance keeps offsets and computes ranges on demand through it (large configs). */
  locator?: SpanLocator;
  /** Polled every few thousand steps; true stops the evaluation with LoadCancelled. */
  cancelled?: () => boolean;
}

/** Thrown when the caller's `cancelled()` check says stop (LoadOptions.cancelled). */
export class LoadCancelled extends Error {
  constructor() {
    super('loading was cancelled');
  }
}

class ReturnSignal {
  constructor(readonly value: PyValue) {}
}

class Scope {
  readonly vars = new Map<string, PyValue>();
  constructor(readonly parent?: Scope) {}
  lookup(name: string): PyValue | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the walk starts at this scope
    for (let s: Scope | undefined = this; s; s = s.parent) if (s.vars.has(name)) return s.vars.get(name);
    return undefined;
  }
}

const STEP_LIMIT = 20_000_000;
/** A boxed number or a string's header. */
const BYTES_PER_PRIMITIVE = 24;
/** A SourceProvenance and its four spans. */
const BYTES_PER_PROVENANCE = 64;
/** Shared by every value computed from nothing; never mutated. */
const NO_DEPS: string[] = Object.freeze([]) as unknown as string[];

/** `type(item) in (dict, OrderedDict)` conversion that ConfigDict applies to values assigned into it. */
export function hookValue(v: PyValue): PyValue {
  if (v instanceof PyDict) {
    if (v.configDict) return v;
    const d = new PyDict(true);
    for (const e of v) d.append(e.key, hookValue(e.value), e.prov);
    return d;
  }
  if (v instanceof PyList) return new PyList(v.items.map(hookValue));
  if (v instanceof PyTuple) return new PyTuple(v.items.map(hookValue));
  return v;
}

export class Evaluator {
  /** The module namespace, in Python's insertion order, with provenance per name. */
  readonly globals = new PyDict(false);
  private readonly builtins: Map<string, PyValue>;
  private steps = 0;
  private readonly depsCache = new WeakMap<Expr, string[]>();
  private readonly spans: SpanTable | undefined;
  private readonly keyNames = new Map<string, string>();
  /** Builtin names the module namespace has bound (those lookups must search it first). */
  private readonly shadowed = new Set<string>();
  private readonly dictType: PyValue | undefined;

  constructor(
    private readonly host: EvalHost,
    base: PyDict,
  ) {
    this.builtins = makeBuiltins((f, a, kw) => this.call(f, a, kw ?? []));
    this.spans = host.locator && new SpanTable(host.locator);
    this.dictType = this.builtins.get('dict');
    this.globals.set('_base_', base);
  }

  run(body: Stmt[]): void {
    this.execBlock(body, undefined);
  }

  // ---- statements ----

  private execBlock(body: Stmt[], scope: Scope | undefined): void {
    for (const s of body) this.exec(s, scope);
  }

  private exec(s: Stmt, scope: Scope | undefined): void {
    this.tick(s.span);
    switch (s.kind) {
      case 'Expr':
        this.eval(s.value, scope);
        return;
      case 'Assign': {
        const value = this.eval(s.value, scope);
        for (const t of s.targets) this.assign(t, value, scope, s.value);
        return;
      }
      case 'AugAssign': {
        const cur = this.eval(s.target, scope);
        const rhs = this.eval(s.value, scope);
        let value: PyValue;
        if (s.op === '+' && cur instanceof PyList) {
          appendAll(cur.items, iterate(rhs));
          value = cur;
        } else value = this.located(s.span, () => binaryOp(s.op, cur, rhs));
        this.assign(s.target, value, scope, s.value);
        return;
      }
      case 'AnnAssign':
        if (s.value) this.assign(s.target, this.eval(s.value, scope), scope, s.value);
        return;
      case 'Pass':
        return;
      case 'Import':
        for (const n of s.names) {
          if (!isStdlibModule(n.name))
            this.host.unsupported(
              n.span,
              `import of '${n.name}' (YOLO Lab never imports Python modules; only math, os.path and copy are understood)`,
            );
          const top = n.asname ? n.name : n.name.split('.')[0];
          this.bind(n.asname ?? top, makeModule(n.asname ? n.name : top), scope, n.span);
        }
        return;
      case 'ImportFrom': {
        if (s.level > 0 || !isStdlibModule(s.module)) {
          this.host.unsupported(
            s.span,
            `import from '${'.'.repeat(s.level)}${s.module}' (YOLO Lab never imports Python modules)`,
          );
        }
        const mod = makeModule(s.module);
        for (const n of s.names) {
          if (n.name === '*')
            throw new EvalError('NotSupported', "unsupported in configs: 'from ... import *'", n.span);
          const v = this.located(n.span, () => getAttr(mod, n.name, (f, a, kw) => this.call(f, a, kw ?? [])));
          this.bind(n.asname ?? n.name, v, scope, n.span);
        }
        return;
      }
      case 'Del':
        this.host.unsupported(s.span, "'del' statement");
        for (const t of s.targets) this.del(t, scope);
        return;
      case 'Return':
        if (!scope) throw new EvalError('SyntaxError', "'return' outside function", s.span);
        throw new ReturnSignal(s.value ? this.eval(s.value, scope) : null);
      case 'Assert':
        if (!truthy(this.eval(s.test, scope))) {
          // Python's bare AssertionError has no text; name the assertion instead.
          const msg = s.msg ? str(this.eval(s.msg, scope)) : '';
          const written = this.host.sourceOf?.(s.test.span);
          const what = written
            ? `\`assert ${written.length > 80 ? written.slice(0, 77) + '...' : written}\``
            : 'an assert statement';
          throw new EvalError(
            'AssertionError',
            msg ? `AssertionError: ${msg}` : `AssertionError: ${what} failed`,
            s.span,
          );
        }
        return;
      case 'If':
        if (!scope) this.host.unsupported({ start: s.span.start, end: s.span.start + 2 }, "'if' statement");
        if (truthy(this.eval(s.test, scope))) this.execBlock(s.body, scope);
        else this.execBlock(s.orelse, scope);
        return;
      case 'For': {
        if (!scope) this.host.unsupported({ start: s.span.start, end: s.span.start + 3 }, "'for' statement");
        const src = this.eval(s.iter, scope);
        for (const item of this.located(s.iter.span, () => rangeItems(src) ?? iterate(src))) {
          this.assign(s.target, item, scope, s.iter);
          this.execBlock(s.body, scope);
        }
        if (s.orelse.length) this.execBlock(s.orelse, scope);
        return;
      }
      case 'FunctionDef': {
        this.host.unsupported(s.nameSpan, "'def' (functions are dropped from the config)");
        this.bind(
          s.name,
          this.makeFunction(
            s.name,
            s.params,
            (sc) => {
              try {
                this.execBlock(s.body, sc);
              } catch (e) {
                if (e instanceof ReturnSignal) return e.value;
                throw e;
              }
              return null;
            },
            scope,
          ),
          scope,
          s.nameSpan,
        );
        return;
      }
      case 'ClassDef':
        this.host.unsupported(s.nameSpan, "'class' statement");
        this.bind(s.name, new PyObject('builtins.type', `<class '${s.name}'>`), scope, s.nameSpan);
        return;
      case 'Unsupported':
        throw new EvalError('NotSupported', `unsupported in configs: ${s.what}`, s.span);
    }
  }

  private tick(span: Span): void {
    if (++this.steps > STEP_LIMIT)
      throw new EvalError('NotSupported', 'unsupported in configs: evaluation takes too long (loop too large?)', span);
    if ((this.steps & 4095) === 0 && this.host.cancelled?.()) throw new LoadCancelled();
  }

  private provenance(target: Span, value: Expr | undefined): Provenance {
    const spans = this.spans;
    if (!spans) {
      return {
        file: this.host.file,
        range: this.host.rangeOf(target),
        valueRange: value ? this.host.rangeOf(value.span) : undefined,
        deps: value ? this.deps(value) : undefined,
        via: 'assign',
      };
    }
    charge(BYTES_PER_PROVENANCE);
    const i = spans.add(target.start, target.end, value ? value.span.start : -1, value ? value.span.end : -1);
    return new SourceProvenance(spans, i, value ? this.deps(value) : undefined);
  }

  private bind(name: string, value: PyValue, scope: Scope | undefined, span: Span, valueExpr?: Expr): void {
    if (scope) scope.vars.set(name, value);
    else {
      if (this.builtins.has(name)) this.shadowed.add(name);
      this.globals.set(name, value, this.provenance(span, valueExpr));
    }
  }

  private assign(target: Expr, value: PyValue, scope: Scope | undefined, valueExpr: Expr): void {
    switch (target.kind) {
      case 'Name':
        this.bind(target.id, value, scope, target.span, valueExpr);
        return;
      case 'Attribute': {
        const obj = this.eval(target.value, scope);
        this.located(target.attrSpan, () => setAttr(obj, target.attr));
        (obj as PyDict).set(target.attr, hookValue(value), this.provenance(target.span, valueExpr));
        return;
      }
      case 'Subscript': {
        const obj = this.eval(target.value, scope);
        const key = this.eval(target.index, scope);
        this.located(target.span, () => this.setItem(obj, key, value, this.provenance(target.span, valueExpr)));
        return;
      }
      case 'Tuple':
      case 'List': {
        const items = this.located(valueExpr.span, () => iterate(value));
        const star = target.elts.findIndex((e) => e.kind === 'Starred');
        const n = target.elts.length;
        if (star < 0 && items.length !== n) {
          throw new EvalError(
            'ValueError',
            items.length < n
              ? `not enough values to unpack (expected ${n}, got ${items.length})`
              : `too many values to unpack (expected ${n})`,
            valueExpr.span,
          );
        }
        if (star >= 0 && items.length < n - 1)
          throw new EvalError(
            'ValueError',
            `not enough values to unpack (expected at least ${n - 1}, got ${items.length})`,
            valueExpr.span,
          );
        target.elts.forEach((e, i) => {
          if (star < 0 || i < star) this.assign(e, items[i], scope, valueExpr);
          else if (i === star)
            this.assign(
              (e as { value: Expr }).value,
              new PyList(items.slice(star, items.length - (n - 1 - star))),
              scope,
              valueExpr,
            );
          else this.assign(e, items[items.length - (n - i)], scope, valueExpr);
        });
        return;
      }
    }
    throw new EvalError('SyntaxError', 'cannot assign to expression', target.span);
  }

  private setItem(obj: PyValue, key: PyValue, value: PyValue, prov: Provenance): void {
    if (obj instanceof PyDict) {
      obj.set(key, obj.configDict ? hookValue(value) : value, prov);
      return;
    }
    if (obj instanceof PyList) {
      if (key instanceof PyObject && key.type === 'builtins.slice') {
        const [start, stop] = sliceBounds(key.impl as SliceImpl, obj.items.length);
        const items = iterate(value);
        charge(BYTES_PER_ITEM * items.length);
        obj.items = [...obj.items.slice(0, start), ...items, ...obj.items.slice(Math.max(start, stop))];
        return;
      }
      const i = index(key, obj.items.length, 'list assignment');
      obj.items[i] = value;
      return;
    }
    throw new PyError('TypeError', `'${typeName(obj)}' object does not support item assignment`);
  }

  private del(t: Expr, scope: Scope | undefined): void {
    if (t.kind === 'Name') {
      if (scope?.vars.has(t.id)) scope.vars.delete(t.id);
      else if (!this.globals.delete(t.id)) throw new EvalError('NameError', `name '${t.id}' is not defined`, t.span);
      return;
    }
    if (t.kind === 'Subscript') {
      const obj = this.eval(t.value, scope);
      const key = this.eval(t.index, scope);
      if (obj instanceof PyDict) {
        if (!obj.delete(key)) throw new EvalError('KeyError', repr(key), t.span);
      } else if (obj instanceof PyList)
        obj.items.splice(
          this.located(t.span, () => index(key, obj.items.length, 'list assignment')),
          1,
        );
      else throw new EvalError('TypeError', `'${typeName(obj)}' object doesn't support item deletion`, t.span);
      return;
    }
    if (t.kind === 'Attribute') {
      const obj = this.eval(t.value, scope);
      if (obj instanceof PyDict && obj.configDict && obj.delete(t.attr)) return;
      throw new EvalError('AttributeError', `'${typeName(obj)}' object has no attribute '${t.attr}'`, t.span);
    }
    throw new EvalError('SyntaxError', 'cannot delete expression', t.span);
  }

  private makeFunction(
    name: string,
    params: Param[],
    body: (scope: Scope) => PyValue,
    closure: Scope | undefined,
  ): PyObject {
    const defaults = params.map((p) => (p.default ? this.eval(p.default, closure) : undefined));
    const call: PyCallable = (args, kwargs) => {
      const sc = new Scope(closure);
      let ai = 0;
      params.forEach((p, i) => {
        if (p.star === '*') {
          sc.vars.set(p.name, new PyTuple(args.slice(ai)));
          ai = args.length;
        } else if (p.star === '**') {
          const d = new PyDict(false);
          const named = new Set(params.map((q) => q.name));
          for (const [k, v] of kwargs) if (!named.has(k)) d.set(k, v);
          sc.vars.set(p.name, d);
        } else if (ai < args.length) sc.vars.set(p.name, args[ai++]);
        else {
          const kv = kwargs.find(([k]) => k === p.name);
          if (kv) sc.vars.set(p.name, kv[1]);
          else if (defaults[i] !== undefined) sc.vars.set(p.name, defaults[i]!);
          else throw new PyError('TypeError', `${name}() missing 1 required positional argument: '${p.name}'`);
        }
      });
      if (ai < args.length)
        throw new PyError(
          'TypeError',
          `${name}() takes ${params.length} positional arguments but ${args.length} were given`,
        );
      return body(sc);
    };
    return new PyObject('builtins.function', `<function ${name}>`, { call, name, userFunction: true });
  }

  // ---- expressions ----

  /** Runs fn, pinning a location-less PyError to span. */
  private located<T>(span: Span, fn: () => T): T {
    try {
      return fn();
    } catch (e) {
      if (e instanceof PyError) throw new EvalError(e.pyType, e.message, span);
      throw e;
    }
  }

  eval(e: Expr, scope: Scope | undefined): PyValue {
    try {
      const v = this.evalInner(e, scope);
      // A computed number or string is new memory (`'a' * 10**7`, joins, f-strings, arithmetic): count it.
      // Containers count themselves when built.
      if (
        e.kind === 'BinOp' ||
        e.kind === 'UnaryOp' ||
        e.kind === 'Call' ||
        e.kind === 'FStr' ||
        e.kind === 'JoinedStr'
      ) {
        if (typeof v === 'string') {
          checkStringLength(v.length);
          charge(BYTES_PER_PRIMITIVE + v.length);
        } else if (typeof v === 'bigint' || typeof v === 'number') charge(BYTES_PER_PRIMITIVE);
      }
      return v;
    } catch (err) {
      if (err instanceof PyError) throw new EvalError(err.pyType, err.message, e.span);
      throw err;
    }
  }

  private lookup(name: string, span: Span, scope: Scope | undefined): PyValue {
    const local = scope?.lookup(name);
    if (local !== undefined) return local;
    // A builtin (`dict`, in every line of a config) the file never rebound: skip the search of a
    // namespace that may hold a million names.
    if (!this.shadowed.has(name)) {
      const b = this.builtins.get(name);
      if (b !== undefined) return b;
    }
    const g = this.globals.entry(name);
    if (g) return g.value;
    const b = this.builtins.get(name);
    if (b !== undefined) return b;
    throw new EvalError('NameError', `name '${name}' is not defined`, span);
  }

  private evalInner(e: Expr, scope: Scope | undefined): PyValue {
    switch (e.kind) {
      case 'Name':
        return this.lookup(e.id, e.span, scope);
      case 'Num':
        if (e.imaginary) throw new EvalError('NotSupported', 'unsupported in configs: complex numbers', e.span);
        return e.value;
      case 'Str':
        if (e.bytes) {
          this.host.unsupported(e.span, 'bytes literal');
          return new PyBytes(e.value);
        }
        // Short literals repeat (type names): one string each instead of one per occurrence.
        return e.value.length <= 64 ? this.key(e.value) : e.value;
      case 'FStr':
        return this.fstring(e.parts, scope);
      case 'JoinedStr':
        return e.parts.map((p) => str(this.eval(p, scope))).join('');
      case 'Const':
        if (e.value === 'Ellipsis') return new PyObject('builtins.ellipsis', 'Ellipsis');
        return e.value;
      case 'List':
        return new PyList(this.elements(e.elts, scope));
      case 'Tuple':
        return new PyTuple(this.elements(e.elts, scope));
      case 'Set':
        this.host.unsupported(e.span, 'set literal');
        return new PySet(this.elements(e.elts, scope));
      case 'Dict': {
        const d = new PyDict(false);
        for (const item of e.items) {
          if ('unpack' in item) {
            const src = this.eval(item.unpack, scope);
            if (!(src instanceof PyDict))
              throw new EvalError('TypeError', `'${typeName(src)}' object is not a mapping`, item.unpack.span);
            for (const x of src) d.set(x.key, x.value, x.prov);
          } else {
            const k = this.eval(item.key, scope);
            const v = this.eval(item.value, scope);
            this.located(item.key.span, () => d.set(k, v, this.provenance(item.key.span, item.value)));
          }
        }
        return d;
      }
      case 'Starred':
        throw new EvalError('SyntaxError', "can't use starred expression here", e.span);
      case 'Attribute': {
        const obj = this.eval(e.value, scope);
        return this.located(e.attrSpan, () => getAttr(obj, e.attr, (f, a, kw) => this.call(f, a, kw ?? [])));
      }
      case 'Subscript': {
        const obj = this.eval(e.value, scope);
        const key = this.eval(e.index, scope);
        return this.located(e.span, () => getItem(obj, key));
      }
      case 'Slice': {
        const part = (x?: Expr) => (x ? this.eval(x, scope) : null);
        return new PyObject('builtins.slice', 'slice', {
          lower: part(e.lower),
          upper: part(e.upper),
          step: part(e.step),
        } satisfies SliceImpl);
      }
      case 'Call':
        return this.evalCall(e, scope);
      case 'BinOp': {
        const a = this.eval(e.left, scope);
        const b = this.eval(e.right, scope);
        return this.located(e.span, () => binaryOp(e.op, a, b));
      }
      case 'UnaryOp': {
        const v = this.eval(e.operand, scope);
        return this.located(e.span, () => unaryOp(e.op, v));
      }
      case 'BoolOp': {
        let v: PyValue = null;
        for (const x of e.values) {
          v = this.eval(x, scope);
          if (e.op === 'and' ? !truthy(v) : truthy(v)) return v;
        }
        return v;
      }
      case 'Compare': {
        let left = this.eval(e.left, scope);
        for (let i = 0; i < e.ops.length; i++) {
          const right = this.eval(e.comparators[i], scope);
          if (!this.located(e.span, () => compare(e.ops[i], left, right))) return false;
          left = right;
        }
        return true;
      }
      case 'IfExp':
        return truthy(this.eval(e.test, scope)) ? this.eval(e.body, scope) : this.eval(e.orelse, scope);
      case 'Lambda':
        this.host.unsupported({ start: e.span.start, end: e.span.start + 6 }, 'lambda');
        return this.makeFunction('<lambda>', e.params, (sc) => (this.tick(e.span), this.eval(e.body, sc)), scope);
      case 'Comp':
        return this.comprehension(e, scope);
    }
  }

  private elements(elts: Expr[], scope: Scope | undefined): PyValue[] {
    // Without unpacking the size is known: an exact array (one grown by push keeps 17 slots for 2 items).
    let starred = false;
    for (const x of elts) if (x.kind === 'Starred') starred = true;
    if (!starred) {
      const exact = new Array<PyValue>(elts.length);
      for (let i = 0; i < elts.length; i++) exact[i] = this.eval(elts[i], scope);
      return exact;
    }
    const out: PyValue[] = [];
    for (const x of elts) {
      if (x.kind === 'Starred') {
        const v = this.eval(x.value, scope);
        appendAll(
          out,
          this.located(x.span, () => iterate(v)),
        );
      } else out.push(this.eval(x, scope));
    }
    return out;
  }

  private fstring(parts: FPart[], scope: Scope | undefined): string {
    let out = '';
    for (const p of parts) {
      if (p.literal !== undefined) {
        out += p.literal;
        continue;
      }
      if (!p.expr) continue;
      let v = this.eval(p.expr, scope);
      const spec = p.spec ? this.fstring(p.spec, scope) : '';
      if (p.selfDoc !== undefined) out += p.selfDoc;
      if (p.conversion === 'r' || p.conversion === 'a' || (p.selfDoc !== undefined && !p.conversion && !spec))
        v = repr(v);
      else if (p.conversion === 's') v = str(v);
      out += this.located(p.expr.span, () => formatSpec(v, spec));
    }
    return out;
  }

  /** One string per distinct key name, so a million `type=` keys share one string. */
  private key(name: string): string {
    const known = this.keyNames.get(name);
    if (known !== undefined) return known;
    this.keyNames.set(name, name);
    return name;
  }

  private evalCall(e: Extract<Expr, { kind: 'Call' }>, scope: Scope | undefined): PyValue {
    const f = this.eval(e.func, scope);
    if (f === this.dictType && plainKeywords(e.args)) {
      // `dict(a=1, b=2)`, how config values are born: straight into a dict, each key with its provenance.
      const d = new PyDict(false);
      for (const a of e.args)
        d.set(this.key(a.name!), this.eval(a.value, scope), this.provenance(a.nameSpan ?? a.span, a.value));
      return d;
    }
    const args: PyValue[] = [];
    const kwargs: Kwargs = [];
    const kwProvs: (Provenance | undefined)[] = [];
    const fname = () => callableName(f);
    const isDict = f instanceof PyObject && f.type === 'builtins.type' && (f.impl as { name: string }).name === 'dict';
    // Keyword names seen so far: a Set, so a call with a million keywords stays linear.
    const seen = new Set<string>();
    for (const a of e.args) {
      if (a.star === '*')
        appendAll(
          args,
          this.located(a.span, () => iterate(this.eval(a.value, scope))),
        );
      else if (a.star === '**') {
        const d = this.eval(a.value, scope);
        if (!(d instanceof PyDict))
          throw new EvalError(
            'TypeError',
            `${fname()}() argument after ** must be a mapping, not ${typeName(d)}`,
            a.span,
          );
        for (const x of d) {
          if (typeof x.key !== 'string') throw new EvalError('TypeError', 'keywords must be strings', a.span);
          if (seen.has(x.key))
            throw new EvalError(
              'TypeError',
              `${fname()}() got multiple values for keyword argument '${x.key}'`,
              a.span,
            );
          seen.add(x.key);
          kwargs.push([x.key, x.value]);
          kwProvs.push(x.prov);
        }
      } else if (a.name !== undefined) {
        if (seen.has(a.name))
          throw new EvalError(
            'TypeError',
            `${fname()}() got multiple values for keyword argument '${a.name}'`,
            a.nameSpan ?? a.span,
          );
        seen.add(a.name);
        kwargs.push([a.name, this.eval(a.value, scope)]);
        kwProvs.push(isDict ? this.provenance(a.nameSpan ?? a.span, a.value) : undefined);
      } else args.push(this.eval(a.value, scope));
    }
    // dict(...) is where config values are born: each keyword keeps its provenance.
    if (isDict) {
      const d = this.located(e.span, () => buildDict(args, []));
      kwargs.forEach(([k, v], i) => d.set(k, v, kwProvs[i]));
      return d;
    }
    return this.located(e.span, () => this.call(f, args, kwargs));
  }

  call(f: PyValue, args: PyValue[], kwargs: Kwargs): PyValue {
    const fn = callableOf(f);
    if (!fn) throw new PyError('TypeError', `'${typeName(f)}' object is not callable`);
    return fn(args, kwargs);
  }

  private comprehension(e: Extract<Expr, { kind: 'Comp' }>, scope: Scope | undefined): PyValue {
    const inner = new Scope(scope);
    const out: PyValue[] = [];
    const dict = e.type === 'dict' ? new PyDict(false) : undefined;
    const loop = (gi: number): void => {
      if (gi === e.generators.length) {
        if (dict) {
          const k = this.eval(e.elt, inner);
          const v = this.eval(e.value!, inner);
          this.located(e.elt.span, () => dict.set(k, v, this.provenance(e.elt.span, e.value)));
        } else {
          // Charged as it grows, not only when the list is made at the end.
          charge(BYTES_PER_ITEM);
          out.push(this.eval(e.elt, inner));
        }
        return;
      }
      const g = e.generators[gi];
      // The first iterable is evaluated in the enclosing scope, as Python does.
      const src = this.eval(g.iter, gi === 0 ? scope : inner);
      for (const item of this.located(g.iter.span, () => rangeItems(src) ?? iterate(src))) {
        // A step per item of every generator, kept or filtered out (`for j in ... if 0` loops too).
        this.tick(e.span);
        this.assign(g.target, item, inner, g.iter);
        if (g.ifs.every((c) => truthy(this.eval(c, inner)))) loop(gi + 1);
      }
    };
    loop(0);
    if (dict) return dict;
    if (e.type === 'set') {
      this.host.unsupported(e.span, 'set comprehension');
      return new PySet(out);
    }
    if (e.type === 'gen')
      return new PyObject('builtins.generator', '<generator object <genexpr>>', { items: () => out });
    return new PyList(out);
  }

  /** The names and `_base_.a.b` paths a value expression reads (not descending into nested dicts). */
  deps(e: Expr): string[] {
    // Literals and dict displays (not descended into) read nothing: one shared empty list.
    switch (e.kind) {
      case 'Num':
      case 'Str':
      case 'Const':
      case 'Dict':
        return NO_DEPS;
      case 'Call':
        if (e.func.kind === 'Name' && e.func.id === 'dict') return NO_DEPS;
        break;
      case 'Tuple':
      case 'List':
        if (e.elts.every((x) => x.kind === 'Num' || x.kind === 'Str' || x.kind === 'Const')) return NO_DEPS;
        break;
    }
    const cached = this.depsCache.get(e);
    if (cached) return cached;
    const out = new Set<string>();
    const bound = new Set<string>();
    const visit = (x: Expr | undefined): void => {
      if (!x) return;
      switch (x.kind) {
        case 'Name':
          if (!bound.has(x.id) && !this.builtins.has(x.id)) out.add(x.id);
          return;
        case 'Attribute': {
          const path = attrPath(x);
          if (path && path.startsWith('_base_.')) out.add(path);
          else visit(x.value);
          return;
        }
        case 'Dict':
          return;
        case 'Call':
          if (x.func.kind === 'Name' && x.func.id === 'dict') return;
          visit(x.func);
          x.args.forEach((a) => visit(a.value));
          return;
        case 'Comp':
          for (const g of x.generators) {
            visit(g.iter);
            collectTargets(g.target, bound);
            g.ifs.forEach(visit);
          }
          visit(x.elt);
          visit(x.value);
          return;
        case 'Lambda':
          x.params.forEach((p) => bound.add(p.name));
          visit(x.body);
          return;
        case 'List':
        case 'Tuple':
        case 'Set':
          x.elts.forEach(visit);
          return;
        case 'Starred':
          visit(x.value);
          return;
        case 'Subscript':
          visit(x.value);
          visit(x.index);
          return;
        case 'Slice':
          visit(x.lower);
          visit(x.upper);
          visit(x.step);
          return;
        case 'BinOp':
          visit(x.left);
          visit(x.right);
          return;
        case 'UnaryOp':
          visit(x.operand);
          return;
        case 'BoolOp':
          x.values.forEach(visit);
          return;
        case 'Compare':
          visit(x.left);
          x.comparators.forEach(visit);
          return;
        case 'IfExp':
          visit(x.test);
          visit(x.body);
          visit(x.orelse);
          return;
        case 'FStr':
          x.parts.forEach((p) => visit(p.expr));
          return;
        case 'JoinedStr':
          x.parts.forEach(visit);
          return;
      }
    };
    visit(e);
    const list = [...out];
    this.depsCache.set(e, list);
    return list;
  }
}

/** Only `name=value` arguments (no positional, no unpacking). */
function plainKeywords(args: Arg[]): boolean {
  for (const a of args) if (a.name === undefined || a.star) return false;
  return true;
}

function collectTargets(t: Expr, into: Set<string>): void {
  if (t.kind === 'Name') into.add(t.id);
  else if (t.kind === 'Tuple' || t.kind === 'List') t.elts.forEach((x) => collectTargets(x, into));
  else if (t.kind === 'Starred') collectTargets(t.value, into);
}

export function attrPath(e: Expr): string | undefined {
  if (e.kind === 'Name') return e.id;
  if (e.kind === 'Attribute') {
    const p = attrPath(e.value);
    return p === undefined ? undefined : p + '.' + e.attr;
  }
  return undefined;
}

function callableName(f: PyValue): string {
  if (f instanceof PyObject && f.impl && typeof (f.impl as { name?: unknown }).name === 'string')
    return (f.impl as { name: string }).name;
  return typeName(f);
}

// ---- indexing ----

interface SliceImpl {
  lower: PyValue;
  upper: PyValue;
  step: PyValue;
}

function index(key: PyValue, len: number, what: string): number {
  if (typeof key !== 'bigint' && typeof key !== 'boolean') {
    throw new PyError(
      'TypeError',
      `${what === 'list assignment' ? 'list' : what} indices must be integers or slices, not ${typeName(key)}`,
    );
  }
  let i = Number(toInt(key));
  if (i < 0) i += len;
  if (i < 0 || i >= len) throw new PyError('IndexError', `${what} index out of range`);
  return i;
}

function sliceBounds(s: SliceImpl, len: number): [number, number, number] {
  const num = (v: PyValue, name: string): number | undefined => {
    if (v === null) return undefined;
    if (typeof v !== 'bigint' && typeof v !== 'boolean')
      throw new PyError('TypeError', 'slice indices must be integers or None or have an __index__ method');
    void name;
    return Number(toInt(v));
  };
  const step = num(s.step, 'step') ?? 1;
  if (step === 0) throw new PyError('ValueError', 'slice step cannot be zero');
  const clamp = (v: number | undefined, dflt: number, lo: number, hi: number) => {
    if (v === undefined) return dflt;
    if (v < 0) v += len;
    return Math.max(lo, Math.min(hi, v));
  };
  if (step > 0) return [clamp(num(s.lower, 'start'), 0, 0, len), clamp(num(s.upper, 'stop'), len, 0, len), step];
  return [clamp(num(s.lower, 'start'), len - 1, -1, len - 1), clamp(num(s.upper, 'stop'), -1, -1, len - 1), step];
}

function sliceItems<T>(items: T[], s: SliceImpl): T[] {
  const [start, stop, step] = sliceBounds(s, items.length);
  const out: T[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(items[i]);
  else for (let i = start; i > stop; i += step) out.push(items[i]);
  return out;
}

export function getItem(obj: PyValue, key: PyValue): PyValue {
  const isSlice = key instanceof PyObject && key.type === 'builtins.slice';
  if (obj instanceof PyDict) {
    const e = obj.entry(key);
    if (!e) throw new PyError('KeyError', repr(key));
    return e.value;
  }
  if (obj instanceof PyList)
    return isSlice
      ? new PyList(sliceItems(obj.items, key.impl as SliceImpl))
      : obj.items[index(key, obj.items.length, 'list')];
  if (obj instanceof PyTuple)
    return isSlice
      ? new PyTuple(sliceItems(obj.items, key.impl as SliceImpl))
      : obj.items[index(key, obj.items.length, 'tuple')];
  if (typeof obj === 'string') {
    const chars = [...obj];
    return isSlice ? sliceItems(chars, key.impl as SliceImpl).join('') : chars[index(key, chars.length, 'string')];
  }
  if (obj instanceof PyObject && obj.type === 'builtins.range') {
    const items = iterate(obj);
    if (isSlice) return new PyList(sliceItems(items, key.impl as SliceImpl));
    return items[index(key, items.length, 'range object')];
  }
  throw new PyError('TypeError', `'${typeName(obj)}' object is not subscriptable`);
}
