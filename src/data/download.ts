// `yololab data download`: fetches the official dataset archives with resumable HTTP range
// requests, verifies their MD5, and unpacks them. Re-running continues a partial download
// (FILE.part) and skips archives already verified and unpacked.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile, access } from 'node:fs/promises';
import * as http from 'node:http';
import * as https from 'node:https';
import { join } from 'node:path';
import { DataError } from './errors';
import { unpackArchive } from './archive';

export interface ArchiveSpec {
  url: string;
  md5: string;
  size?: number;
}

export interface DatasetSpec {
  archives: ArchiveSpec[];
  /** What the user should put in the config once it is unpacked. */
  hint: string;
}

// Checksums as published with the datasets (and used by torchvision's and others' loaders).
export const DATASETS: Record<string, DatasetSpec> = {
  voc2007: {
    archives: [
      {
        url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtrainval_06-Nov-2007.tar',
        md5: 'c52e279531787c972589f7e41ab4ae64',
      },
      {
        url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2007/VOCtest_06-Nov-2007.tar',
        md5: 'b6e924de25625d8de591ea690078ad9f',
      },
    ],
    hint: "data_root='DIR/VOCdevkit/', ann_file='VOC2007/ImageSets/Main/trainval.txt', data_prefix=dict(sub_data_root='VOC2007/')",
  },
  voc2012: {
    archives: [
      {
        url: 'http://host.robots.ox.ac.uk/pascal/VOC/voc2012/VOCtrainval_11-May-2012.tar',
        md5: '6cd6e144f989b92b3379bac3b3de84fd',
      },
    ],
    hint: "data_root='DIR/VOCdevkit/', ann_file='VOC2012/ImageSets/Main/trainval.txt', data_prefix=dict(sub_data_root='VOC2012/')",
  },
  coco2017: {
    archives: [
      {
        url: 'http://images.cocodataset.org/annotations/annotations_trainval2017.zip',
        md5: 'f4bbac642086de4f52a3fdda2de5fa2c',
        size: 252907541,
      },
      {
        url: 'http://images.cocodataset.org/zips/val2017.zip',
        md5: '442b8da7639aecaf257c1dceb8ba8c80',
        size: 815585330,
      },
      {
        url: 'http://images.cocodataset.org/zips/train2017.zip',
        md5: 'cced6f7f71b7629ddf16f17bbcfab6b2',
        size: 19336861798,
      },
    ],
    hint: "data_root='DIR/', ann_file='annotations/instances_train2017.json', data_prefix=dict(img='train2017/')",
  },
};

export interface DownloadOptions {
  /** Replaces everything before the file name of each URL (a mirror, or a local server in tests). */
  urlBase?: string;
  log?: (s: string) => void;
  /** Overrides the built-in catalogue (tests). */
  catalogue?: Record<string, DatasetSpec>;
  timeoutMs?: number;
}

function fileNameOf(url: string): string {
  return decodeURIComponent(new URL(url).pathname.split('/').pop() || 'download');
}

async function exists(p: string): Promise<boolean> {
  return access(p).then(
    () => true,
    () => false,
  );
}

