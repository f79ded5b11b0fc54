// Loads a config the way MMEngine's `Config.fromfile` does (`_file2dict`):
// substitutions, bases depth-first, the body evaluated with `_base_` bound to
// the merged bases, placeholders filled, the result merged over the bases.
// Each file becomes a FileUnit, cached by content, so after an edit only that
// file and its dependents are evaluated again. Nothing here throws on bad input:
// problems are Diagnostics at file:line:col.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Expr, Module, Stmt } from './ast';
import type { Diagnostic, Severity } from './diagnostic';
import { EvalError, Evaluator } from './evaluator';
import { mergeInto, MergeError } from './merge';
import { parse } from './parser';
import type { Provenance } from './provenance';
import { applyScope, resolveBase } from './scope';
import { LineIndex, type Range, type Span } from './source';
import { substituteBaseVars, substituteEnv, substitutePredefined, TemplateError, TextMap } from './templates';
import { PyDict, PyError, PyList, PyObject, PyTuple, type PyValue, cloneTree, repr } from './values';

export interface BaseRef {
  /** The string as written in `_base_`. */
  spec: string;
  /** Range of the string literal in this file (when it is a literal). */
  range: Range;
  resolved?: string;
  scope?: string;
  /** The resolved file does not exist. */
  missing?: boolean;
}

export interface FileUnit {
  path: string;
  text: string;
  lines: LineIndex;
  module: Module;
  textMap: TextMap;
  bases: BaseRef[];
  baseUnits: FileUnit[];
  /** The `_base_` binding after this file's body ran (bases merged, plus assignments into `_base_`). */
  mergedBase?: PyDict;
  /** This file's own top-level names, placeholders filled, before merging. */
  own?: PyDict;
  /** This file merged over its bases. */
  result?: PyDict;
  /** Syntax errors, evaluation errors, warnings: all located in this file. */
  diagnostics: Diagnostic[];
  /** Set when this file (or a base) failed: the result is missing. */
  failed: boolean;
  /** Placeholder -> `_base_` path of the `{{_base_.x}}` templates in this file. */
  baseVars: Map<string, string>;
  envUsed: Record<string, string>;
  /** Top-level `_base_ = ...` statement span, for edits. */
  baseStmt?: Range;
  /** Diagnostics and failure of the text-only stage (parse, bases), kept so a cached unit can be re-evaluated when a base changes. */
  prepared?: { diagnostics: Diagnostic[]; failed: boolean };
}

export interface LoadOptions {
  scopes?: Record<string, string>;
  /** Unsaved editor text by absolute path. */
  overlay?: (file: string) => string | undefined;
  env?: Record<string, string | undefined>;
  /** Read no environment variable: `{{$NAME:default}}` becomes a placeholder (untrusted workspaces). */
  envPlaceholders?: boolean;
}

const RESERVED_KEYS = ['filename', 'text', 'pretty_text', 'env_variables'];
const EMPTY: Range = { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };

function diag(file: string, range: Range, severity: Severity, message: string, code: string, pyType?: string): Diagnostic {
  return { file, range, severity, message, code, pyType };
}

/** Reads a config file; problems come back as a Diagnostic, never as an exception. */
function readConfigText(file: string, overlay?: (f: string) => string | undefined): { text?: string; error?: { pyType: string; message: string } } {
  const o = overlay?.(file);
  if (o !== undefined) return { text: o };
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch {
    return { error: { pyType: 'FileNotFoundError', message: 'No such file or directory' } };
  }
  if (st.isDirectory()) return { error: { pyType: 'IsADirectoryError', message: 'Is a directory, not a config file' } };
  if (st.size > 64 * 1024 * 1024) return { error: { pyType: 'ValueError', message: `file is too large for a config (${st.size} bytes)` } };
  const buf = fs.readFileSync(file);
  if (buf.includes(0)) return { error: { pyType: 'SyntaxError', message: 'source code cannot contain null bytes (is this a binary file?)' } };
  const text = new TextDecoder('utf-8', { fatal: false }).decode(buf);
  if (text.includes('\uFFFD') && !buf.toString('latin1').includes('\uFFFD')) {
    return { error: { pyType: 'UnicodeDecodeError', message: "'utf-8' codec can't decode the file: it is not UTF-8 text" } };
  }
  return { text: text.startsWith('\uFEFF') ? text.slice(1) : text };
}

