// The editor-agnostic state behind the language server: the engine's loader
// (content-cached), unsaved buffers, the workspace index, and the load result
// of each config, recomputed only when the file or one of its bases changed.

import * as path from 'node:path';
import { ConfigLoader, loadConfig, type Diagnostic, type LoadConfigOptions, type LoadResult } from '../config/index';
import {
  chainSize,
  DEFAULT_EDITOR_VALUE_BYTES,
  DEFAULT_MAX_CHAIN_BYTES,
  DEFAULT_MAX_LOAD_MS,
  overBudgetDiagnostic,
  overBudgetResult,
  tooSlowDiagnostic,
} from './analysis-budget';
import { ConfigMatcher, DEFAULT_CONFIG_GLOBS, isUnder } from './config-files';
import { lintDiagnostics } from './lint-bridge';
import { scopeRoots, type ScopeRoot } from './own-scope';
import { WorkspaceIndex } from './workspace-index';

export interface WorkspaceSettings {
  scopes: Record<string, string>;
  configGlobs: readonly string[];
}

export interface Analysis {
  result: LoadResult;
  /** Diagnostics located in this file: the engine's and the lint rules'. */
  diagnostics: Diagnostic[];
  /** The last load of this file that succeeded (for answers while the text is broken). */
  lastGood?: LoadResult;
  /** Set when the config with its bases is over the analysis budget, or its load ran past the time limit: no result. */
  overBudget?: boolean;
}

export interface WorkspaceOptions {
  /** False in an untrusted workspace: environment variables are never read, `{{$NAME:default}}` shows a placeholder. */
  trusted?: boolean;
  /** Configs whose text with all their bases is bigger are not evaluated (see analysis-budget.ts); no one file bigger is read. */
  maxChainBytes?: number;
  /** A load still running after this many milliseconds is stopped (LoadOptions.cancelled). */
  maxLoadMs?: number;
  /** A load that builds more is stopped with a MemoryError (LoadOptions.maxValueBytes). */
  maxValueBytes?: number;
}

export class ConfigWorkspace {
  readonly loader = new ConfigLoader();
  readonly index: WorkspaceIndex;
  private readonly buffers = new Map<string, string>();
  private readonly analyses = new Map<string, Analysis>();
  private readonly lastGood = new Map<string, LoadResult>();
  private settings: WorkspaceSettings = { scopes: {}, configGlobs: DEFAULT_CONFIG_GLOBS };
  /** Every scope root in use, from the settings or a package checked out in the workspace (own-scope.ts). */
  scopeRoots: ScopeRoot[] = [];

  readonly trusted: boolean;
  readonly maxChainBytes: number;
  readonly maxLoadMs: number;
  readonly maxValueBytes: number;

  constructor(
    public roots: string[],
    opts: WorkspaceOptions = {},
  ) {
    this.index = new WorkspaceIndex(new ConfigMatcher(roots));
    this.trusted = opts.trusted ?? true;
    this.maxChainBytes = opts.maxChainBytes ?? DEFAULT_MAX_CHAIN_BYTES;
    this.maxLoadMs = opts.maxLoadMs ?? DEFAULT_MAX_LOAD_MS;
    this.maxValueBytes = opts.maxValueBytes ?? DEFAULT_EDITOR_VALUE_BYTES;
  }

  /**
   * The options of one load in the editor (call it just before loading: the time limit starts
   * now): the workspace's loader, scopes and buffers, and the limits that keep one load from
   * holding up the server. `with` replaces some (a quick fix checks its edit with its own loader).
   */
  loadOptions(with_: Partial<LoadConfigOptions> = {}): LoadConfigOptions {
    const deadline = performance.now() + this.maxLoadMs;
    return {
      loader: this.loader,
      scopes: this.settings.scopes,
      overlay: (f: string) => this.buffers.get(f),
      envPlaceholders: !this.trusted,
      maxFileBytes: this.maxChainBytes,
      maxValueBytes: this.maxValueBytes,
      cancelled: () => performance.now() > deadline,
      ...with_,
    };
  }

  /** Loads `file` in the editor's bounds; a load stopped at the time limit comes back as the reduced service's analysis. */
  private loadBounded(file: string): { result: LoadResult; stopped?: undefined } | { stopped: Analysis } {
    const result = loadConfig(file, this.loadOptions());
    if (!result.diagnostics.some((d) => d.code === 'cancelled')) return { result };
    const d = tooSlowDiagnostic(file, this.maxLoadMs);
    return { stopped: { result: overBudgetResult(file, d), diagnostics: [d], overBudget: true } };
  }

