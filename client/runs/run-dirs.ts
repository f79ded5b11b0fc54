// Finds training runs on disk in MMEngine's layout: WORK_DIR/TIMESTAMP/vis_data/scalars.json,
// the layout both the built-in trainer and real MMYOLO write.
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface RunLocation {
  workDir: string;
  timestamp: string; // MMEngine's '%Y%m%d_%H%M%S' folder name
  scalarsFile: string; // may not exist yet for a run that just started
  label: string; // 'workdir-name/timestamp', unique enough to tell runs apart in a legend
}

const TIMESTAMP = /^\d{8}_\d{6}$/;

export function isTimestamp(name: string): boolean {
  return TIMESTAMP.test(name);
}

export function runAt(workDir: string, timestamp: string): RunLocation {
  return {
    workDir,
    timestamp,
    scalarsFile: path.join(workDir, timestamp, 'vis_data', 'scalars.json'),
    label: `${path.basename(workDir)}/${timestamp}`,
  };
}

// One run, one key: the run a training writes and the same run picked in Open Run… (through another
// spelling of its path, a symlink, or while it is still being written) must be one entry in the view.
export function runKey(scalarsFile: string): string {
  const abs = path.resolve(scalarsFile);
  // realpath the deepest part that exists (scalars.json itself may not be there yet)
  let head = abs;
  const tail: string[] = [];
  for (;;) {
    try {
      return `run:${path.join(fs.realpathSync.native(head), ...tail)}`;
    } catch {
      const up = path.dirname(head);
      if (up === head) return `run:${abs}`;
      tail.unshift(path.basename(head));
      head = up;
    }
  }
}

// The runs of one work dir, oldest first (timestamps sort as strings).
export function listRuns(workDir: string): RunLocation[] {
  let names: string[];
  try {
    names = fs.readdirSync(workDir);
  } catch {
    return [];
  }
  return names
    .filter((n) => isTimestamp(n) && isDir(path.join(workDir, n)))
    .sort()
    .map((n) => runAt(workDir, n));
}

// Whatever the user picked in "Open Run…" -> the runs it means: a scalars.json, a vis_data or
// TIMESTAMP folder, a work dir, or a folder of work dirs (like MMYOLO's work_dirs/).
export function runsUnder(picked: string, depth = 2): RunLocation[] {
  const abs = path.resolve(picked);
  if (!fs.existsSync(abs)) return [];
  if (!isDir(abs)) {
    const vis = path.dirname(abs);
    const ts = path.dirname(vis);
    if (path.basename(abs).endsWith('.json') && path.basename(vis) === 'vis_data' && isTimestamp(path.basename(ts))) {
      return [runAt(path.dirname(ts), path.basename(ts))];
    }
    // A checkpoint (epoch_N.pth, .ckpt) or log picked in a work dir: the runs of that work dir.
    if (/\.(pth|ckpt|log)$/.test(abs)) return runsUnder(path.dirname(abs), 0);
    return [];
  }
  if (path.basename(abs) === 'vis_data' && isTimestamp(path.basename(path.dirname(abs)))) {
    const ts = path.dirname(abs);
    return [runAt(path.dirname(ts), path.basename(ts))];
  }
  if (isTimestamp(path.basename(abs))) return [runAt(path.dirname(abs), path.basename(abs))];
  const own = listRuns(abs).filter((r) => fs.existsSync(r.scalarsFile));
  if (own.length || depth === 0) return own;
  const found: RunLocation[] = [];
  for (const n of safeReaddir(abs).sort()) {
    if (n.startsWith('.') || n === 'node_modules') continue;
    const p = path.join(abs, n);
    if (isDir(p)) found.push(...runsUnder(p, depth - 1));
  }
  return found;
}

// The run a freshly started process is writing: the newest TIMESTAMP folder not older than the start.
// MMEngine names the folder from the local clock at start-up, so compare names, with a little slack.
export function newestRunSince(workDir: string, startedAt: Date): RunLocation | undefined {
  const floor = timestampOf(new Date(startedAt.getTime() - 5000));
  const runs = listRuns(workDir).filter((r) => r.timestamp >= floor);
  return runs[runs.length - 1];
}

export function timestampOf(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function safeReaddir(p: string): string[] {
  try {
    return fs.readdirSync(p);
  } catch {
    return [];
  }
}
