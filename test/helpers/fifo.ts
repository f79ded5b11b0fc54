// Real FIFOs for tests of code that must never block on one (opening a FIFO for reading waits for a writer).
import { spawnSync } from 'node:child_process';

export const hasMkfifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;

export function makeFifo(file: string): string {
  const r = spawnSync('mkfifo', [file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`mkfifo ${file} failed: ${r.stderr || r.error}`);
  return file;
}