export async function md5File(file: string): Promise<string> {
  const h = createHash('md5');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

function request(url: string, headers: Record<string, string>, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const mod = url.startsWith('https:') ? https : http;
    const req = mod.get(url, { headers }, resolve);
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no data for ${timeoutMs / 1000} s`)));
    req.on('error', reject);
  });
}

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export interface DownloadFileOptions {
  log?: (s: string) => void;
  timeoutMs?: number;
  /** Called as bytes arrive (a progress bar); replaces the 5% log lines. */
  onProgress?: (got: number, total: number) => void;
}

/**
 * Downloads `url` to `dest`, resuming from `dest.part` when a previous run was cut off,
 * then checks the MD5 (datasets) or the SHA-256 prefix (torch hub's check for names like
 * `name-1a2b3c4d.pth`). A mismatch removes the partial file so the next run starts clean.
 */
export async function downloadFile(
  url: string,
  dest: string,
  spec: { md5?: string; size?: number; sha256Prefix?: string },
  opts: DownloadFileOptions = {},
): Promise<void> {
  const log = opts.log ?? (() => {});
  const part = dest + '.part';
  let current = url;
  // Before any request: an await between receiving a response and listening to it would miss its events.
  await mkdir(join(dest, '..'), { recursive: true });
  for (let redirects = 0; ; redirects++) {
    const have = (await stat(part).catch(() => null))?.size ?? 0;
    if (spec.size !== undefined && have === spec.size) break; // complete; only verification left
    let res: http.IncomingMessage;
    try {
      res = await request(current, have ? { Range: `bytes=${have}-` } : {}, opts.timeoutMs ?? 60000);
    } catch (e) {
      throw new DataError(
        `${current}: error: download failed (${e instanceof Error ? e.message : String(e)})` +
          (have ? `; run again to resume (${have} bytes kept in ${part})` : ''),
        dest,
      );
    }
    const code = res.statusCode ?? 0;
    if (code >= 300 && code < 400 && res.headers.location) {
      res.resume();
      if (redirects >= 5) throw new DataError(`${url}: error: too many redirects`, dest);
      current = new URL(res.headers.location, current).toString();
      continue;
    }
    if (code === 416) {
      res.resume();
      break; // nothing left past what we have: treat as complete and let the checksum decide
    }
    if (code !== 200 && code !== 206) {
      res.resume();
      throw new DataError(`${current}: error: server answered HTTP ${code}`, dest);
    }
    let start = 0;
    if (code === 206) {
      const m = /bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      start = m ? Number(m[1]) : -1;
      if (start !== have) {
        res.resume();
        throw new DataError(`${current}: error: server resumed at byte ${start}, expected ${have}`, dest);
      }
      log(`resuming ${fileNameOf(url)} at ${(have / 1e6).toFixed(1)} MB`);
    } else if (have) log(`server does not support resuming; restarting ${fileNameOf(url)}`);
    const total =
      code === 206 ? have + Number(res.headers['content-length'] ?? NaN) : Number(res.headers['content-length'] ?? NaN);
    const out = createWriteStream(part, { flags: code === 206 ? 'a' : 'w' });
    let got = start;
    let nextReport = 0.05;
    try {
      await new Promise<void>((resolve, reject) => {
        res.on('data', (c: Buffer) => {
          got += c.length;
          if (opts.onProgress) opts.onProgress(got, total);
          else if (Number.isFinite(total) && got / total >= nextReport) {
            log(`  ${fileNameOf(url)}: ${Math.floor((got / total) * 100)}% of ${(total / 1e6).toFixed(1)} MB`);
            nextReport += 0.05;
          }
        });
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('connection closed early')));
        res.on('close', () => {
          if (!res.complete) reject(new Error('connection closed early'));
        });
        if (res.destroyed && !res.complete) reject(new Error('connection closed early'));
        out.on('error', reject);
        out.on('finish', resolve);
        res.pipe(out);
      });
    } catch (e) {
      // Keep every byte received so far: destroying the stream would drop what it still buffers,
      // and the next run could not resume from there.
      res.unpipe(out);
      if (!out.destroyed) await new Promise<void>((r) => out.end(() => r()));
      throw new DataError(
        `${current}: error: download interrupted at ${(got / 1e6).toFixed(1)} MB (${e instanceof Error ? e.message : String(e)}); run again to resume`,
        dest,
      );
    }
    if (Number.isFinite(total) && got < total) {
      throw new DataError(
        `${current}: error: download interrupted at ${got} of ${total} bytes; run again to resume`,
        dest,
      );
    }
    break;
  }
  if (spec.md5) {
    const actual = await md5File(part);
    if (actual !== spec.md5) {
      await rm(part, { force: true });
      throw new DataError(
        `${dest}: error: checksum mismatch (md5 ${actual}, expected ${spec.md5}); the partial file was removed, run again to download it afresh`,
        dest,
      );
    }
  }
  if (spec.sha256Prefix) {
    const actual = await sha256File(part);
    if (!actual.startsWith(spec.sha256Prefix)) {
      await rm(part, { force: true });
      throw new DataError(
        `${dest}: error: invalid hash value (sha256 ${actual.slice(0, 16)}…, the file name says ${spec.sha256Prefix}); the partial file was removed, run again to download it afresh`,
        dest,
      );
    }
  }
  await rename(part, dest);
}

export async function downloadDataset(name: string, dir: string, opts: DownloadOptions = {}): Promise<void> {
  const catalogue = opts.catalogue ?? DATASETS;
  const spec = catalogue[name];
  if (!spec) throw new DataError(`unknown dataset '${name}' (known: ${Object.keys(catalogue).join(', ')})`);
  const log = opts.log ?? (() => {});
  const cache = join(dir, '.yololab-downloads');
  await mkdir(cache, { recursive: true });
  for (const a of spec.archives) {
    const fname = fileNameOf(a.url);
    const url = opts.urlBase ? `${opts.urlBase.replace(/\/+$/, '')}/${fname}` : a.url;
    const file = join(cache, fname);
    const marker = join(cache, `${fname}.unpacked`);
    if (await exists(marker)) {
      log(`${fname}: already downloaded and unpacked`);
      continue;
    }
    if (await exists(file)) {
      const actual = await md5File(file);
      if (actual !== a.md5) {
        log(`${fname}: checksum mismatch on the existing file; downloading again`);
        await rm(file, { force: true });
      }
    }
    if (!(await exists(file))) {
      log(`downloading ${url}`);
      await downloadFile(url, file, a, { log, timeoutMs: opts.timeoutMs });
    }
    log(`unpacking ${fname} into ${dir}`);
    const n = await unpackArchive(file, dir, log);
    await writeFile(marker, `${n} files\n`);
    // The archive is no longer needed once unpacked and marked.
    await rm(file, { force: true });
    log(`${fname}: ${n} files`);
  }
  log(`done. In your config: ${spec.hint.replace(/DIR/g, dir)}`);
}
