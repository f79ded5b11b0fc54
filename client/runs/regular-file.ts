// Opening files whose paths the user controls (a run they picked, what a trainer should have written)
// without ever blocking the extension host: O_NONBLOCK makes opening a FIFO return at once (a plain
// open waits for a writer), and fstat on the opened fd tells a regular file from a FIFO, a device or
// a folder, links followed. The server has the same rule in src/workspace/config-files.ts;
// client/ imports nothing from src/.
import * as fs from 'node:fs';

export interface OpenedFile {
  fd: number; // the caller closes it
  stat: fs.Stats;
}

/** The open fd and its stat, or undefined (nothing left open) when it is not a regular file. Throws as fs.openSync does. */
export function openRegularFile(file: string): OpenedFile | undefined {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  try {
    const stat = fs.fstatSync(fd);
    if (stat.isFile()) return { fd, stat };
  } catch (e) {
    fs.closeSync(fd);
    throw e;
  }
  fs.closeSync(fd);
  return undefined;
}

/** A small file's text; undefined when it is missing, unreadable, not a regular file or bigger than maxBytes. */
export function readSmallRegularFile(file: string, maxBytes: number): string | undefined {
  let opened: OpenedFile | undefined;
  try {
    opened = openRegularFile(file);
    if (!opened || opened.stat.size > maxBytes) return undefined;
    const buf = Buffer.alloc(opened.stat.size);
    let got = 0;
    while (got < buf.length) {
      const n = fs.readSync(opened.fd, buf, got, buf.length - got, got);
      if (n === 0) break; // shrank while we read
      got += n;
    }
    return buf.toString('utf8', 0, got);
  } catch {
    return undefined;
  } finally {
    if (opened) fs.closeSync(opened.fd);
  }
}
