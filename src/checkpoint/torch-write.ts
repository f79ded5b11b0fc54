// Writes torch.save's zip format through fflate: archive/data.pkl, archive/byteorder, one raw
// little-endian record per storage under archive/data/, archive/version. Records are stored
// (not deflated) and their data starts on a 64-byte boundary, padded with an 'FB' extra field
// as PyTorch's own writer does, so torch.load (and its mmap mode) reads them in place.
// The file is written next to the target, fsynced and renamed over it: a kill or a full disk
// mid-write leaves the previous checkpoint as it was.
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { Zip, ZipPassThrough } from 'fflate';
import { CheckpointError } from './errors';
import { OutValue, writePickle } from './pickle-write';

export interface StorageRecord {
  key: string;
  byteLength: number;
  /** The record's bytes, produced when it is written (one tensor in memory at a time). */
  bytes(): Uint8Array;
}

const ALIGN = 64;
const MAX_ZIP = 2 ** 32 - 1; // fflate writes no zip64 records
const FIXED_TIME = new Date(1980, 0, 1, 0, 0, 0);

/** The temporary file a write goes through (stale ones are cleaned by the trainer). */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}`;
}

export function writeTorchFileAtomic(
  file: string,
  root: OutValue,
  storages: StorageRecord[],
  archive = 'archive',
): void {
  const pickle = writePickle(root);
  const records: Array<{ name: string; size: number; bytes: () => Uint8Array }> = [
    { name: `${archive}/data.pkl`, size: pickle.length, bytes: () => pickle },
    { name: `${archive}/byteorder`, size: 6, bytes: () => Buffer.from('little') },
    ...storages.map((s) => ({ name: `${archive}/data/${s.key}`, size: s.byteLength, bytes: s.bytes })),
    { name: `${archive}/version`, size: 2, bytes: () => Buffer.from('3\n') },
  ];
  const estimate = records.reduce((s, r) => s + r.size + 30 + 46 + 2 * r.name.length + ALIGN + 16, 22);
  if (estimate > MAX_ZIP)
    throw new CheckpointError(
      file,
      `checkpoint would be ${(estimate / 2 ** 30).toFixed(1)} GiB; the writer supports up to 4 GiB`,
    );
  const tmp = tempPathFor(file);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'w');
    let offset = 0;
    let failure: unknown;
    const zip = new Zip((err, chunk) => {
      if (failure) return;
      if (err) failure = err;
      else
        try {
          for (let at = 0; at < chunk.length;) at += writeSync(fd!, chunk, at, chunk.length - at);
          offset += chunk.length;
        } catch (e) {
          failure = e;
        }
    });
    for (const r of records) {
      const entry = new ZipPassThrough(r.name);
      // Local header: 30 bytes + name + extra (4-byte header + padding); data follows it.
      const nameLen = Buffer.byteLength(r.name);
      const pad = (ALIGN - ((offset + 30 + nameLen + 4) % ALIGN)) % ALIGN;
      entry.extra = { 0x4246: new Uint8Array(pad) };
      entry.mtime = FIXED_TIME;
      zip.add(entry);
      entry.push(r.bytes(), true);
      if (failure) throw failure;
    }
    zip.end();
    if (failure) throw failure;
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    if (e instanceof CheckpointError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'ENOSPC: no space left on device' : (code ?? (e as Error).message);
    throw new CheckpointError(file, `cannot write checkpoint (${why}); the previous file, if any, is unchanged`);
  }
}
