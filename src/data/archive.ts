// Unpacks .tar (plain or gzip) and .zip archives with what Node ships (fs, zlib), streaming
// so multi-GB dataset archives never sit in memory. Entries that would land outside the
// target folder (absolute paths, '..') are refused.
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createInflateRaw } from 'node:zlib';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import { DataError } from './errors';

/** Where an archive entry goes, or an error when its name escapes `dest`. */
function safeTarget(dest: string, name: string, archive: string): string {
  const clean = normalize(name.replace(/\\/g, '/'));
  if (isAbsolute(clean) || clean === '..' || clean.startsWith('..' + sep) || clean.split(sep).includes('..')) {
    throw new DataError(`${archive}: error: archive entry '${name}' points outside the target folder; refusing to unpack`, archive);
  }
  return join(dest, clean);
}

export async function unpackArchive(file: string, dest: string, log?: (s: string) => void): Promise<number> {
  const head = Buffer.alloc(262);
  const fh = await open(file, 'r').catch(() => {
    throw new DataError(`${file}: error: archive not found`, file);
  });
  try {
    await fh.read(head, 0, head.length, 0);
  } finally {
    await fh.close();
  }
  await mkdir(dest, { recursive: true });
  if (head.readUInt32LE(0) === 0x04034b50 || head.readUInt32LE(0) === 0x06054b50) return unzip(file, dest, log);
  if (head[0] === 0x1f && head[1] === 0x8b) return untar(createReadStream(file).pipe(createGunzip()), file, dest, log);
  if (head.toString('latin1', 257, 262) === 'ustar' || file.endsWith('.tar')) return untar(createReadStream(file), file, dest, log);
  throw new DataError(`${file}: error: not a tar, tar.gz or zip archive`, file);
}

// ---------------------------------------------------------------- tar

function tarString(b: Buffer, off: number, len: number): string {
  const end = b.indexOf(0, off);
  return b.toString('utf8', off, end < 0 || end > off + len ? off + len : end);
}