export class ConfigLoader {
  private readonly cache = new Map<string, FileUnit>();

  /** Forget cached units (all, or one file). */
  invalidate(file?: string): void {
    if (file) this.cache.delete(path.resolve(file));
    else this.cache.clear();
  }

  cached(file: string): FileUnit | undefined {
    return this.cache.get(path.resolve(file));
  }

  /** Loads `file` and everything it inherits; returns its unit (result set unless failed). */
  loadUnit(file: string, opts: LoadOptions = {}): FileUnit {
    const session = new Map<string, FileUnit>();
    const abs = path.resolve(file);
    try {
      return this.unit(abs, opts, session, []);
    } catch (e) {
      // Deep expression trees can exhaust the JS stack; that is a property of the input.
      if (!(e instanceof RangeError)) throw e;
      const u = this.emptyUnit(abs, '');
      u.failed = true;
      u.diagnostics.push(diag(abs, EMPTY, 'error', 'config is too deeply nested to evaluate', 'python-error', 'RecursionError'));
      return u;
    }
  }

  private unit(file: string, opts: LoadOptions, session: Map<string, FileUnit>, stack: string[]): FileUnit {
    const done = session.get(file);
    if (done) return done;
    const read = readConfigText(file, opts.overlay);
    const text = read.text ?? '';
    const cached = this.cache.get(file);
    if (read.error) {
      const u = this.emptyUnit(file, text);
      u.failed = true;
      u.diagnostics.push(diag(file, EMPTY, 'error', read.error.message, read.error.pyType === 'FileNotFoundError' ? 'base-missing' : 'read-error', read.error.pyType));
      session.set(file, u);
      this.cache.delete(file);
      return u;
    }
    // Reuse the parse of unchanged text, unless a base appeared or disappeared since.
    const missing = (p: string) => !fs.existsSync(p) && !opts.overlay?.(p);
    const reusable = cached && cached.text === text && Object.keys(cached.envUsed).every((k) => (opts.env ?? process.env)[k] === cached.envUsed[k]) && cached.bases.every((b) => !b.resolved || !!b.missing === missing(b.resolved));
    const prepared = reusable ? cached : this.prepare(file, text, opts);
    if (!reusable) prepared.prepared = { diagnostics: [...prepared.diagnostics], failed: prepared.failed };
    // Bases first (depth-first, in list order), so their units are current.
    const baseUnits: FileUnit[] = [];
    const nextStack = [...stack, file];
    let cycle: string | undefined;
    for (const b of prepared.bases) {
      if (!b.resolved || b.missing) continue;
      if (nextStack.includes(b.resolved)) {
        cycle = [...nextStack.slice(nextStack.indexOf(b.resolved)), b.resolved].map((f) => path.basename(f)).join(' -> ');
        break;
      }
      baseUnits.push(this.unit(b.resolved, opts, session, nextStack));
    }
    if (cached && prepared === cached && !cycle && baseUnits.length === cached.baseUnits.length && baseUnits.every((u, i) => u === cached.baseUnits[i])) {
      session.set(file, cached);
      return cached;
    }
    // Start from the parse stage's findings only: the cached unit's evaluation errors (a base that failed then) must not stick.
    const stage = prepared.prepared ?? { diagnostics: prepared.diagnostics, failed: prepared.failed };
    const u: FileUnit = { ...prepared, baseUnits, diagnostics: [...stage.diagnostics], failed: stage.failed, mergedBase: undefined, own: undefined, result: undefined };
    if (cycle) {
      const ref = prepared.bases.find((b) => b.resolved && nextStack.includes(b.resolved))!;
      u.failed = true;
      u.diagnostics.push(diag(file, ref.range, 'error', `inheritance cycle: ${cycle} (MMEngine recurses until RecursionError)`, 'base-cycle', 'RecursionError'));
    } else if (!u.failed) this.evaluate(u);
    session.set(file, u);
    this.cache.set(file, u);
    return u;
  }

  private emptyUnit(file: string, text: string): FileUnit {
    return { path: file, text, lines: new LineIndex(text), module: { body: [] }, textMap: new TextMap(), bases: [], baseUnits: [], diagnostics: [], failed: false, baseVars: new Map(), envUsed: {} };
  }

