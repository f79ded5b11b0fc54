// Random-access reading of zip archives through yauzl: the central directory is read once,
// each entry is read on demand (a checkpoint's tensors one at a time, never the whole file),
// and every entry's CRC-32 is checked, so flipped bytes are an error, not silent damage.
import * as yauzl from 'yauzl';
import type { Readable } from 'node:stream';
import { crc32 } from '../crc32';

export interface ZipEntryInfo {
  name: string;
  size: number;
  compressedSize: number;
  crc32: number;
  isDirectory: boolean;
  entry: yauzl.Entry;
}

export class ZipError extends Error {}

const zipMessage = (e: unknown) => (e instanceof Error ? e.message : String(e));

export class ZipReader {
  private constructor(
    private zip: yauzl.ZipFile,
    readonly entries: Map<string, ZipEntryInfo>,
    readonly order: ZipEntryInfo[],
  ) {}

  /** Opens `file` and reads its central directory (zip64 included). */
  static async open(file: string, opts: { strictFileNames?: boolean } = {}): Promise<ZipReader> {
    const zip = await new Promise<yauzl.ZipFile>((res, rej) =>
      yauzl.open(
        file,
        {
          lazyEntries: true,
          autoClose: false,
          decodeStrings: true,
          validateEntrySizes: true,
          strictFileNames: opts.strictFileNames ?? false,
        },
        (err, z) => (err ? rej(new ZipError(zipMessage(err))) : res(z!)),
      ),
    );
    const entries = new Map<string, ZipEntryInfo>();
    const order: ZipEntryInfo[] = [];
    try {
      await new Promise<void>((res, rej) => {
        zip.on('entry', (e: yauzl.Entry) => {
          const info: ZipEntryInfo = {
            name: e.fileName,
            size: e.uncompressedSize,
            compressedSize: e.compressedSize,
            crc32: e.crc32,
            isDirectory: e.fileName.endsWith('/'),
            entry: e,
          };
          entries.set(e.fileName, info);
          order.push(info);
          zip.readEntry();
        });
        zip.on('end', () => res());
        zip.on('error', (err: unknown) => rej(new ZipError(zipMessage(err))));
        zip.readEntry();
      });
    } catch (e) {
      zip.close();
      throw e;
    }
    return new ZipReader(zip, entries, order);
  }

  /** A decompressing stream of one entry (yauzl checks the sizes; CRC is the caller's, see `read`). */
  stream(info: ZipEntryInfo): Promise<Readable> {
    return new Promise((res, rej) =>
      this.zip.openReadStream(info.entry, (err, s) => (err ? rej(new ZipError(zipMessage(err))) : res(s!))),
    );
  }

  /** Reads one entry into memory (at most `maxBytes`), checking its CRC-32. */
  async read(info: ZipEntryInfo, maxBytes = 2 ** 31): Promise<Buffer> {
    if (info.size > maxBytes)
      throw new ZipError(`entry '${info.name}' declares ${info.size} bytes, more than the ${maxBytes} allowed`);
    const out = Buffer.allocUnsafe(info.size);
    let at = 0;
    let crc = 0;
    const s = await this.stream(info);
    await new Promise<void>((res, rej) => {
      s.on('data', (c: Buffer) => {
        if (at + c.length > out.length) {
          s.destroy();
          rej(new ZipError(`entry '${info.name}' is longer than its declared ${info.size} bytes`));
          return;
        }
        c.copy(out, at);
        at += c.length;
        crc = crc32(c, crc);
      });
      s.on('end', () => res());
      s.on('error', (err: unknown) => rej(new ZipError(`entry '${info.name}': ${zipMessage(err)}`)));
    });
    if (at !== info.size) throw new ZipError(`entry '${info.name}' is shorter than its declared ${info.size} bytes`);
    if (crc >>> 0 !== info.crc32 >>> 0) throw new ZipError(`entry '${info.name}' is corrupt (CRC-32 mismatch)`);
    return out;
  }

  close(): void {
    this.zip.close();
  }
}