function tarNumber(b: Buffer, off: number, len: number): number {
  if (b[off] & 0x80) {
    // GNU base-256 for sizes >= 8 GiB.
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + b[i];
    return v;
  }
  const s = tarString(b, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

/** Parses the tar byte stream header by header and writes files as their data streams by. */
class TarExtractor extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private remaining = 0; // data bytes left of the current entry
  private padding = 0; // zero bytes after it up to the 512 boundary
  private out: ReturnType<typeof createWriteStream> | null = null;
  private longName: string | null = null;
  private paxPath: string | null = null;
  private meta: Buffer[] | null = null; // collecting a GNU long name or pax header
  private metaKind = '';
  count = 0;
  ended = false;

  constructor(private dest: string, private archive: string, private log?: (s: string) => void) {
    super();
  }

  private async writeData(chunk: Buffer): Promise<void> {
    if (this.meta) this.meta.push(chunk);
    else if (this.out && !this.out.write(chunk)) await new Promise<void>((r) => this.out!.once('drain', () => r()));
  }

  private async finishEntry(): Promise<void> {
    if (this.meta) {
      const text = Buffer.concat(this.meta).toString('utf8');
      if (this.metaKind === 'L') this.longName = text.replace(/\0.*$/s, '');
      else {
        for (const rec of text.split('\n')) {
          const m = /^\d+ path=(.*)$/.exec(rec);
          if (m) this.paxPath = m[1];
        }
      }
      this.meta = null;
    } else if (this.out) {
      const o = this.out;
      this.out = null;
      await new Promise<void>((res, rej) => o.end((err?: Error | null) => (err ? rej(err) : res())));
    }
  }

  async _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): Promise<void> {
    try {
      this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
      while (this.buf.length && !this.ended) {
        if (this.remaining > 0) {
          const n = Math.min(this.remaining, this.buf.length);
          await this.writeData(this.buf.subarray(0, n));
          this.buf = this.buf.subarray(n);
          this.remaining -= n;
          if (this.remaining === 0) await this.finishEntry();
          continue;
        }
        if (this.padding > 0) {
          const n = Math.min(this.padding, this.buf.length);
          this.buf = this.buf.subarray(n);
          this.padding -= n;
          continue;
        }
        if (this.buf.length < 512) break;
        const h = this.buf.subarray(0, 512);
        this.buf = this.buf.subarray(512);
        if (h.every((x) => x === 0)) {
          this.ended = true; // end-of-archive marker
          break;
        }
        let sum = 0;
        for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
        if (sum !== tarNumber(h, 148, 8)) throw new DataError(`${this.archive}: error: corrupt tar header (checksum mismatch) after ${this.count} entries`, this.archive);
        const size = tarNumber(h, 124, 12);
        const type = String.fromCharCode(h[156] || 48);
        const prefix = h.toString('latin1', 257, 262) === 'ustar' ? tarString(h, 345, 155) : '';
        let name = this.paxPath ?? this.longName ?? (prefix ? `${prefix}/${tarString(h, 0, 100)}` : tarString(h, 0, 100));
        this.remaining = size;
        this.padding = (512 - (size % 512)) % 512;
        if (type === 'L' || type === 'x') {
          this.meta = [];
          this.metaKind = type;
        } else {
          this.paxPath = this.longName = null;
          if (type === '0' || type === '7') {
            const target = safeTarget(this.dest, name, this.archive);
            await mkdir(dirname(target), { recursive: true });
            this.out = createWriteStream(target);
            this.count++;
            if (this.count % 5000 === 0) this.log?.(`  ${this.count} files unpacked`);
          } else if (type === '5') {
            await mkdir(safeTarget(this.dest, name, this.archive), { recursive: true });
          }
          // Links, devices and global pax headers are skipped: datasets have none that matter.
        }
        if (size === 0) await this.finishEntry();
      }
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  _flush(cb: TransformCallback): void {
    if (this.remaining > 0 || this.out) cb(new DataError(`${this.archive}: error: archive is truncated (ends inside an entry)`, this.archive));
    else cb();
  }
}

async function untar(input: Readable, file: string, dest: string, log?: (s: string) => void): Promise<number> {
  const ex = new TarExtractor(dest, file, log);
  try {
    await pipeline(input, ex, async function* (src) {
      for await (const _ of src) {
        // nothing is emitted; draining keeps the pipeline flowing
      }
    });
  } catch (e) {
    if (e instanceof DataError) throw e;
    const msg = e instanceof Error ? e.message : String(e);
    throw new DataError(`${file}: error: cannot unpack (${msg})`, file);
  }
  return ex.count;
}

// ---------------------------------------------------------------- zip

interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  crc: number;
}

async function readAt(fh: Awaited<ReturnType<typeof open>>, pos: number, len: number): Promise<Buffer> {
  const b = Buffer.alloc(len);
  const { bytesRead } = await fh.read(b, 0, len, pos);
  return b.subarray(0, bytesRead);
}

/** Reads the central directory (with zip64 records for archives over 4 GiB, like train2017.zip). */
async function zipEntries(file: string): Promise<ZipEntry[]> {
  const size = (await stat(file)).size;
  const fh = await open(file, 'r');
  try {
    const bad = (what: string): never => {
      throw new DataError(`${file}: error: corrupt zip (${what})`, file);
    };
    const tailLen = Math.min(size, 65557);
    const tail = await readAt(fh, size - tailLen, tailLen);
    let eocd = -1;
    for (let i = tail.length - 22; i >= 0; i--) if (tail.readUInt32LE(i) === 0x06054b50) { eocd = i; break; }
    if (eocd < 0) bad('no end-of-central-directory record; truncated download?');
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdOffset === 0xffffffff || cdSize === 0xffffffff) {
      const loc = eocd - 20;
      if (loc < 0 || tail.readUInt32LE(loc) !== 0x07064b50) bad('zip64 locator missing');
      const z64 = await readAt(fh, Number(tail.readBigUInt64LE(loc + 8)), 56);
      if (z64.readUInt32LE(0) !== 0x06064b50) bad('zip64 end record missing');
      count = Number(z64.readBigUInt64LE(32));
      cdSize = Number(z64.readBigUInt64LE(40));
      cdOffset = Number(z64.readBigUInt64LE(48));
    }
    const cd = await readAt(fh, cdOffset, cdSize);
    const out: ZipEntry[] = [];
    let p = 0;
    for (let k = 0; k < count; k++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== 0x02014b50) bad(`central directory entry ${k}`);
      const nameLen = cd.readUInt16LE(p + 28), extraLen = cd.readUInt16LE(p + 30), commentLen = cd.readUInt16LE(p + 32);
      const e: ZipEntry = {
        method: cd.readUInt16LE(p + 10),
        crc: cd.readUInt32LE(p + 16),
        compressedSize: cd.readUInt32LE(p + 20),
        size: cd.readUInt32LE(p + 24),
        localOffset: cd.readUInt32LE(p + 42),
        name: cd.toString('utf8', p + 46, p + 46 + nameLen),
      };
      // zip64 extra field: the 0xffffffff fields, in order size, compressed size, offset.
      let x = p + 46 + nameLen;
      const xEnd = x + extraLen;
      while (x + 4 <= xEnd) {
        const id = cd.readUInt16LE(x), len = cd.readUInt16LE(x + 2);
        if (id === 0x0001) {
          let q = x + 4;
          if (e.size === 0xffffffff) (e.size = Number(cd.readBigUInt64LE(q)), (q += 8));
          if (e.compressedSize === 0xffffffff) (e.compressedSize = Number(cd.readBigUInt64LE(q)), (q += 8));
          if (e.localOffset === 0xffffffff) e.localOffset = Number(cd.readBigUInt64LE(q));
        }
        x += 4 + len;
      }
      out.push(e);
      p = xEnd + commentLen;
    }
    return out;
  } finally {
    await fh.close();
  }
}

