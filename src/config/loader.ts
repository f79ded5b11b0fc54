// Loads a config the way MMEngine's `Config.fromfile` does (`_file2dict`):
// substitutions, bases depth-first, the body evaluated with `_base_` bound to
// the merged bases, placeholders filled, the result merged over the bases.
// Each file becomes a FileUnit, cached by content, so after an edit only that
// file and its dependents are evaluated again. Nothing here throws on bad input:
// problems are Diagnostics at file:line:col.

import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Expr, Module, Stmt } from './ast';
import {
  DEFAULT_MAX_CONFIG_BYTES,
  extensionError,
  readConfigFile,
  tooLargeMessage,
  type ConfigFileText,
} from './config-file';
import { escapeControl, type Diagnostic, type Severity } from './diagnostic';
import { EvalError, Evaluator, LoadCancelled } from './evaluator';
import { mergeInto, MergeError } from './merge';
import { parseEach } from './parser';
import { checkRawSyntax, isBaseAssign, startRawSyntaxCheck, type PendingRawSyntax, type RawSyntax } from './raw-syntax';
import type { SyntaxIssue } from './tokenizer';
import { withProvenance, type Provenance, type SpanLocator } from './provenance';
import { applyScope, resolveBase } from './scope';
import { LineIndex, type Range, type Span } from './source';
import { substituteTemplates, TemplateError, TextMap } from './templates';
import {
  AllocationBudget,
  PyDict,
  PyError,
  PyList,
  PyObject,
  PyTuple,
  type PyValue,
  budgetLimit,
  cloneTree,
  repr,
  withBudget,
} from './values';

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
  /**
   * Streamed, templated, with no template in `_base_`: the substituted text has not been
   * parsed yet; the pass that evaluates it checks its syntax (one pass fewer on large files).
   */
  syntaxUnchecked?: boolean;
  /** Prepared with `envPlaceholders` (no environment variable read). */
  envPlaceholders?: boolean;
  /** Top-level `_base_ = ...` statement span, for edits. */
  baseStmt?: Range;
  /** Diagnostics and failure of the text-only stage (parse, bases), kept so a cached unit can be re-evaluated when a base changes. */
  prepared?: { diagnostics: Diagnostic[]; failed: boolean };
  /**
   * Loaded with `keepSyntaxTree: false`: the body was evaluated statement by statement as it
   * was parsed, and `module` holds only the `_base_` statement.
   */
  streamed?: boolean;
}

export interface LoadOptions {
  scopes?: Record<string, string>;
  /** Unsaved editor text by absolute path. */
  overlay?: (file: string) => string | undefined;
  env?: Record<string, string | undefined>;
  /**
   * Keep each file's syntax tree in `FileUnit.module` (default true; the editor's
   * features read it). False evaluates each statement as it is parsed and drops it,
   * so memory does not grow with the tree: what the CLI uses for large configs.
   */
  keepSyntaxTree?: boolean;
  /**
   * Polled while loading (every few thousand evaluation steps and parsed statements):
   * returning true stops the load. The result is then a failed unit with one `cancelled`
   * diagnostic, and nothing half-done is cached. The loader is synchronous, so this is
   * how a caller bounds one load, e.g. `() => Date.now() > deadline`.
   */
  cancelled?: () => boolean;
  /**
   * With `keepSyntaxTree: false`, a text at least this long (default 1 MiB) gets MMEngine's
   * first pass (raw syntax) in a worker thread while this thread substitutes and evaluates;
   * the result is the same. Infinity turns it off; tests set 0 to exercise it.
   */
  parallelSyntaxCheckBytes?: number;
  /**
   * Stop with a MemoryError diagnostic once the values one load builds pass about
   * this many bytes (default DEFAULT_MAX_VALUE_BYTES, 256 MiB; the count is V8's
   * object sizes, approximately): no config can take the process past its memory target.
   */
  maxValueBytes?: number;
  /**
   * Stop with an error once the load has visited this many items inside operations
   * (sum, `in`, ==, str methods, iterating...; default MAX_WORK, 50 million, about two
   * seconds): a short config can otherwise repeat such an operation for hours.
   */
  maxWork?: number;
  /**
   * Refuse files (and editor buffers) larger than this many bytes with a `read-error`
   * diagnostic naming the limit. Default DEFAULT_MAX_CONFIG_BYTES (32 MiB).
   */
  maxFileBytes?: number;
  /** Read no environment variable: `{{$NAME:default}}` becomes a placeholder (untrusted workspaces). */
  envPlaceholders?: boolean;
}

