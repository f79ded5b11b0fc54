import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { readFile, writeFile, readdir, access } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { unpackArchive } from '../../src/data/archive';
import { downloadDataset, downloadFile } from '../../src/data/download';
import { tempDir } from './helpers';
import { makeTar, makeZip } from './archive-helpers';

const md5 = (b: Buffer) => createHash('md5').update(b).digest('hex');
const longDir = 'VOCdevkit/' + 'deep/'.repeat(25); // > 100 bytes: needs the ustar prefix field
const bigBlob = Buffer.from(Array.from({ length: 300000 }, (_, i) => (i * 7919) % 251));

test('tar and tar.gz unpack files, folders and long names', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const tar = makeTar([
      { name: 'VOCdevkit/', data: '', dir: true },
      { name: 'VOCdevkit/VOC2007/ImageSets/Main/train.txt', data: '000001\n000002\n' },
      { name: longDir + 'x.txt', data: 'deep' },
      { name: 'VOCdevkit/VOC2007/JPEGImages/blob.bin', data: bigBlob },
    ]);
    await writeFile(join(dir, 'a.tar'), tar);
    assert.equal(await unpackArchive(join(dir, 'a.tar'), join(dir, 'out1')), 3);
    assert.equal(
      await readFile(join(dir, 'out1/VOCdevkit/VOC2007/ImageSets/Main/train.txt'), 'utf8'),
      '000001\n000002\n',
    );
    assert.equal(await readFile(join(dir, 'out1', longDir, 'x.txt'), 'utf8'), 'deep');
    assert.ok((await readFile(join(dir, 'out1/VOCdevkit/VOC2007/JPEGImages/blob.bin'))).equals(bigBlob));
    await writeFile(join(dir, 'a.tar.gz'), gzipSync(tar));
    assert.equal(await unpackArchive(join(dir, 'a.tar.gz'), join(dir, 'out2')), 3);
    assert.ok((await readFile(join(dir, 'out2/VOCdevkit/VOC2007/JPEGImages/blob.bin'))).equals(bigBlob));
  } finally {
    await cleanup();
  }
});

test('zip unpacks stored and deflated entries and checks CRCs', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const zip = makeZip([
      { name: 'annotations/instances_val2017.json', data: '{"images":[]}' },
      { name: 'val2017/000000000139.jpg', data: bigBlob, store: true },
      { name: 'val2017/blob.bin', data: bigBlob },
    ]);
    await writeFile(join(dir, 'a.zip'), zip);
    assert.equal(await unpackArchive(join(dir, 'a.zip'), join(dir, 'out')), 3);
    assert.equal(await readFile(join(dir, 'out/annotations/instances_val2017.json'), 'utf8'), '{"images":[]}');
    assert.ok((await readFile(join(dir, 'out/val2017/000000000139.jpg'))).equals(bigBlob));
    assert.ok((await readFile(join(dir, 'out/val2017/blob.bin'))).equals(bigBlob));
    // Flip one byte inside the stored entry: the CRC check names the entry.
    const bad = Buffer.from(zip);
    const at = bad.indexOf(bigBlob.subarray(0, 64)) + 1000;
    bad[at] ^= 0xff;
    await writeFile(join(dir, 'bad.zip'), bad);
    await assert.rejects(
      unpackArchive(join(dir, 'bad.zip'), join(dir, 'out3')),
      /bad\.zip: error: CRC mismatch in 'val2017\/000000000139\.jpg'/,
    );
    await writeFile(join(dir, 'cut.zip'), zip.subarray(0, zip.length - 30));
    await assert.rejects(
      unpackArchive(join(dir, 'cut.zip'), join(dir, 'out4')),
      /cut\.zip: error: corrupt zip \(no end-of-central-directory record/,
    );
  } finally {
    await cleanup();
  }
});

test('archives cannot write outside the target folder; truncated and unknown files are clear errors', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeFile(join(dir, 'evil.tar'), makeTar([{ name: '../escape.txt', data: 'x' }]));
    await assert.rejects(
      unpackArchive(join(dir, 'evil.tar'), join(dir, 'out')),
      /evil\.tar: error: archive entry '\.\.\/escape\.txt' points outside the target folder/,
    );
    await writeFile(join(dir, 'evil.zip'), makeZip([{ name: 'a/../../escape.txt', data: 'x' }]));
    await assert.rejects(unpackArchive(join(dir, 'evil.zip'), join(dir, 'out')), /points outside the target folder/);
    await assert.rejects(access(join(dir, 'escape.txt')));
    const tar = makeTar([{ name: 'f.bin', data: bigBlob }]);
    await writeFile(join(dir, 'cut.tar'), tar.subarray(0, 4096));
    await assert.rejects(
      unpackArchive(join(dir, 'cut.tar'), join(dir, 'out5')),
      /cut\.tar: error: archive is truncated/,
    );
    await writeFile(join(dir, 'x.rar'), 'Rar!\x1a\x07\x00');
    await assert.rejects(
      unpackArchive(join(dir, 'x.rar'), join(dir, 'out6')),
      /x\.rar: error: not a tar, tar\.gz or zip archive/,
    );
  } finally {
    await cleanup();
  }
});