const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

function crcTransform(): Transform & { crc: () => number } {
  let c = -1;
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      for (let i = 0; i < chunk.length; i++) c = CRC_TABLE[(c ^ chunk[i]) & 0xff] ^ (c >>> 8);
      cb(null, chunk);
    },
  }) as Transform & { crc: () => number };
  t.crc = () => (c ^ -1) >>> 0;
  return t;
}

async function unzip(file: string, dest: string, log?: (s: string) => void): Promise<number> {
  const entries = await zipEntries(file);
  const fh = await open(file, 'r');
  let count = 0;
  try {
    for (const e of entries) {
      const target = safeTarget(dest, e.name, file);
      if (e.name.endsWith('/')) {
        await mkdir(target, { recursive: true });
        continue;
      }
      if (e.method !== 0 && e.method !== 8) throw new DataError(`${file}: error: entry '${e.name}' uses unsupported compression method ${e.method}`, file);
      const local = await readAt(fh, e.localOffset, 30);
      if (local.length < 30 || local.readUInt32LE(0) !== 0x04034b50) throw new DataError(`${file}: error: corrupt zip (local header of '${e.name}')`, file);
      const dataStart = e.localOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
      await mkdir(dirname(target), { recursive: true });
      const crc = crcTransform();
      const raw = createReadStream(file, { start: dataStart, end: dataStart + e.compressedSize - 1 });
      try {
        if (e.compressedSize === 0) await pipeline(Readable.from([]), crc, createWriteStream(target));
        else if (e.method === 0) await pipeline(raw, crc, createWriteStream(target));
        else await pipeline(raw, createInflateRaw(), crc, createWriteStream(target));
      } catch (err) {
        throw new DataError(`${file}: error: cannot unpack '${e.name}' (${err instanceof Error ? err.message : String(err)})`, file);
      }
      if (crc.crc() !== e.crc) throw new DataError(`${file}: error: CRC mismatch in '${e.name}' (corrupt archive)`, file);
      count++;
      if (count % 5000 === 0) log?.(`  ${count} files unpacked`);
    }
  } finally {
    await fh.close();
  }
  return count;
}