  /** Substitutions, parsing and base resolution: everything that depends on this file's text alone. */
  private prepare(file: string, text: string, opts: LoadOptions): FileUnit {
    const u = this.emptyUnit(file, text);
    const at = (span: Span, map: TextMap = u.textMap): Range => u.lines.range({ start: map.toOriginal(span.start), end: map.toOriginal(span.end) });
    const fail = (range: Range, message: string, code: string, pyType: string) => {
      u.failed = true;
      u.diagnostics.push(diag(file, range, 'error', message, code, pyType));
      return u;
    };
    if (path.extname(file) !== '.py') return fail(EMPTY, `only Python configs (.py) are supported, not '${path.extname(file) || 'no extension'}'`, 'read-error', 'OSError');
    // MMEngine parses the raw text first: templates must already read as Python.
    const raw = parse(text);
    if (raw.issues.length) {
      for (const i of raw.issues) u.diagnostics.push(diag(file, u.lines.range(i.span), 'error', i.message, 'syntax-error', 'SyntaxError'));
      u.module = raw.module;
      u.failed = true;
      return u;
    }
    if (isNewStyleConfig(raw.module)) {
      return fail(EMPTY, 'unsupported in configs: new-style (lazy import) configs with `with read_base():` or imports of packages; YOLO Lab reads `_base_`-style configs', 'unsupported-syntax', 'NotSupported');
    }
    let map: TextMap;
    let t: string;
    try {
      const pre = substitutePredefined(text, file);
      const env = substituteEnv(pre.text, pre.map, opts.env ?? process.env, opts.envPlaceholders);
      u.envUsed = env.used;
      const bv = substituteBaseVars(env.text, env.map);
      u.baseVars = bv.vars;
      map = bv.map;
      t = bv.text;
    } catch (e) {
      if (e instanceof TemplateError) return fail(u.lines.range({ start: e.offset, end: e.offset }), e.message, 'template-error', e.pyType);
      throw e;
    }
    u.textMap = map;
    const parsed = map.identity ? raw : parse(t);
    u.module = parsed.module;
    if (parsed.issues.length) {
      for (const i of parsed.issues) {
        u.diagnostics.push(diag(file, at(i.span), 'error', `${i.message} (after template substitution: a {{...}} template is pasted in as text)`, 'syntax-error', 'SyntaxError'));
      }
      u.failed = true;
      return u;
    }
    // `_base_ = ...`: the first top-level assignment names the bases.
    const stmt = u.module.body.find((s): s is Extract<Stmt, { kind: 'Assign' }> => s.kind === 'Assign' && s.targets[0].kind === 'Name' && s.targets[0].id === '_base_');
    if (stmt) {
      u.baseStmt = at(stmt.span);
      const specs = this.baseSpecs(stmt.value, u, at);
      if (!specs) return u;
      for (const s of specs) {
        const ref: BaseRef = { spec: s.spec, range: s.range };
        try {
          const r = resolveBase(s.spec, file, opts.scopes ?? {});
          ref.resolved = r.path;
          ref.scope = r.scope;
          if (!fs.existsSync(r.path) && !opts.overlay?.(r.path)) {
            ref.missing = true;
            u.diagnostics.push(diag(file, s.range, 'error', r.scope ? `file "${r.display}" does not exist` : `No such file or directory: '${s.spec}' (looked for ${path.relative(path.dirname(file), r.path) || r.path})`, 'base-missing', 'FileNotFoundError'));
            u.failed = true;
          }
        } catch (e) {
          if (!(e instanceof PyError)) throw e;
          u.diagnostics.push(diag(file, s.range, 'error', e.message, 'scope-error', e.pyType));
          u.failed = true;
        }
        u.bases.push(ref);
      }
    }
    return u;
  }

  private baseSpecs(value: Expr, u: FileUnit, at: (s: Span) => Range): { spec: string; range: Range }[] | undefined {
    const one = (e: Expr): { spec: string; range: Range } | undefined => {
      if (e.kind === 'Str' && !e.bytes) return { spec: e.value, range: at(e.span) };
      return undefined;
    };
    const bad = (e: Expr, msg: string) => {
      u.diagnostics.push(diag(u.path, at(e.span), 'error', msg, 'base-invalid', 'TypeError'));
      u.failed = true;
      return undefined;
    };
    if (value.kind === 'List') {
      const out: { spec: string; range: Range }[] = [];
      for (const e of value.elts) {
        const s = one(e);
        if (!s) return bad(e, '`_base_` entries must be string literals naming config files');
        out.push(s);
      }
      return out;
    }
    const s = one(value);
    if (!s) return bad(value, '`_base_` must be a string or a list of strings naming config files');
    return [s];
  }

