// The checkpoint a stopped or failed run leaves behind, found the way the trainers find it on
// --resume: WORK_DIR/last_checkpoint names it (MMEngine's CheckpointHook and the built-in trainer
// both write that file, with an absolute path), else the newest checkpoint file in the work dir
// (`.pth`, which MMEngine and the built-in trainer write, or the `.ckpt` of older YOLO Lab runs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { readSmallRegularFile } from './regular-file';

export interface CheckpointOnDisk {
  file: string; // absolute
  mtimeMs: number;
  via: 'last_checkpoint' | 'newest file';
}

const CHECKPOINT_FILE = /\.(pth|ckpt)$/;
// last_checkpoint holds one path; anything bigger is not one
const MAX_POINTER_BYTES = 64 * 1024;

export function lastCheckpointOnDisk(workDir: string): CheckpointOnDisk | undefined {
  const pointer = path.join(workDir, 'last_checkpoint');
  try {
    // Never a blocking read: the work dir is the user's, and a FIFO there would hang the extension host
    const named = readSmallRegularFile(pointer, MAX_POINTER_BYTES)?.trim();
    if (named) {
      const file = path.resolve(workDir, named);
      const st = fs.statSync(file);
      if (st.isFile()) return { file, mtimeMs: st.mtimeMs, via: 'last_checkpoint' };
    }
  } catch {
    // no usable pointer (missing, not a regular file, too big), or it names a file that is gone: look at the files themselves
  }
  let newest: CheckpointOnDisk | undefined;
  let names: string[];
  try {
    names = fs.readdirSync(workDir);
  } catch {
    return undefined;
  }
  for (const n of names) {
    if (!CHECKPOINT_FILE.test(n)) continue;
    try {
      const st = fs.statSync(path.join(workDir, n));
      if (st.isFile() && (!newest || st.mtimeMs > newest.mtimeMs))
        newest = { file: path.join(workDir, n), mtimeMs: st.mtimeMs, via: 'newest file' };
    } catch {
      // removed while we looked (max_keep_ckpts)
    }
  }
  return newest;
}

// Whether the run that started at runStartedAt wrote it (a second of slack for file-time rounding)
export function savedByRun(ckpt: CheckpointOnDisk, runStartedAt: Date): boolean {
  return ckpt.mtimeMs >= runStartedAt.getTime() - 1000;
}

// What the output channel says after a run stopped or failed: the checkpoint to resume from (and
// whether this run wrote it), with the exact command, or that there is none.
export function checkpointReport(
  workDir: string,
  runStartedAt: Date,
  resumeCommand: (checkpoint: string) => string,
  now: CheckpointOnDisk | undefined = lastCheckpointOnDisk(workDir),
): string[] {
  if (!now) return [`no checkpoint on disk in ${workDir}: a new run starts from scratch`];
  const when = new Date(now.mtimeMs);
  const fromThisRun = savedByRun(now, runStartedAt);
  return [
    fromThisRun
      ? `last checkpoint on disk: ${now.file} (saved ${when.toLocaleTimeString()} by this run)`
      : `this run saved no checkpoint; the last one on disk is ${now.file}, from an earlier run (${when.toLocaleString()})`,
    `resume with: ${resumeCommand(now.file)}`,
  ];
}
