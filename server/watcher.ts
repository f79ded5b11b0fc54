// Files changed outside the editor (git checkout, generated configs, another
// process): chokidar reports them so the index and diagnostics follow.

import { watch } from 'chokidar';
import type { Stats } from 'node:fs';
import * as path from 'node:path';

const SETTLE_MS = 30;
const SKIP = /[\\/](node_modules|\.git|__pycache__|\.venv|dist|work_dirs)([\\/]|$)/;

export interface Watcher {
  /** Resolves once every folder is watched (changes before that may be missed). */
  ready: Promise<void>;
  close(): Promise<void>;
}

export type ChangeKind = 'change' | 'unlinkDir' | 'addDir';

export function startWatcher(roots: string[], onChange: (file: string, kind: ChangeKind) => void): Watcher | undefined {
  if (!roots.length) return undefined;
  const w = watch(roots, {
    ignoreInitial: true,
    ignored: (p: string, stats?: Stats) => SKIP.test(p) || (!!stats?.isFile() && !p.endsWith('.py')),
  });
  // The first event of a write can come while the file is still truncated: act once the writes have settled.
  const timers = new Map<string, NodeJS.Timeout>();
  const settle = (file: string, kind: ChangeKind) => {
    clearTimeout(timers.get(file));
    timers.set(
      file,
      setTimeout(() => {
        timers.delete(file);
        onChange(file, kind);
      }, SETTLE_MS),
    );
  };
  const py = (f: string) => f.endsWith('.py') && settle(path.resolve(f), 'change');
  w.on('add', py).on('change', py).on('unlink', py);
  w.on('unlinkDir', (d) => settle(path.resolve(d), 'unlinkDir'));
  // Files written into a new folder before chokidar watches it can go unreported: the server rescans the folder.
  w.on('addDir', (d) => settle(path.resolve(d), 'addDir'));
  w.on('error', () => undefined);
  if (process.env.YOLOLAB_WATCH_DEBUG) w.on('all', (ev, p) => process.stderr.write(`watch: ${ev} ${p}\n`));
  const ready = new Promise<void>((resolve) => w.once('ready', () => resolve()));
  return {
    ready,
    close: () => {
      timers.forEach((t) => clearTimeout(t));
      return w.close();
    },
  };
}
