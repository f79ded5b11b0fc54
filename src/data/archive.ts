// Unpacks dataset archives through maintained libraries: node-tar for .tar / .tar.gz (the tar
// npm itself uses) and yauzl for .zip (zip64 included, as COCO's 19 GB train2017.zip needs).
// Both stream, so multi-GB archives never sit in memory. Entries that would land outside the
// target folder (absolute paths, '..') are refused; links and devices are skipped (datasets
// have none that matter, and a link is how an archive escapes its folder); every zip entry's
// CRC-32 is checked.
import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import * as yauzl from 'yauzl';
import { DataError } from './errors';
import { crc32 } from '../crc32';

/** Where an archive entry goes, or an error when its name escapes `dest`. */
function safeTarget(dest: string, name: string, archive: string): string {
  const clean = normalize(name.replace(/\\/g, '/'));
  if (isAbsolute(clean) || clean === '..' || clean.startsWith('..' + sep) || clean.split(sep).includes('..')) {
    throw new DataError(
      `${archive}: error: archive entry '${name}' points outside the target folder; refusing to unpack`,
      archive,
    );
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
  if ((head[0] === 0x1f && head[1] === 0x8b) || head.toString('latin1', 257, 262) === 'ustar' || file.endsWith('.tar'))
    return untar(file, dest, log);
  throw new DataError(`${file}: error: not a tar, tar.gz or zip archive`, file);
}

// ---------------------------------------------------------------- tar

async function untar(file: string, dest: string, log?: (s: string) => void): Promise<number> {
  let count = 0;
  let refused: DataError | undefined;
  try {
    await tar.x({
      file,
      cwd: dest,
      strict: true,
      preserveOwner: false,
      // node-tar would strip '..' and leading '/' with a warning; the data layer refuses instead.
      filter: (path, entry) => {
        if (refused) return false;
        try {
          safeTarget(dest, path, file);
        } catch (e) {
          refused = e as DataError;
          return false;
        }
        const type = (entry as tar.ReadEntry).type;
        if (type !== 'File' && type !== 'OldFile' && type !== 'ContiguousFile' && type !== 'Directory') return false;
        if (type !== 'Directory' && ++count % 5000 === 0) log?.(`  ${count} files unpacked`);
        return true;
      },
    });
  } catch (e) {
    if (refused) throw refused;
    const code = (e as { code?: string }).code;
    const msg = e instanceof Error ? e.message : String(e);
    if (code === 'TAR_BAD_ARCHIVE' || /truncated|unexpected end|TAR_ABORT/i.test(`${code} ${msg}`))
      throw new DataError(`${file}: error: archive is truncated or corrupt (${msg})`, file);
    throw new DataError(`${file}: error: cannot unpack (${msg})`, file);
  }
  if (refused) throw refused;
  return count;
}

// ---------------------------------------------------------------- zip

function crcCheck(): Transform & { crc: number } {
  const t = new Transform({
    transform(chunk: Buffer, _e, cb: TransformCallback) {
      t.crc = crc32(chunk, t.crc);
      cb(null, chunk);
    },
  }) as Transform & { crc: number };
  t.crc = 0;
  return t;
}

async function unzip(file: string, dest: string, log?: (s: string) => void): Promise<number> {
  const zip = await new Promise<yauzl.ZipFile>((res, rej) =>
    yauzl.open(file, { lazyEntries: true, autoClose: false, strictFileNames: false }, (err, z) => {
      if (!err) return res(z!);
      const truncated = /end of central directory record signature not found/i.test(err.message);
      rej(
        new DataError(
          `${file}: error: corrupt zip (${truncated ? 'no end-of-central-directory record; truncated download?' : err.message})`,
          file,
        ),
      );
    }),
  );
  const entries: yauzl.Entry[] = [];
  try {
    await new Promise<void>((res, rej) => {
      zip.on('entry', (e: yauzl.Entry) => {
        entries.push(e);
        zip.readEntry();
      });
      zip.on('end', () => res());
      zip.on('error', (err: Error) => {
        // yauzl refuses unsafe names itself (validateFileName): the same refusal as ours.
        const unsafe = /^(?:invalid relative path|absolute path): (.*)$/.exec(err.message);
        rej(
          unsafe
            ? new DataError(
                `${file}: error: archive entry '${unsafe[1]}' points outside the target folder; refusing to unpack`,
                file,
              )
            : new DataError(`${file}: error: corrupt zip (${err.message})`, file),
        );
      });
      zip.readEntry();
    });
    // Every name is checked before anything is written.
    const targets = entries.map((e) => safeTarget(dest, e.fileName, file));
    let count = 0;
    for (let i = 0; i < entries.length; i++) {
      const e = entries[i];
      if (e.fileName.endsWith('/')) {
        await mkdir(targets[i], { recursive: true });
        continue;
      }
      await mkdir(dirname(targets[i]), { recursive: true });
      const crc = crcCheck();
      try {
        const stream = await new Promise<NodeJS.ReadableStream>((res, rej) =>
          zip.openReadStream(e, (err, s) => (err ? rej(err) : res(s!))),
        );
        await pipeline(stream, crc, createWriteStream(targets[i]));
      } catch (err) {
        throw new DataError(
          `${file}: error: cannot unpack '${e.fileName}' (${err instanceof Error ? err.message : String(err)})`,
          file,
        );
      }
      if (crc.crc >>> 0 !== e.crc32 >>> 0)
        throw new DataError(`${file}: error: CRC mismatch in '${e.fileName}' (corrupt archive)`, file);
      if (++count % 5000 === 0) log?.(`  ${count} files unpacked`);
    }
    return count;
  } finally {
    zip.close();
  }
}
