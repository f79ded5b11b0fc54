// Checkpoint URLs: downloaded once into torch hub's cache ($TORCH_HOME/hub/checkpoints), resumed
// with a Range request when cut off, checked against the sha256 prefix in names like
// name-1a2b3c4d.pth, reused when cached; offline, one error naming the URL and the cache path.
// Only a local server on 127.0.0.1 is contacted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, homedir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { hashPrefixOf, resolveCheckpointPath, torchHubCheckpointDir } from '../../src/train/checkpoint-cache';
import { CheckpointError } from '../../src/checkpoint/errors';

const body = readFileSync('test/fixtures/checkpoints/legacy_format.pth');
const sha = createHash('sha256').update(body).digest('hex');

async function serve(files: Record<string, Buffer>, cutFirst = false) {
  const log: Array<{ path: string; range?: string }> = [];
  let cut = cutFirst;
  const server: Server = createServer((req, res) => {
    const name = decodeURIComponent((req.url ?? '/').slice(1));
    log.push({ path: name, range: req.headers.range });
    const b = files[name];
    if (!b) return void res.writeHead(404).end();
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (m) {
      const start = Number(m[1]);
      res.writeHead(206, {
        'Content-Length': b.length - start,
        'Content-Range': `bytes ${start}-${b.length - 1}/${b.length}`,
      });
      return void res.end(b.subarray(start));
    }
    res.writeHead(200, { 'Content-Length': b.length });
    if (cut) {
      cut = false;
      res.write(b.subarray(0, b.length >> 1), () => res.destroy());
      return;
    }
    res.end(b);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    log,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

test("the cache folder is torch hub's: $TORCH_HOME, else $XDG_CACHE_HOME/torch, else ~/.cache/torch", () => {
  assert.equal(torchHubCheckpointDir({ TORCH_HOME: '/t' }), '/t/hub/checkpoints');
  assert.equal(torchHubCheckpointDir({ XDG_CACHE_HOME: '/x' }), '/x/torch/hub/checkpoints');
  assert.equal(torchHubCheckpointDir({}), join(homedir(), '.cache/torch/hub/checkpoints'));
  assert.equal(hashPrefixOf('yolov8_n_syncbn_fast_8xb16-500e_coco_20230114_131804-88c11cdb.pth'), '88c11cdb');
  assert.equal(hashPrefixOf('epoch_3.pth'), undefined);
});

test('a URL downloads into the cache, resumes after a cut, passes the hash check, and is reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-'));
  const name = `tiny-${sha.slice(0, 8)}.pth`;
  const srv = await serve({ [name]: body }, true);
  try {
    const url = `${srv.base}/${name}`;
    const lines: string[] = [];
    const opts = { cacheDir: dir, log: (s: string) => lines.push(s), tty: false, timeoutMs: 5000 };
    await assert.rejects(
      resolveCheckpointPath(url, opts),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.where === url &&
        /cannot download \(download interrupted .*\); to work offline, put the file at /.test(e.message),
    );
    const got = await resolveCheckpointPath(url, opts);
    assert.equal(got, join(dir, name));
    assert.ok(readFileSync(got).equals(body));
    assert.match(srv.log[1].range ?? '', /^bytes=\d+-$/, 'the second request resumed');
    const requests = srv.log.length;
    assert.equal(await resolveCheckpointPath(url, opts), got);
    assert.equal(srv.log.length, requests, 'cached: no request');
    assert.ok(lines.some((l) => l.startsWith(`using ${got}`)));
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a wrong hash prefix removes the download; offline names the URL and the cache path; other schemes are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hub-'));
  const srv = await serve({ 'tiny-deadbeef.pth': body });
  try {
    const url = `${srv.base}/tiny-deadbeef.pth`;
    await assert.rejects(
      resolveCheckpointPath(url, { cacheDir: dir, tty: false }),
      /cannot download \(invalid hash value \(sha256 [0-9a-f]{16}…, the file name says deadbeef\)/,
    );
    assert.ok(!existsSync(join(dir, 'tiny-deadbeef.pth')) && !existsSync(join(dir, 'tiny-deadbeef.pth.part')));
    // Offline: a port nobody listens on.
    const closed = await serve({});
    await closed.close();
    const offline = `${closed.base}/tiny-deadbeef.pth`;
    await assert.rejects(
      resolveCheckpointPath(offline, { cacheDir: dir, tty: false, timeoutMs: 2000 }),
      (e: unknown) =>
        e instanceof CheckpointError &&
        e.where === offline &&
        e.message.includes(`to work offline, put the file at ${join(dir, 'tiny-deadbeef.pth')}`) &&
        /ECONNREFUSED/.test(e.message),
    );
    await assert.rejects(
      resolveCheckpointPath('open-mmlab://resnet50', { cacheDir: dir }),
      /only local files and http\(s\) URLs can be loaded/,
    );
  } finally {
    await srv.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