/** Serves files with Range support; `cutFirst` closes the first full response half-way. */
async function serve(files: Record<string, Buffer>, cutFirst = false) {
  const log: { path: string; range?: string }[] = [];
  let cut = cutFirst;
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    log.push({ path: name, range: req.headers.range });
    const body = files[name];
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      if (start >= body.length) {
        res.writeHead(416).end();
        return;
      }
      res.writeHead(206, {
        'Content-Length': body.length - start,
        'Content-Range': `bytes ${start}-${body.length - 1}/${body.length}`,
      });
      res.end(body.subarray(start));
      return;
    }
    res.writeHead(200, { 'Content-Length': body.length });
    if (cut) {
      cut = false;
      res.write(body.subarray(0, body.length >> 1), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, log, close: () => new Promise<void>((r) => server.close(() => r())) };
}

test('an interrupted download resumes with a Range request and is verified by MD5', async () => {
  const { dir, cleanup } = await tempDir();
  const body = Buffer.concat([bigBlob, bigBlob, bigBlob]);
  const srv = await serve({ 'data.bin': body }, true);
  try {
    const dest = join(dir, 'data.bin');
    await assert.rejects(
      downloadFile(`${srv.base}/data.bin`, dest, { md5: md5(body) }, { timeoutMs: 5000 }),
      /download interrupted .*run again to resume/,
    );
    const partial = (await readFile(dest + '.part')).length;
    assert.ok(partial > 0 && partial < body.length, `partial ${partial}`);
    await downloadFile(`${srv.base}/data.bin`, dest, { md5: md5(body) }, { timeoutMs: 5000 });
    assert.equal(srv.log[1].range, `bytes=${partial}-`);
    assert.ok((await readFile(dest)).equals(body));
    await assert.rejects(access(dest + '.part'));
    // A wrong checksum removes the partial file so a rerun starts afresh.
    await assert.rejects(
      downloadFile(`${srv.base}/data.bin`, join(dir, 'other.bin'), { md5: '0'.repeat(32) }),
      /other\.bin: error: checksum mismatch \(md5 [0-9a-f]{32}, expected 0{32}\)/,
    );
    await assert.rejects(access(join(dir, 'other.bin.part')));
    await assert.rejects(
      downloadFile(`${srv.base}/missing.bin`, join(dir, 'm.bin'), {}),
      /missing\.bin: error: server answered HTTP 404/,
    );
  } finally {
    await srv.close();
    await cleanup();
  }
});

test('downloadDataset fetches, verifies and unpacks each archive, and a rerun skips finished ones', async () => {
  const { dir, cleanup } = await tempDir();
  const tar = makeTar([{ name: 'VOCdevkit/VOC2007/ImageSets/Main/trainval.txt', data: '000001\n' }]);
  const zip = makeZip([{ name: 'annotations/instances_val2017.json', data: '{}' }]);
  const srv = await serve({ 'VOCtrainval.tar': tar, 'ann.zip': zip });
  const catalogue = {
    tiny: {
      archives: [
        { url: 'http://example.invalid/x/VOCtrainval.tar', md5: md5(tar) },
        { url: 'http://example.invalid/y/ann.zip', md5: md5(zip), size: zip.length },
      ],
      hint: "data_root='DIR/VOCdevkit/'",
    },
  };
  try {
    const lines: string[] = [];
    await downloadDataset('tiny', dir, { urlBase: srv.base, catalogue, log: (s) => lines.push(s) });
    assert.equal(await readFile(join(dir, 'VOCdevkit/VOC2007/ImageSets/Main/trainval.txt'), 'utf8'), '000001\n');
    assert.equal(await readFile(join(dir, 'annotations/instances_val2017.json'), 'utf8'), '{}');
    assert.match(lines[lines.length - 1], new RegExp(`done\\. In your config: data_root='${dir}/VOCdevkit/'`));
    assert.deepEqual((await readdir(join(dir, '.yololab-downloads'))).sort(), [
      'VOCtrainval.tar.unpacked',
      'ann.zip.unpacked',
    ]);
    const requests = srv.log.length;
    await downloadDataset('tiny', dir, { urlBase: srv.base, catalogue, log: () => {} });
    assert.equal(srv.log.length, requests);
    await assert.rejects(
      downloadDataset('voc2099', dir, {}),
      /unknown dataset 'voc2099' \(known: voc2007, voc2012, coco2017\)/,
    );
  } finally {
    await srv.close();
    await cleanup();
  }
});

test('a server that cannot be reached is an error that offers a resume only when bytes were kept', async () => {
  const { dir, cleanup } = await tempDir();
  // A port that was just free: nothing listens there.
  const probe = createServer();
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((r) => probe.close(() => r()));
  const url = `http://127.0.0.1:${port}/a.tar`;
  try {
    await assert.rejects(downloadFile(url, join(dir, 'a.tar'), {}), (e: Error) => {
      assert.match(e.message, /^http:\/\/127\.0\.0\.1:\d+\/a\.tar: error: download failed \(.*ECONNREFUSED.*\)$/);
      return true;
    });
    await writeFile(join(dir, 'b.tar.part'), Buffer.alloc(1000));
    await assert.rejects(
      downloadFile(url, join(dir, 'b.tar'), {}),
      /; run again to resume \(1000 bytes kept in .*b\.tar\.part\)$/,
    );
  } finally {
    await cleanup();
  }
});
