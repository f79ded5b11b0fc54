// Which Python files are configs (the shared rule of protocol/, applied to this
// workspace's roots and globs), finding them on disk, and reading them without
// ever blocking on a special file.

import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  compileGlobs,
  DEFAULT_CONFIG_GLOBS,
  matchesConfigGlob,
  textLooksLikeConfig,
} from '../../protocol/config-file-rule';

export { DEFAULT_CONFIG_GLOBS, globToRegExp } from '../../protocol/config-file-rule';

/** Folders never worth scanning for configs. */
export const SKIP_DIRS: ReadonlySet<string> = new Set([
  'node_modules',
  '.git',
  '.hg',
  '.svn',
  '__pycache__',
  '.venv',
  'venv',
  'dist',
  'work_dirs',
  '.vscode-test',
]);

/** Bigger files are not read for the index (the loader has its own cap and says so). */
export const MAX_INDEXED_BYTES = 64 * 1024 * 1024;

/**
 * A file's text when it is a regular file no bigger than `maxBytes`; undefined
 * otherwise. Opened non-blocking and checked after opening, so a FIFO or a
 * device named `x.py` (or a symlink to one) never blocks or floods the server.
 */
export function readRegularFile(file: string, maxBytes = MAX_INDEXED_BYTES): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
    const st = fs.fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    const buf = Buffer.alloc(st.size);
    let got = 0;
    while (got < st.size) {
      const n = fs.readSync(fd, buf, got, st.size - got, got);
      if (n === 0) break;
      got += n;
    }
    const text = buf.toString('utf8', 0, got);
    return text.startsWith('\uFEFF') ? text.slice(1) : text;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** The config-file rule of protocol/config-file-rule.ts over this workspace's roots and globs. */
export class ConfigMatcher {
  private readonly globs: RegExp[];
  constructor(
    private readonly roots: string[],
    globs: readonly string[] = DEFAULT_CONFIG_GLOBS,
  ) {
    this.globs = compileGlobs(globs);
  }

  /** Whether a glob names this file (relative to any workspace root, or absolute). */
  matchesGlob(file: string): boolean {
    return matchesConfigGlob(file, this.roots, this.globs);
  }

  /** `text` is the file's content when known; otherwise it is read (regular files only). */
  isConfig(file: string, text?: string): boolean {
    if (path.extname(file) !== '.py') return false;
    if (this.matchesGlob(file)) return true;
    text ??= readRegularFile(file);
    return text !== undefined && textLooksLikeConfig(text);
  }
}

/** Every regular file under the roots whose name `accept`s (vendored and build folders skipped), sorted. */
export function listFiles(
  roots: string[],
  accept: (name: string) => boolean,
  skipDirs: ReadonlySet<string> = SKIP_DIRS,
): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!skipDirs.has(e.name)) walk(p);
      } else if (e.isFile() && accept(e.name)) out.push(p);
    }
  };
  roots.forEach(walk);
  return out.sort();
}

/** Every .py file under the roots. */
export function listPythonFiles(roots: string[]): string[] {
  return listFiles(roots, (name) => name.endsWith('.py'));
}

export function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