  /** Runs the body over the merged bases and merges the result; errors become diagnostics. */
  private evaluate(u: FileUnit): void {
    const file = u.path;
    const at = (span: Span): Range => u.lines.range({ start: u.textMap.toOriginal(span.start), end: u.textMap.toOriginal(span.end) });
    const error = (range: Range, message: string, code: string, pyType: string) => {
      u.failed = true;
      u.diagnostics.push(diag(file, range, 'error', message, code, pyType));
    };
    // Bases: each must have loaded; no key may come from two of them.
    const base = new PyDict(true);
    for (let i = 0; i < u.baseUnits.length; i++) {
      const bu = u.baseUnits[i];
      const ref = u.bases.filter((b) => b.resolved)[i];
      if (bu.failed || !bu.result) {
        const first = bu.diagnostics.find((d) => d.severity === 'error');
        error(ref.range, `base '${ref.spec}' cannot be loaded${first ? `: ${path.basename(first.file)}:${first.range.start.line + 1}:${first.range.start.col + 1}: ${first.message}` : ''}`, 'base-error', first?.pyType ?? 'Error');
        return;
      }
      const dup = bu.result.keys().filter((k) => base.has(k));
      if (dup.length) {
        const keys = '{' + dup.map((k) => repr(k)).join(', ') + '}';
        const where = dup.map((k) => {
          const p = base.entry(k)?.prov;
          return p ? `${path.basename(p.file)}:${p.range.start.line + 1}` : '?';
        });
        error(ref.range, `Duplicate key is not allowed among bases. Duplicate keys: ${keys} (also set in ${where.join(', ')}; two bases of one file may not define the same top-level key)`, 'duplicate-base-key', 'KeyError');
        return;
      }
      const deprecated = bu.diagnostics.find((d) => d.code === 'deprecated-config');
      if (deprecated) u.diagnostics.push(diag(file, ref.range, 'warning', `base '${ref.spec}' is deprecated: ${deprecated.message}`, 'deprecated-config', 'DeprecationWarning'));
      const copy = applyScope(cloneTree(bu.result), ref.scope) as PyDict;
      for (const e of copy) base.set(e.key, e.value, e.prov);
    }
    // The body, without its `_base_ = ...` statement, with `_base_` bound to the merged bases.
    const body = u.module.body.filter((s) => !(s.kind === 'Assign' && s.targets[0].kind === 'Name' && s.targets[0].id === '_base_'));
    const ev = new Evaluator(
      {
        file,
        rangeOf: at,
        unsupported: (span, what) => u.diagnostics.push(diag(file, at(span), 'warning', `unsupported in configs: ${what}`, 'unsupported-syntax')),
      },
      base,
    );
    try {
      ev.run(body);
    } catch (e) {
      if (e instanceof EvalError) {
        const { code, message } = explainEvalError(e, base);
        return error(at(e.span), message, code, e.pyType);
      }
      if (e instanceof RangeError) return error(EMPTY, 'config is too deeply nested to evaluate', 'python-error', 'RecursionError');
      throw e;
    }
    const own = new PyDict(false);
    for (const e of ev.globals) {
      const k = e.key as string;
      if (k === '_base_' || k.startsWith('__')) continue;
      const v = e.value;
      if (v instanceof PyObject && (v.type === 'builtins.module' || v.type === 'builtins.function')) continue;
      own.set(k, v, e.prov);
    }
    if (own.has('_deprecation_')) {
      const info = own.get('_deprecation_');
      const p = own.entry('_deprecation_')!.prov;
      own.delete('_deprecation_');
      let msg = `The config file ${path.basename(file)} will be deprecated in the future.`;
      if (info instanceof PyDict && info.has('expected')) msg += ` Please use ${info.get('expected')} instead.`;
      if (info instanceof PyDict && info.has('reference')) msg += ` More information can be found at ${info.get('reference')}`;
      u.diagnostics.push(diag(file, p?.range ?? EMPTY, 'warning', msg, 'deprecated-config', 'DeprecationWarning'));
    }
    // `{{_base_.x}}` placeholders become the base's values (whole values only).
    try {
      fillTemplates(own, u.baseVars, base);
    } catch (e) {
      if (e instanceof PyError) {
        const p = (e as PyError & { prov?: Provenance }).prov;
        return error(p?.valueRange ?? p?.range ?? EMPTY, e.message, 'template-error', e.pyType);
      }
      throw e;
    }
    u.own = own;
    u.mergedBase = base;
    try {
      const merged = mergeInto(cloneTree(own, false) as PyDict, base) as PyDict;
      const result = new PyDict(true);
      for (const e of merged) if (!(typeof e.key === 'string' && e.key.startsWith('__'))) result.set(e.key, e.value, e.prov);
      // Shares containers with mergedBase; nothing mutates either afterwards (children clone).
      u.result = result;
    } catch (e) {
      if (e instanceof MergeError) return error(e.prov?.range ?? EMPTY, e.message, 'dict-over-non-dict', 'TypeError');
      if (e instanceof PyError) return error(EMPTY, e.message, 'python-error', e.pyType);
      throw e;
    }
  }
}