/** From this size on a streamed config's raw syntax pass runs in a worker thread (LoadOptions.parallelSyntaxCheckBytes). */
export const PARALLEL_SYNTAX_CHECK_BYTES = 1024 * 1024;

/** What one load may build (see LoadOptions.maxValueBytes); a 20 MB config of MMYOLO-style dicts needs about 220 MiB. */
export const DEFAULT_MAX_VALUE_BYTES = 256 * 1024 * 1024;

const RESERVED_KEYS = ['filename', 'text', 'pretty_text', 'env_variables'];
const EMPTY: Range = { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } };

function diag(
  file: string,
  range: Range,
  severity: Severity,
  message: string,
  code: string,
  pyType?: string,
): Diagnostic {
  // Messages quote source text and paths: keep them one line wherever they are shown.
  return { file, range, severity, message: escapeControl(message), code, pyType };
}

/** A config's text from the editor overlay or the disk; problems come back as an error, never as an exception or a hang. */
function readConfigText(file: string, opts: LoadOptions): ConfigFileText {
  const maxBytes = opts.maxFileBytes ?? DEFAULT_MAX_CONFIG_BYTES;
  const o = opts.overlay?.(file);
  if (o === undefined) return readConfigFile(file, { maxBytes });
  const ext = extensionError(file);
  if (ext) return { error: ext };
  // UTF-16 length <= UTF-8 length <= 3 x UTF-16 length: count bytes only when it matters.
  if (o.length > maxBytes || (o.length * 3 > maxBytes && Buffer.byteLength(o, 'utf8') > maxBytes)) {
    return {
      error: {
        pyType: 'MemoryError',
        message: tooLargeMessage(Buffer.byteLength(o, 'utf8'), maxBytes),
        code: 'read-error',
      },
    };
  }
  return { text: o };
}

export class ConfigLoader {
  private readonly cache = new Map<string, FileUnit>();
  /** Substituted text from prepare() to the evaluate() that follows it (not kept after). */
  private readonly substituted = new WeakMap<FileUnit, string>();
  /** Raw passes running in a worker, by the unit they are for, until settled. */
  private readonly rawSyntax = new WeakMap<FileUnit, PendingRawSyntax>();
  /** The load in progress's LoadOptions.cancelled (loads are synchronous: one at a time). */
  private cancelled: (() => boolean) | undefined;
  private statements = 0;

