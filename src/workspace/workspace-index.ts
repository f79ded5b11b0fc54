// Every config of the workspace and who inherits from whom. Kept current by
// `update`/`remove` calls (editor edits and the file watcher); answers
// "which configs depend on this base" without loading them.

import { readBaseSpecs, type BaseSpec } from './base-refs';
import { ConfigMatcher, isUnder, listPythonFiles, readRegularFile } from './config-files';

export interface IndexedFile {
  path: string;
  bases: BaseSpec[];
}

export class WorkspaceIndex {
  private readonly files = new Map<string, IndexedFile>();
  /** base path -> configs naming it directly in `_base_`. */
  private readonly children = new Map<string, Set<string>>();

  constructor(
    public matcher: ConfigMatcher,
    public scopes: Record<string, string> = {},
  ) {}

  get size(): number {
    return this.files.size;
  }

  has(file: string): boolean {
    return this.files.has(file);
  }

  get(file: string): IndexedFile | undefined {
    return this.files.get(file);
  }

  all(): IndexedFile[] {
    return [...this.files.values()];
  }

  /** Scans the roots; `progress(done, total)` is called as it goes. Yields to the event loop between batches. */
  async scan(roots: string[], progress?: (done: number, total: number) => void): Promise<void> {
    const list = listPythonFiles(roots);
    for (let i = 0; i < list.length; i++) {
      this.update(list[i]);
      if (i % 200 === 199) {
        progress?.(i + 1, list.length);
        await new Promise((r) => setImmediate(r));
      }
    }
    progress?.(list.length, list.length);
  }

  /** (Re)reads one file, from `text` when given (an editor buffer), else from disk. Returns whether it is a config. */
  update(file: string, text?: string): boolean {
    text ??= readRegularFile(file);
    if (text === undefined) {
      this.remove(file);
      return false;
    }
    if (!this.matcher.isConfig(file, text)) {
      this.remove(file);
      return false;
    }
    this.unlink(file);
    const entry: IndexedFile = { path: file, bases: readBaseSpecs(file, text, this.scopes) };
    this.files.set(file, entry);
    for (const b of entry.bases) {
      if (!b.resolved) continue;
      let s = this.children.get(b.resolved);
      if (!s) this.children.set(b.resolved, (s = new Set()));
      s.add(file);
    }
    return true;
  }

  remove(file: string): void {
    this.unlink(file);
    this.files.delete(file);
  }

  /** Removes every indexed file under a folder (a deleted or renamed folder). */
  removeUnder(dir: string): void {
    for (const f of [...this.files.keys()]) if (isUnder(f, dir)) this.remove(f);
  }

  private unlink(file: string): void {
    const old = this.files.get(file);
    if (!old) return;
    for (const b of old.bases) if (b.resolved) this.children.get(b.resolved)?.delete(file);
  }

  /** Configs that name `file` in their `_base_` directly. */
  directDependents(file: string): string[] {
    return [...(this.children.get(file) ?? [])].sort();
  }

  /** Every config that inherits from `file`, at any depth (cycles tolerated), nearest first. */
  dependents(file: string): string[] {
    const seen = new Set<string>([file]);
    const out: string[] = [];
    const queue = [file];
    while (queue.length) {
      const f = queue.shift()!;
      for (const c of this.directDependents(f)) {
        if (seen.has(c)) continue;
        seen.add(c);
        out.push(c);
        queue.push(c);
      }
    }
    return out;
  }
}