/** Rule id and a hint for the evaluation errors users hit most. */
function explainEvalError(e: EvalError, base: PyDict): { code: string; message: string } {
  if (e.pyType === 'NotSupported') return { code: 'unsupported-syntax', message: e.message };
  if (e.pyType === 'AttributeError' && e.message.startsWith("'ConfigDict' object has no attribute")) {
    return { code: 'undefined-base-attr', message: `${e.message} (not defined by the bases of this config)` };
  }
  const name = /^name '(\w+)' is not defined$/.exec(e.message)?.[1];
  if (e.pyType === 'NameError' && name && base.has(name)) {
    return { code: 'python-error', message: `${e.message}: names from a base are read as _base_.${name}` };
  }
  return { code: 'python-error', message: e.message };
}

/** MMEngine's `_substitute_base_vars`: whole string values equal to a placeholder take the base value. */
function fillTemplates(v: PyValue, vars: Map<string, string>, base: PyDict, prov?: Provenance): PyValue {
  if (!vars.size) return v;
  const lookup = (placeholder: string, p?: Provenance): PyValue => {
    let cur: PyValue = base;
    for (const k of vars.get(placeholder)!.split('.')) {
      if (!(cur instanceof PyDict) || !cur.has(k)) {
        const err = new PyError('KeyError', `${repr(k)}: {{_base_.${vars.get(placeholder)}}} names a key the bases do not define`) as PyError & { prov?: Provenance };
        err.prov = p;
        throw err;
      }
      cur = cur.get(k)!;
    }
    return cur;
  };
  if (typeof v === 'string' && vars.has(v)) return lookup(v, prov);
  if (v instanceof PyDict) {
    for (const e of v) {
      if (typeof e.value === 'string' && vars.has(e.value)) {
        const placeholder = e.value;
        e.value = lookup(placeholder, e.prov);
        if (e.prov) e.prov = { ...e.prov, deps: ['_base_.' + vars.get(placeholder)], via: 'template' };
      } else e.value = fillTemplates(e.value, vars, base, e.prov);
    }
    return v;
  }
  if (v instanceof PyList) {
    v.items = v.items.map((x) => fillTemplates(x, vars, base, prov));
    return v;
  }
  if (v instanceof PyTuple) return new PyTuple(v.items.map((x) => fillTemplates(x, vars, base, prov)));
  return v;
}

/** MMEngine's `_is_lazy_import`: `with read_base()` or an import of a non-stdlib module before `_base_`. */
function isNewStyleConfig(m: Module): boolean {
  for (const s of m.body) {
    if (s.kind === 'Assign' && s.targets[0].kind === 'Name' && s.targets[0].id === '_base_') return false;
    if (s.kind === 'Unsupported' && s.what === "'with' statement") return true;
    if (s.kind === 'ImportFrom' && s.level > 0) return true;
  }
  return false;
}

/** Top-level names MMEngine refuses in the final config (`Config.__init__`). */
export function reservedKeyError(result: PyDict): { key: string; prov?: Provenance } | undefined {
  for (const k of RESERVED_KEYS) if (result.has(k)) return { key: k, prov: result.entry(k)?.prov };
  return undefined;
}