  /** Scope roots resolved against the first workspace folder. */
  configure(settings: Partial<WorkspaceSettings>): void {
    const base = this.roots[0] ?? process.cwd();
    const scopes: Record<string, string> = {};
    for (const [k, v] of Object.entries(settings.scopes ?? {}))
      if (typeof v === 'string') scopes[k] = path.resolve(base, v);
    const globs =
      Array.isArray(settings.configGlobs) && settings.configGlobs.every((g) => typeof g === 'string')
        ? settings.configGlobs
        : DEFAULT_CONFIG_GLOBS;
    this.scopeRoots = scopeRoots(scopes, this.roots);
    for (const s of this.scopeRoots) scopes[s.scope] ??= s.configs;
    this.settings = { scopes, configGlobs: globs };
    this.index.scopes = scopes;
    this.index.matcher = new ConfigMatcher(this.roots, globs);
    // Cached units resolved `scope::` bases with the old roots.
    this.loader.invalidate();
    this.analyses.clear();
  }

  get scopes(): Record<string, string> {
    return this.settings.scopes;
  }

  async scan(progress?: (done: number, total: number) => void): Promise<void> {
    await this.index.scan(this.roots, progress);
  }

  isConfig(file: string): boolean {
    return this.index.has(file) || this.index.matcher.isConfig(file, this.buffers.get(file));
  }

  textOf(file: string): string | undefined {
    return this.buffers.get(file);
  }

  /** An editor buffer opened or edited (text) or closed (undefined). Returns the configs whose answers changed. */
  setBuffer(file: string, text: string | undefined): string[] {
    if (text === undefined) {
      this.buffers.delete(file);
      this.lastGood.delete(file);
    } else this.buffers.set(file, text);
    this.index.update(file, text);
    return this.invalidate(file);
  }

  /** A file changed, appeared or disappeared on disk (outside the editor). */
  fileChanged(file: string): string[] {
    if (!this.buffers.has(file)) this.index.update(file);
    return this.invalidate(file);
  }

  /** A folder was deleted or renamed away: its configs leave the index. Returns the configs whose answers changed. */
  folderRemoved(dir: string): string[] {
    const gone = this.index
      .all()
      .filter((f) => isUnder(f.path, dir))
      .map((f) => f.path);
    this.index.removeUnder(dir);
    return gone.flatMap((f) => this.invalidate(f));
  }

  /** Drops the engine's cached units of files loaded for a one-off question (not open, no answer kept for them). */
  release(files: string[]): void {
    for (const f of files) if (!this.buffers.has(f) && !this.analyses.has(f)) this.loader.invalidate(f);
  }

  /** Forget answers for `file` and everything that inherits from it. */
  invalidate(file: string): string[] {
    const affected = [file, ...this.index.dependents(file)];
    for (const f of affected) this.analyses.delete(f);
    return affected;
  }

  invalidateAll(): void {
    this.analyses.clear();
  }

  /** The engine's load result alone (no lint), for reading other configs' values; over the budget, an empty one. */
  load(file: string): LoadResult {
    const cached = this.analyses.get(file)?.result;
    if (cached) return cached;
    const over = this.overBudget(file);
    if (over) return over.result;
    const loaded = this.loadBounded(file);
    return loaded.stopped ? loaded.stopped.result : loaded.result;
  }

  /** An analysis that evaluated nothing, when the config with its bases is over the budget. */
  private overBudget(file: string): Analysis | undefined {
    const size = chainSize(file, this.index, (f) => this.buffers.get(f));
    if (size.bytes <= this.maxChainBytes) return undefined;
    const d = overBudgetDiagnostic(file, size, this.maxChainBytes);
    return { result: overBudgetResult(file, d), diagnostics: [d], overBudget: true };
  }

  analyze(file: string): Analysis {
    const cached = this.analyses.get(file);
    if (cached) return cached;
    const over = this.overBudget(file);
    if (over) {
      if (this.buffers.has(file)) this.analyses.set(file, over);
      return over;
    }
    const loaded = this.loadBounded(file);
    // Answers are kept for open files only: a references search may load thousands of dependents once.
    const open = this.buffers.has(file);
    if (loaded.stopped) {
      // Kept until the file or a base changes, so each hover does not wait the time limit again.
      if (open) this.analyses.set(file, loaded.stopped);
      return loaded.stopped;
    }
    const result = loaded.result;
    if (result.ok && open) this.lastGood.set(file, result);
    const own = result.diagnostics.filter((d) => d.file === file);
    const analysis: Analysis = {
      result,
      diagnostics: [...own, ...lintDiagnostics(result, file)],
      lastGood: this.lastGood.get(file) ?? (result.ok ? result : undefined),
    };
    if (open) this.analyses.set(file, analysis);
    return analysis;
  }
}
