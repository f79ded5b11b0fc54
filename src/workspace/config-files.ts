// Which Python files are configs, and finding them on disk. A file is a config
// when a config glob matches it (default: anything under a `configs/` folder)
// or its text mentions `_base_`; ordinary Python modules are left alone.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { readTextFileSafely } from '../config/config-file';

export const DEFAULT_CONFIG_GLOBS = ['**/configs/**/*.py'];

/** Folders never worth scanning for configs. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '__pycache__', '.venv', 'venv', 'dist', 'work_dirs', '.vscode-test']);

/** A glob (`**`, `*`, `?`, `{a,b}`) as a RegExp over '/'-separated paths relative to a root. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') {
      if (glob[i + 1] === '*') {
        i++;
        if (glob[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else re += '.*';
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = glob.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        re += '(?:' + glob.slice(i + 1, close).split(',').map((s) => s.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')).join('|') + ')';
        i = close;
      }
    } else re += c.replace(/[.+^$()|[\]\\]/g, '\\$&');
  }
  return new RegExp('^' + re + '$');
}

export class ConfigMatcher {
  private readonly globs: RegExp[];
  constructor(
    private readonly roots: string[],
    globs: string[] = DEFAULT_CONFIG_GLOBS,
  ) {
    this.globs = globs.map(globToRegExp);
  }

  /** Whether a glob names this file (relative to any workspace root, or absolute). */
  matchesGlob(file: string): boolean {
    const candidates = [file.split(path.sep).join('/')];
    for (const r of this.roots) {
      const rel = path.relative(r, file);
      if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) candidates.push(rel.split(path.sep).join('/'));
    }
    return this.globs.some((g) => candidates.some((c) => g.test(c)));
  }

  /** `text` is the file's content when known (cheap check for `_base_`). */
  isConfig(file: string, text?: string): boolean {
    if (path.extname(file) !== '.py') return false;
    if (this.matchesGlob(file)) return true;
    if (text === undefined) {
      text = readTextFileSafely(file);
      if (text === undefined) return false;
    }
    return text.includes('_base_');
  }
}

/** Every .py file under the roots (skipping vendored and build folders). */
export function listPythonFiles(roots: string[]): string[] {
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
        if (!SKIP_DIRS.has(e.name)) walk(p);
      } else if (e.isFile() && e.name.endsWith('.py')) out.push(p);
    }
  };
  roots.forEach(walk);
  return out.sort();
}

export function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}
