// `yololab train` (bin/yololab.js, the built CLI) given a checkpoint it cannot use, as load_from
// (the config key or --cfg-options) or as --resume FILE: a truncated .pth, a .pth whose data.pkl
// calls posix.system / os.system through GLOBAL + REDUCE, and a URL nobody answers. Each ends the
// run with exit code 1 and one error line that names the file, nothing in the pickle runs, and
// the work dir's earlier checkpoints and last_checkpoint stay byte for byte as they were.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { zipSync } from 'fflate';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tinyConfig } from './fixtures/tiny-config';
import { stderrLines } from '../helpers/cli-output';

const BIN = resolve(__dirname, '../../bin/yololab.js');
const dir = mkdtempSync(join(tmpdir(), 'yololab-badck-'));
const wd = join(dir, 'wd');
const cache = join(dir, 'torch-home');
const marker = join(dir, 'pwned');
let cfg = '';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, 'train', ...args], {
    encoding: 'utf8',
    timeout: 60000,
    env: { ...process.env, TORCH_HOME: cache, YOLOLAB_DEBUG: '' },
  });
  // tfjs prints a banner about tfjs-node on import; everything else counts.
  const err = stderrLines(r.stderr);
  return { code: r.status, err, out: r.stdout };
}

/** The work dir's files (not the per-run log folders) and their bytes. */
function files(): Map<string, Buffer> {
  return new Map(
    readdirSync(wd)
      .filter((n) => statSync(join(wd, n)).isFile())
      .map((n) => [n, readFileSync(join(wd, n))]),
  );
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A torch.save zip whose data.pkl is `module.name(command)`: GLOBAL, the string, TUPLE1, REDUCE. */
function hostilePth(file: string, module: string, name: string): void {
  const cmd = Buffer.from(`touch ${marker}`);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(cmd.length);
  const pkl = Buffer.concat([
    Buffer.from(`\x80\x02c${module}\n${name}\nX`, 'latin1'),
    len,
    cmd,
    Buffer.from('\x85R.', 'latin1'),
  ]);
  const stored = (b: Uint8Array): [Uint8Array, { level: 0 }] => [b, { level: 0 }];
  writeFileSync(
    file,
    zipSync({
      'archive/data.pkl': stored(pkl),
      'archive/byteorder': stored(Buffer.from('little')),
      'archive/version': stored(Buffer.from('3\n')),
    }),
  );
}

/** A local port with nothing listening on it (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((res) => srv.listen(0, '127.0.0.1', res));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((res) => srv.close(() => res()));
  return port;
}

let before_: Map<string, Buffer>;
const bad: Array<{ what: string; src: string; error: RegExp }> = [];

before(async () => {
  await makeDemoDataset(join(dir, 'data'), { train: 4, val: 2, size: 64, seed: 3 });
  cfg = join(dir, 'tiny.py');
  writeFileSync(cfg, tinyConfig(join(dir, 'data')));
  // A run that got somewhere: epoch_1.pth and last_checkpoint in the work dir.
  const first = cli(cfg, '--work-dir', wd, '--backend', 'wasm', '--max-iters', '1');
  assert.equal(first.code, 0, first.err.join('\n'));
  before_ = files();
  assert.deepEqual([...before_.keys()].sort(), ['epoch_1.pth', 'last_checkpoint']);

  const truncated = join(dir, 'truncated.pth');
  const good = before_.get('epoch_1.pth')!;
  writeFileSync(truncated, good.subarray(0, good.length >> 1));
  bad.push({
    what: 'a truncated .pth',
    src: truncated,
    error: new RegExp(`^${escape(truncated)}: error: not a readable PyTorch checkpoint, or truncated \\(zip: .*\\)$`),
  });
  for (const [module, name] of [
    ['posix', 'system'],
    ['os', 'system'],
  ]) {
    const f = join(dir, `${module}-${name}.pth`);
    hostilePth(f, module, name);
    bad.push({
      what: `a .pth whose pickle calls ${module}.${name}`,
      src: f,
      error: new RegExp(
        `^${escape(f)}: error: pickle calls ${module}\\.${name}, which is not allowed in a checkpoint \\(nothing was run\\)$`,
      ),
    });
  }
  const url = `http://127.0.0.1:${await closedPort()}/x.pth`;
  bad.push({
    what: 'an unreachable URL',
    src: url,
    error: new RegExp(
      `^${escape(url)}: error: cannot download \\(.*ECONNREFUSED.*\\); to work offline, put the file at ${escape(join(cache, 'hub', 'checkpoints', 'x.pth'))}$`,
    ),
  });
});

after(() => rmSync(dir, { recursive: true, force: true }));

function assertRefused(how: string, src: string, error: RegExp, r: ReturnType<typeof cli>): void {
  const label = `${how} ${src}:\n${r.err.join('\n')}`;
  assert.equal(r.code, 1, label);
  assert.equal(r.err.length, 1, `one error line: ${label}`);
  assert.match(r.err[0], error, label);
  assert.ok(!r.err.some((l) => /^\s+at /.test(l)), `no stack trace: ${label}`);
  assert.doesNotMatch(r.out, /Epoch\(train\)/, `no training step: ${label}`);
  assert.ok(!existsSync(marker), `nothing was executed: ${label}`);
  const now = files();
  assert.deepEqual([...now.keys()].sort(), [...before_.keys()].sort(), `no file added or removed: ${label}`);
  for (const [n, bytes] of before_) assert.ok(now.get(n)!.equals(bytes), `${n} unchanged: ${label}`);
  // A failed download leaves nothing in the cache that a later run would take for the file.
  assert.deepEqual(
    existsSync(join(cache, 'hub', 'checkpoints')) ? readdirSync(join(cache, 'hub', 'checkpoints')) : [],
    [],
    `cache empty: ${label}`,
  );
}

test('load_from in --cfg-options: one error line naming the file, exit 1, the work dir untouched', () => {
  for (const { what, src, error } of bad) {
    const r = cli(cfg, '--work-dir', wd, '--backend', 'wasm', '--cfg-options', `load_from=${src}`);
    assertRefused(`--cfg-options load_from= (${what})`, src, error, r);
  }
});

test('load_from as a config key: the same one line', () => {
  for (const [i, { what, src, error }] of bad.entries()) {
    const c = join(dir, `load_from_${i}.py`);
    writeFileSync(c, tinyConfig(join(dir, 'data'), `load_from = '${src}'\n`));
    const r = cli(c, '--work-dir', wd, '--backend', 'wasm');
    assertRefused(`config load_from = (${what})`, src, error, r);
  }
});

test('--resume FILE: the same one line, and the earlier checkpoint is neither replaced nor resumed from', () => {
  for (const { what, src, error } of bad) {
    const r = cli(cfg, '--work-dir', wd, '--backend', 'wasm', '--resume', src);
    assertRefused(`--resume (${what})`, src, error, r);
  }
});
