// Files changed outside the editor (git checkout, generated configs, another
// process): chokidar reports them so the index and diagnostics follow.

import { watch } from 'chokidar';
import type { Stats } from 'node:fs';
import * as path from 'node:path';

const SKIP = /[\\/](node_modules|\.git|__pycache__|\.venv|dist|work_dirs)([\\/]|$)/;

export interface Watcher {
  close(): Promise<void>;
}

export function startWatcher(roots: string[], onChange: (file: string, kind: 'change' | 'unlinkDir') => void): Watcher | undefined {
  if (!roots.length) return undefined;
  const w = watch(roots, {
    ignoreInitial: true,
    ignored: (p: string, stats?: Stats) => SKIP.test(p) || (!!stats?.isFile() && !p.endsWith('.py')),
  });
  const py = (f: string) => f.endsWith('.py') && onChange(path.resolve(f), 'change');
  w.on('add', py).on('change', py).on('unlink', py);
  w.on('unlinkDir', (d) => onChange(path.resolve(d), 'unlinkDir'));
  w.on('error', () => undefined);
  return { close: () => w.close() };
}
