// Incremental reader of an MMEngine scalars.json (one JSON object per line, docs/run-log-format.md) that is still
// being written: keeps the byte offset, holds back a partial last line until its newline arrives,
// and starts over when the file is truncated or replaced. The path is the user's (Open Run…), so it is
// opened without blocking (a FIFO would wait for a writer) and read in bounded pieces (a huge or sparse
// file must not take the extension host's memory).
import * as fs from 'node:fs';
import { openRegularFile, OpenedFile } from './regular-file';

export type ScalarRecord = Record<string, number>;

export interface TailRead {
  records: ScalarRecord[];
  reset: boolean; // true: the file was truncated or replaced; earlier records no longer apply
  problems: string[]; // 'file:line: message' for lines that are not a JSON object
}

export interface TailLimits {
  maxReadBytes: number; // read at most this much per call; the rest comes on the next calls
  maxLineBytes: number; // a longer line is reported and skipped, never held in memory
}

// MMEngine's lines are a few hundred bytes; a whole real scalars.json is a few MiB.
export const DEFAULT_TAIL_LIMITS: TailLimits = { maxReadBytes: 16 * 1024 * 1024, maxLineBytes: 1024 * 1024 };

export class ScalarsTail {
  private offset = 0;
  private pending: Buffer = Buffer.alloc(0);
  private skippingLongLine = false; // inside a too-long line: drop bytes up to its newline
  private lineNo = 0;
  private ino: number | undefined;
  private behind = false;
  private reportedNotRegular = false; // said once, not at every check

  constructor(
    readonly file: string,
    private readonly limits: TailLimits = DEFAULT_TAIL_LIMITS,
  ) {}

  // False when the last read stopped at maxReadBytes with more of the file left to read.
  get caughtUp(): boolean {
    return !this.behind;
  }

  // Reads what was appended since the last call, up to maxReadBytes. A missing file is not an error:
  // the run has not written yet.
  read(): TailRead {
    const out: TailRead = { records: [], reset: false, problems: [] };
    this.behind = false;
    let opened: OpenedFile | undefined;
    try {
      opened = openRegularFile(this.file);
    } catch (e: any) {
      if (e?.code === 'ENOENT') {
        this.reportedNotRegular = false;
        if (this.offset > 0 || this.pending.length) this.restart(out);
        return out;
      }
      out.problems.push(`${this.file}: cannot read: ${e?.message ?? e}`);
      return out;
    }
    if (!opened) {
      // A FIFO, a device or a folder (or a link to one): nothing a trainer writes
      if (this.ino !== undefined || this.offset > 0 || this.pending.length) this.restart(out);
      if (!this.reportedNotRegular) out.problems.push(`${this.file}: not a regular file`);
      this.reportedNotRegular = true;
      return out;
    }
    const { fd, stat: st } = opened;
    try {
      this.reportedNotRegular = false;
      if ((this.ino !== undefined && st.ino !== this.ino) || st.size < this.offset) this.restart(out);
      this.ino = st.ino;
      if (st.size === this.offset) return out;
      const chunk = Buffer.alloc(Math.min(st.size - this.offset, this.limits.maxReadBytes));
      const n = fs.readSync(fd, chunk, 0, chunk.length, this.offset);
      this.offset += n;
      this.behind = n > 0 && this.offset < st.size;
      this.consume(chunk.subarray(0, n), out);
    } catch (e: any) {
      out.problems.push(`${this.file}: cannot read: ${e?.message ?? e}`);
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }

  // The last line of a finished file may lack its newline: hand it over instead of waiting.
  flush(): ScalarRecord | string | undefined {
    const line = this.pending.toString('utf8').trim();
    this.pending = Buffer.alloc(0);
    if (this.skippingLongLine) {
      this.skippingLongLine = false; // reported when it grew too long
      return undefined;
    }
    if (!line) return undefined;
    this.lineNo++;
    const rec = parseScalarLine(line);
    return typeof rec === 'string' ? `${this.file}:${this.lineNo}: ${rec}` : rec;
  }

  private restart(out: TailRead): void {
    this.offset = 0;
    this.pending = Buffer.alloc(0);
    this.skippingLongLine = false;
    this.lineNo = 0;
    this.ino = undefined;
    out.reset = true;
    out.records.length = 0;
  }

  // Splits on '\n' at the byte level so a multi-byte character cut between two reads stays intact.
  private consume(chunk: Buffer, out: TailRead): void {
    if (this.skippingLongLine) {
      const nl = chunk.indexOf(10);
      if (nl === -1) return;
      this.skippingLongLine = false;
      this.lineNo++;
      chunk = chunk.subarray(nl + 1);
    }
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const tooLong = `line longer than ${this.limits.maxLineBytes} bytes, skipped`;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      this.lineNo++;
      const bytes = data.subarray(start, nl);
      start = nl + 1;
      if (bytes.length > this.limits.maxLineBytes) {
        out.problems.push(`${this.file}:${this.lineNo}: ${tooLong}`);
        continue;
      }
      const line = bytes.toString('utf8').trim();
      if (!line) continue;
      const rec = parseScalarLine(line);
      if (typeof rec === 'string') out.problems.push(`${this.file}:${this.lineNo}: ${rec}`);
      else out.records.push(rec);
    }
    if (data.length - start > this.limits.maxLineBytes) {
      out.problems.push(`${this.file}:${this.lineNo + 1}: ${tooLong}`);
      this.pending = Buffer.alloc(0);
      this.skippingLongLine = true;
    } else {
      this.pending = Buffer.from(data.subarray(start));
    }
  }
}

// One line of scalars.json -> its numeric fields, or a message saying why it is not usable.
export function parseScalarLine(line: string): ScalarRecord | string {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return `not valid JSON: ${line.length > 60 ? line.slice(0, 60) + '…' : line}`;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const rec: ScalarRecord = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x === 'number' && Number.isFinite(x)) rec[k] = x;
    // MMEngine writes NaN/inf losses as strings in some versions; keep them out of the curves
  }
  return rec;
}

// Reads a whole finished file at once, piece by piece.
export function readScalarsFile(file: string, limits: TailLimits = DEFAULT_TAIL_LIMITS): TailRead {
  const tail = new ScalarsTail(file, limits);
  const r = tail.read();
  while (!tail.caughtUp) {
    const more = tail.read();
    if (more.reset) r.records = [];
    r.reset ||= more.reset;
    for (const rec of more.records) r.records.push(rec);
    for (const p of more.problems) r.problems.push(p);
  }
  // A final line without newline is complete when the file is finished
  const last = tail.flush();
  if (last) {
    if (typeof last === 'string') r.problems.push(last);
    else r.records.push(last);
  }
  return r;
}