  /** Called once per parsed statement: polls `cancelled` every 1024. */
  private checkpoint(): void {
    if ((++this.statements & 1023) === 0 && this.cancelled?.()) throw new LoadCancelled();
  }

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
    // Long operations (sum over a big list in a loop) ask `cancelled` through the budget's work count.
    const cancelled = opts.cancelled;
    const budget = new AllocationBudget(
      opts.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
      cancelled &&
        (() => {
          if (cancelled()) throw new LoadCancelled();
        }),
      opts.maxWork,
    );
    const outer = this.cancelled;
    this.cancelled = opts.cancelled;
    try {
      return withBudget(budget, () => this.unit(abs, opts, session, []));
    } catch (e) {
      if (e instanceof LoadCancelled) {
        const u = this.emptyUnit(abs, '');
        u.failed = true;
        u.diagnostics.push(diag(abs, EMPTY, 'information', 'analysis stopped: the load was cancelled', 'cancelled'));
        return u;
      }
      // Deep expression trees can exhaust the JS stack; that is a property of the input.
      if (!(e instanceof RangeError)) throw e;
      const u = this.emptyUnit(abs, '');
      u.failed = true;
      const { message, pyType } = rangeErrorAsPython(e);
      u.diagnostics.push(diag(abs, EMPTY, 'error', message, 'python-error', pyType));
      return u;
    } finally {
      this.cancelled = outer;
    }
  }

  private unit(file: string, opts: LoadOptions, session: Map<string, FileUnit>, stack: string[]): FileUnit {
    const done = session.get(file);
    if (done) return done;
    const read = readConfigText(file, opts);
    const text = read.text ?? '';
    const cached = this.cache.get(file);
    if (read.error) {
      const u = this.emptyUnit(file, text);
      u.failed = true;
      u.diagnostics.push(diag(file, EMPTY, 'error', read.error.message, read.error.code, read.error.pyType));
      session.set(file, u);
      this.cache.delete(file);
      return u;
    }
    // Reuse the parse of unchanged text, unless a base appeared or disappeared since.
    const missing = (p: string) => !fs.existsSync(p) && !opts.overlay?.(p);
    const reusable =
      cached &&
      cached.text === text &&
      !!cached.streamed === (opts.keepSyntaxTree === false) &&
      !!cached.envPlaceholders === !!opts.envPlaceholders &&
      Object.keys(cached.envUsed).every((k) => (opts.env ?? process.env)[k] === cached.envUsed[k]) &&
      cached.bases.every((b) => !b.resolved || !!b.missing === missing(b.resolved));
    const prepared = reusable ? cached : this.prepare(file, text, opts);
    if (!reusable) prepared.prepared = { diagnostics: [...prepared.diagnostics], failed: prepared.failed };
    // Bases first (depth-first, in list order), so their units are current.
    const baseUnits: FileUnit[] = [];
    const nextStack = [...stack, file];
    let cycle: string | undefined;
    for (const b of prepared.bases) {
      if (!b.resolved || b.missing) continue;
      if (nextStack.includes(b.resolved)) {
        cycle = [...nextStack.slice(nextStack.indexOf(b.resolved)), b.resolved]
          .map((f) => path.basename(f))
          .join(' -> ');
        break;
      }
      baseUnits.push(this.unit(b.resolved, opts, session, nextStack));
    }
    if (
      cached &&
      prepared === cached &&
      !cycle &&
      baseUnits.length === cached.baseUnits.length &&
      baseUnits.every((u, i) => u === cached.baseUnits[i])
    ) {
      session.set(file, cached);
      return cached;
    }
    // Start from the parse stage's findings only: the cached unit's evaluation errors (a base that failed then) must not stick.
    const stage = prepared.prepared ?? { diagnostics: prepared.diagnostics, failed: prepared.failed };
    const u: FileUnit = {
      ...prepared,
      baseUnits,
      diagnostics: [...stage.diagnostics],
      failed: stage.failed,
      mergedBase: undefined,
      own: undefined,
      result: undefined,
    };
    const pending = this.substituted.get(prepared);
    if (pending !== undefined) {
      this.substituted.delete(prepared);
      this.substituted.set(u, pending);
    }
    const raw = this.rawSyntax.get(prepared);
    if (raw) {
      this.rawSyntax.delete(prepared);
      this.rawSyntax.set(u, raw);
    }
    if (cycle && this.failOnSubstitutedSyntax(u)) {
      // The file's own syntax error comes first.
    } else if (cycle) {
      const ref = prepared.bases.find((b) => b.resolved && nextStack.includes(b.resolved))!;
      u.failed = true;
      u.diagnostics.push(
        diag(
          file,
          ref.range,
          'error',
          `inheritance cycle: ${cycle} (MMEngine recurses until RecursionError)`,
          'base-cycle',
          'RecursionError',
        ),
      );
    } else if (!u.failed) this.evaluate(u);
    // Raw syntax errors found meanwhile by a worker win over all of that.
    this.settleRawSyntax(u);
    session.set(file, u);
    this.cache.set(file, u);
    return u;
  }

  private emptyUnit(file: string, text: string): FileUnit {
    return {
      path: file,
      text,
      lines: new LineIndex(text),
      module: { body: [] },
      textMap: new TextMap(),
      bases: [],
      baseUnits: [],
      diagnostics: [],
      failed: false,
      baseVars: new Map(),
      envUsed: {},
    };
  }

  /** Substitutions, parsing and base resolution: everything that depends on this file's text alone. */
  private prepare(file: string, text: string, opts: LoadOptions): FileUnit {
    const u = this.emptyUnit(file, text);
    const at = (span: Span, map: TextMap = u.textMap): Range =>
      u.lines.range({ start: map.toOriginal(span.start), end: map.toOriginal(span.end) });
    const fail = (range: Range, message: string, code: string, pyType: string) => {
      u.failed = true;
      u.diagnostics.push(diag(file, range, 'error', message, code, pyType));
      return u;
    };
    // MMEngine parses the raw text first: templates must already read as Python.
    // Kept whole for the editor; otherwise only the first `_base_` statement survives the pass.
    const keep = opts.keepSyntaxTree !== false;
    const rawBody: Stmt[] = [];
    let firstBase: Stmt | undefined;
    // A large streamed config: the raw pass runs in a worker thread meanwhile, and its
    // verdict is applied when the unit is settled (settleRawSyntax); `_base_` is then found
    // in the substituted text, whose syntax the evaluating pass checks.
    const pending =
      !keep && text.length >= (opts.parallelSyntaxCheckBytes ?? PARALLEL_SYNTAX_CHECK_BYTES)
        ? startRawSyntaxCheck(text)
        : undefined;
    if (pending) this.rawSyntax.set(u, pending);
    else {
      const raw = checkRawSyntax(text, (st) => {
        this.checkpoint();
        if (keep) rawBody.push(st);
        if (isBaseAssign(st)) firstBase ??= st;
      });
      if (this.applyRawSyntax(u, raw, rawBody)) return u;
    }
    let map: TextMap;
    let t: string;
    try {
      const sub = substituteTemplates(text, file, opts.env ?? process.env, opts.envPlaceholders);
      u.envPlaceholders = !!opts.envPlaceholders;
      u.envUsed = sub.envUsed;
      u.baseVars = sub.baseVars;
      map = sub.map;
      t = sub.text;
    } catch (e) {
      if (e instanceof TemplateError)
        return fail(u.lines.range({ start: e.offset, end: e.offset }), e.message, 'template-error', e.pyType);
      throw e;
    }
    u.textMap = map;
    // Where the `_base_` statement's spans are: the substituted text, or the raw one when it came from there.
    let stmtAt = at;
    if (pending) {
      // The first `_base_` of the substituted text, parsed no further than that.
      firstBase = firstBaseStatement(t);
      u.module = { body: firstBase ? [firstBase] : [] };
      u.syntaxUnchecked = true;
    } else if (map.identity) u.module = { body: keep ? rawBody : firstBase ? [firstBase] : [] };
    else if (!keep && (!firstBase || !text.slice(firstBase.span.start, firstBase.span.end).includes('{{'))) {
      // No template in the `_base_` statement: the raw one is the substituted one. The substituted
      // text's syntax is checked by the pass that evaluates it (syntaxUnchecked), a pass saved.
      u.module = { body: [] };
      stmtAt = (span) => u.lines.range(span);
      u.syntaxUnchecked = true;
    } else {
      const body: Stmt[] = [];
      firstBase = undefined;
      const issues = parseEach(t, (st) => {
        this.checkpoint();
        if (keep) body.push(st);
        if (!firstBase && isBaseAssign(st)) {
          firstBase = st;
          if (!keep) body.push(st);
        }
      });
      u.module = { body };
      if (issues.length) {
        this.failWithSyntaxErrors(u, issues);
        return u;
      }
    }
    if (!keep) {
      // A streamed unit keeps neither tree nor substituted text; the text is handed to evaluate() once.
      u.streamed = true;
      if (!map.identity) this.substituted.set(u, t);
    }
    // `_base_ = ...`: the first top-level assignment names the bases.
    const stmt = firstBase as Extract<Stmt, { kind: 'Assign' }> | undefined;
    if (stmt) {
      u.baseStmt = stmtAt(stmt.span);
      const specs = this.baseSpecs(stmt.value, u, stmtAt);
      if (!specs) {
        this.failOnSubstitutedSyntax(u, t);
        return u;
      }
      for (const s of specs) {
        const ref: BaseRef = { spec: s.spec, range: s.range };
        try {
          const r = resolveBase(s.spec, file, opts.scopes ?? {});
          ref.resolved = r.path;
          ref.scope = r.scope;
          if (!fs.existsSync(r.path) && !opts.overlay?.(r.path)) {
            ref.missing = true;
            u.diagnostics.push(
              diag(
                file,
                s.range,
                'error',
                r.scope
                  ? `file "${r.display}" does not exist`
                  : `No such file or directory: '${s.spec}' (looked for ${path.isAbsolute(s.spec) ? r.path : path.relative(path.dirname(file), r.path) || r.path})`,
                'base-missing',
                'FileNotFoundError',
              ),
            );
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
    // MMEngine parses the substituted text before it looks at any base.
    if (u.failed) this.failOnSubstitutedSyntax(u, t);
    return u;
  }

  /**
   * The raw pass's verdict: syntax errors, or a new-style config, replace everything else
   * found about the unit (MMEngine stops there). Returns whether the unit failed so.
   */
  private applyRawSyntax(u: FileUnit, raw: RawSyntax, body: Stmt[] = []): boolean {
    if (!raw.issues.length && !raw.newStyle) return false;
    this.failOnly(
      u,
      raw.issues.length
        ? raw.issues.map((i) => diag(u.path, u.lines.range(i.span), 'error', i.message, 'syntax-error', 'SyntaxError'))
        : [
            diag(
              u.path,
              EMPTY,
              'error',
              'unsupported in configs: new-style (lazy import) configs with `with read_base():` or imports of packages; YOLO Lab reads `_base_`-style configs',
              'unsupported-syntax',
              'NotSupported',
            ),
          ],
    );
    u.module = { body };
    return true;
  }

  /** `u` failed with these diagnostics and nothing else: no bases, no values, and so it is cached. */
  private failOnly(u: FileUnit, diagnostics: Diagnostic[]): void {
    u.diagnostics = diagnostics;
    u.failed = true;
    u.bases = [];
    u.baseUnits = [];
    u.baseStmt = undefined;
    u.syntaxUnchecked = false;
    u.own = u.result = u.mergedBase = undefined;
    u.prepared = { diagnostics: [...diagnostics], failed: true };
  }

  /** Applies a raw pass still running in a worker, once it has answered. */
  private settleRawSyntax(u: FileUnit): void {
    const pending = this.rawSyntax.get(u);
    if (!pending) return;
    this.rawSyntax.delete(u);
    this.applyRawSyntax(u, pending.result());
  }

  /** A syntax error in the substituted text replaces everything else found (MMEngine stops there). */
  private failWithSyntaxErrors(u: FileUnit, issues: SyntaxIssue[]): void {
    const at = (span: Span): Range =>
      u.lines.range({ start: u.textMap.toOriginal(span.start), end: u.textMap.toOriginal(span.end) });
    this.failOnly(
      u,
      issues.map((i) =>
        diag(
          u.path,
          at(i.span),
          'error',
          `${i.message} (after template substitution: a {{...}} template is pasted in as text)`,
          'syntax-error',
          'SyntaxError',
        ),
      ),
    );
  }

  /**
   * For a unit whose substituted text was not parsed yet (syntaxUnchecked): parse it now,
   * and if it has syntax errors, report those instead. Returns whether it had.
   */
  private failOnSubstitutedSyntax(u: FileUnit, text?: string): boolean {
    if (!u.syntaxUnchecked) return false;
    u.syntaxUnchecked = false;
    const issues = parseEach(text ?? this.substitutedText(u), () => this.checkpoint());
    if (!issues.length) return false;
    this.failWithSyntaxErrors(u, issues);
    return true;
  }

  /** The text a streamed unit evaluates: handed over by prepare() once, else substituted again. */
  private substitutedText(u: FileUnit): string {
    const t = this.substituted.get(u);
    if (t !== undefined) return t;
    // The variables read when prepared (and defaults for the others) give the same text again.
    return u.textMap.identity ? u.text : substituteTemplates(u.text, u.path, u.envUsed, u.envPlaceholders).text;
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
    try {
      this.evaluateBody(u);
    } catch (e) {
      // The allocation budget can run out anywhere values are built (copying bases, merging).
      if (!(e instanceof PyError && e.pyType === 'MemoryError')) throw e;
      u.failed = true;
      u.own = u.result = u.mergedBase = undefined;
      u.diagnostics.push(diag(u.path, EMPTY, 'error', e.message, 'python-error', 'MemoryError'));
    }
  }

  private evaluateBody(u: FileUnit): void {
    const file = u.path;
    const at = (span: Span): Range =>
      u.lines.range({ start: u.textMap.toOriginal(span.start), end: u.textMap.toOriginal(span.end) });
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
        if (this.failOnSubstitutedSyntax(u)) return;
        const first = bu.diagnostics.find((d) => d.severity === 'error');
        error(
          ref.range,
          `base '${ref.spec}' cannot be loaded${first ? `: ${path.basename(first.file)}:${first.range.start.line + 1}:${first.range.start.col + 1}: ${first.message}` : ''}`,
          'base-error',
          first?.pyType ?? 'Error',
        );
        return;
      }
      const dup = bu.result.keys().filter((k) => base.has(k));
      if (dup.length) {
        if (this.failOnSubstitutedSyntax(u)) return;
        const keys = '{' + dup.map((k) => repr(k)).join(', ') + '}';
        const where = dup.map((k) => {
          const p = base.entry(k)?.prov;
          return p ? `${path.basename(p.file)}:${p.range.start.line + 1}` : '?';
        });
        error(
          ref.range,
          `Duplicate key is not allowed among bases. Duplicate keys: ${keys} (also set in ${where.join(', ')}; two bases of one file may not define the same top-level key)`,
          'duplicate-base-key',
          'KeyError',
        );
        return;
      }
      const deprecated = bu.diagnostics.find((d) => d.code === 'deprecated-config');
      if (deprecated)
        u.diagnostics.push(
          diag(
            file,
            ref.range,
            'warning',
            `base '${ref.spec}' is deprecated: ${deprecated.message}`,
            'deprecated-config',
            'DeprecationWarning',
          ),
        );
      const copy = applyScope(cloneTree(bu.result), ref.scope) as PyDict;
      for (const e of copy) base.adopt(e);
    }
    // The body, without its `_base_ = ...` statements, with `_base_` bound to the merged bases.
    const { lines, textMap } = u;
    const locator: SpanLocator = {
      file,
      rangeOf: (start, end) => lines.range({ start: textMap.toOriginal(start), end: textMap.toOriginal(end) }),
    };
    const ev = new Evaluator(
      {
        file,
        rangeOf: at,
        locator,
        cancelled: this.cancelled,
        unsupported: (span, what) =>
          u.diagnostics.push(diag(file, at(span), 'warning', `unsupported in configs: ${what}`, 'unsupported-syntax')),
        sourceOf: (span) =>
          u.text.slice(u.textMap.toOriginal(span.start), u.textMap.toOriginal(span.end)).replace(/\s+/g, ' '),
      },
      base,
    );
    try {
      // A streamed unit was checked whole when prepared; now each statement runs as it is parsed and is dropped.
      if (u.streamed) {
        const text = this.substitutedText(u);
        this.substituted.delete(u);
        if (u.syntaxUnchecked) {
          // Syntax errors anywhere win over an evaluation error (MMEngine parses first): after the first
          // failure, keep parsing without evaluating, and drop what the evaluated statements warned.
          let failure: unknown;
          const before = u.diagnostics.length;
          const issues = parseEach(text, (st) => {
            this.checkpoint();
            if (failure !== undefined || isBaseAssign(st)) return;
            try {
              ev.run([st]);
            } catch (e) {
              if (e instanceof LoadCancelled) throw e;
              failure = e;
            }
          });
          u.syntaxUnchecked = false;
          if (issues.length) {
            u.diagnostics.length = before;
            return this.failWithSyntaxErrors(u, issues);
          }
          if (failure !== undefined) throw failure;
        } else parseEach(text, (st) => isBaseAssign(st) || (this.checkpoint(), ev.run([st])));
      } else ev.run(u.module.body.filter((st) => !isBaseAssign(st)));
    } catch (e) {
      if (e instanceof EvalError) {
        const { code, message } = explainEvalError(e, base);
        return error(at(e.span), message, code, e.pyType);
      }
      if (e instanceof RangeError) {
        const { message, pyType } = rangeErrorAsPython(e);
        return error(EMPTY, message, 'python-error', pyType);
      }
      throw e;
    }
    // The module namespace becomes this file's own dict in place (a large config has a million names).
    const own = ev.globals;
    for (const e of own) {
      const k = e.key as string;
      const v = e.value;
      if (
        k === '_base_' ||
        k.startsWith('__') ||
        (v instanceof PyObject && (v.type === 'builtins.module' || v.type === 'builtins.function'))
      )
        own.delete(k);
    }
    if (own.has('_deprecation_')) {
      const info = own.get('_deprecation_');
      const p = own.entry('_deprecation_')!.prov;
      own.delete('_deprecation_');
      let msg = `The config file ${path.basename(file)} will be deprecated in the future.`;
      if (info instanceof PyDict && info.has('expected')) msg += ` Please use ${info.get('expected')} instead.`;
      if (info instanceof PyDict && info.has('reference'))
        msg += ` More information can be found at ${info.get('reference')}`;
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
      const result = mergeInto(own, base) as PyDict;
      for (const e of result) if (typeof e.key === 'string' && e.key.startsWith('__')) result.delete(e.key);
      // `b = [a] * 1000; c = [b] * 1000` is small here but a billion values once written out, which
      // MMEngine's ConfigDict does (it copies nested lists) and so would printing or walking it.
      // The limit follows the allocation budget: written out, each value would cost at least 32 bytes.
      const limit = Math.floor((budgetLimit() ?? DEFAULT_MAX_VALUE_BYTES) / 32);
      const shape = expandedShape(result, limit);
      if (shape.depth > MAX_NESTING) {
        return error(
          EMPTY,
          `the merged config nests lists and dicts more than ${MAX_NESTING} levels deep (MMEngine's ConfigDict conversion would exceed Python's recursion limit)`,
          'python-error',
          'RecursionError',
        );
      }
      if (shape.values > limit) {
        return error(
          EMPTY,
          `the merged config has more than ${limit} values once its shared lists and dicts are written out (MMEngine's ConfigDict copies each of them): too large to load`,
          'python-error',
          'MemoryError',
        );
      }
      // Shares containers with own and mergedBase; nothing mutates them afterwards (children clone).
      u.result = result;
    } catch (e) {
      if (e instanceof MergeError) return error(e.prov?.range ?? EMPTY, e.message, 'dict-over-non-dict', 'TypeError');
      if (e instanceof PyError) return error(EMPTY, e.message, 'python-error', e.pyType);
      throw e;
    }
  }
}

/** Deeper nesting than any config has; printing and walking the tree recurse once per level. */
export const MAX_NESTING = 500;

/**
 * How many values `v` has counting shared containers at every place they appear
 * (stopping past `limit`), and how deeply it nests (stopping past MAX_NESTING).
 * Iterative: the walk itself must not be what runs out of stack.
 */
function expandedShape(v: PyValue, limit: number): { values: number; depth: number } {
  let values = 1;
  let depth = 0;
  const children = (x: PyValue): PyValue[] | undefined =>
    x instanceof PyDict ? x.values() : x instanceof PyList || x instanceof PyTuple ? x.items : undefined;
  const top = children(v);
  if (!top) return { values, depth };
  const stack: PyValue[][] = [top];
  const at: number[] = [0];
  while (stack.length) {
    const items = stack[stack.length - 1];
    const i = at[at.length - 1]++;
    if (i >= items.length) {
      stack.pop();
      at.pop();
      continue;
    }
    if (++values > limit) break;
    const inner = children(items[i]);
    if (inner && inner.length) {
      stack.push(inner);
      at.push(0);
      depth = Math.max(depth, stack.length);
      if (depth > MAX_NESTING) break;
    } else if (inner) depth = Math.max(depth, stack.length + 1);
  }
  return { values, depth };
}

/** A JS RangeError as the Python error it stands for: a too-deep tree or a value past V8's size limits. */
function rangeErrorAsPython(e: RangeError): { message: string; pyType: string } {
  if (/Invalid (string|array|typed array) length|Array buffer allocation failed/i.test(e.message)) {
    return {
      message: 'a value in the config is too large to build (a string or list past what the engine holds)',
      pyType: 'MemoryError',
    };
  }
  return { message: 'config is too deeply nested to evaluate', pyType: 'RecursionError' };
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
function fillTemplates(root: PyValue, vars: Map<string, string>, base: PyDict): PyValue {
  if (!vars.size) return root;
  // One lookup per placeholder: a large config may read the same `{{_base_.x}}` a million times.
  const resolved = new Map<string, { value: PyValue; deps: string[] }>();
  const lookup = (placeholder: string, p?: Provenance): { value: PyValue; deps: string[] } => {
    const known = resolved.get(placeholder);
    if (known) return known;
    const dotted = vars.get(placeholder)!;
    let cur: PyValue = base;
    for (const k of dotted.split('.')) {
      if (!(cur instanceof PyDict) || !cur.has(k)) {
        const err = new PyError(
          'KeyError',
          `${repr(k)}: {{_base_.${dotted}}} names a key the bases do not define`,
        ) as PyError & { prov?: Provenance };
        err.prov = p;
        throw err;
      }
      cur = cur.get(k)!;
    }
    const found = { value: cur, deps: ['_base_.' + dotted] };
    resolved.set(placeholder, found);
    return found;
  };
  const fill = (v: PyValue, prov: Provenance | undefined): PyValue => {
    if (typeof v === 'string') return vars.has(v) ? lookup(v, prov).value : v;
    if (v instanceof PyDict) {
      for (const e of v) {
        if (typeof e.value === 'string' && vars.has(e.value)) {
          const found = lookup(e.value, e.prov);
          e.value = found.value;
          if (e.prov) e.prov = withProvenance(e.prov, { deps: found.deps, via: 'template' });
        } else if (typeof e.value === 'object' && e.value !== null) e.value = fill(e.value, e.prov);
      }
      return v;
    }
    if (v instanceof PyList) {
      for (let i = 0; i < v.items.length; i++) v.items[i] = fill(v.items[i], prov);
      return v;
    }
    if (v instanceof PyTuple) {
      // Tuples are immutable: a new one only when a placeholder was in it.
      let out: PyValue[] | undefined;
      v.items.forEach((x, i) => {
        const y = fill(x, prov);
        if (y !== x) (out ??= [...v.items])[i] = y;
      });
      return out ? new PyTuple(out) : v;
    }
    return v;
  };
  return fill(root, undefined);
}

/** The first top-level `_base_ = ...` of a text, parsing no further than it. */
function firstBaseStatement(text: string): Stmt | undefined {
  const found = { stmt: undefined as Stmt | undefined };
  try {
    parseEach(text, (st) => {
      if (isBaseAssign(st)) {
        found.stmt = st;
        throw found;
      }
    });
  } catch (e) {
    if (e !== found) throw e;
  }
  return found.stmt;
}

/** Top-level names MMEngine refuses in the final config (`Config.__init__`). */
export function reservedKeyError(result: PyDict): { key: string; prov?: Provenance } | undefined {
  for (const k of RESERVED_KEYS) if (result.has(k)) return { key: k, prov: result.entry(k)?.prov };
  return undefined;
}
