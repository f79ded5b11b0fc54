// Incremental reader of an MMEngine scalars.json (one JSON object per line, docs/run-log-format.md) that is still
// being written: keeps the byte offset, holds back a partial last line until its newline arrives,
// and starts over when the file is truncated or replaced.
import * as fs from 'node:fs';

export type ScalarRecord = Record<string, number>;

export interface TailRead {
  records: ScalarRecord[];
  reset: boolean; // true: the file was truncated or replaced; earlier records no longer apply
  problems: string[]; // 'file:line: message' for lines that are not a JSON object
}

export class ScalarsTail {
  private offset = 0;
  private pending: Buffer = Buffer.alloc(0);
  private lineNo = 0;
  private ino: number | undefined;

  constructor(readonly file: string) {}

  // Reads whatever was appended since the last call. A missing file is not an error: the run has not written yet.
  read(): TailRead {
    const out: TailRead = { records: [], reset: false, problems: [] };
    let fd: number;
    try {
      fd = fs.openSync(this.file, 'r');
    } catch (e: any) {
      if (e?.code === 'ENOENT') {
        if (this.offset > 0 || this.pending.length) this.restart(out);
        return out;
      }
      out.problems.push(`${this.file}: cannot read: ${e?.message ?? e}`);
      return out;
    }
    try {
      const st = fs.fstatSync(fd);
      if ((this.ino !== undefined && st.ino !== this.ino) || st.size < this.offset) this.restart(out);
      this.ino = st.ino;
      if (st.size === this.offset) return out;
      const chunk = Buffer.alloc(st.size - this.offset);
      const n = fs.readSync(fd, chunk, 0, chunk.length, this.offset);
      this.offset += n;
      this.consume(chunk.subarray(0, n), out);
    } finally {
      fs.closeSync(fd);
    }
    return out;
  }

  // The last line of a finished file may lack its newline: hand it over instead of waiting.
  flush(): ScalarRecord | string | undefined {
    const line = this.pending.toString('utf8').trim();
    this.pending = Buffer.alloc(0);
    if (!line) return undefined;
    this.lineNo++;
    const rec = parseScalarLine(line);
    return typeof rec === 'string' ? `${this.file}:${this.lineNo}: ${rec}` : rec;
  }

  private restart(out: TailRead): void {
    this.offset = 0;
    this.pending = Buffer.alloc(0);
    this.lineNo = 0;
    this.ino = undefined;
    out.reset = true;
    out.records.length = 0;
  }

  // Splits on '\n' at the byte level so a multi-byte character cut between two reads stays intact.
  private consume(chunk: Buffer, out: TailRead): void {
    const data = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
      this.lineNo++;
      const line = data.subarray(start, nl).toString('utf8').trim();
      start = nl + 1;
      if (!line) continue;
      const rec = parseScalarLine(line);
      if (typeof rec === 'string') out.problems.push(`${this.file}:${this.lineNo}: ${rec}`);
      else out.records.push(rec);
    }
    this.pending = Buffer.from(data.subarray(start));
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

// Reads a whole finished file at once (Open Run… on an old run).
export function readScalarsFile(file: string): TailRead {
  const tail = new ScalarsTail(file);
  const r = tail.read();
  // A final line without newline is complete when the file is finished
  const last = tail.flush();
  if (last) {
    if (typeof last === 'string') r.problems.push(last);
    else r.records.push(last);
  }
  return r;
}
