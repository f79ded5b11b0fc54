// Special files never hang or exhaust the engine or the CLI: FIFOs, devices, symlinks to
// them, folders, files over the size limit, names without `.py` (refused before they are
// opened, as MMEngine does). Each case is a real file on disk; every CLI run has a timeout,
// so a regression shows as a failure, not a stuck test run.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigLoader, loadConfig, readConfigFile } from '../../src/config';
import { collectConfigFiles } from '../../src/cli/lint';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yololab.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-special-'));
const at = (...p: string[]) => path.join(tmp, ...p);
const write = (name: string, content: string | Buffer) => {
  fs.mkdirSync(path.dirname(at(name)), { recursive: true });
  fs.writeFileSync(at(name), content);
  return at(name);
};
/** The CLI with a hard timeout: a hang is a failed assertion (status null), never a stuck suite. */
const cli = (args: string[]) =>
  spawnSync(process.execPath, [BIN, ...args], { cwd: tmp, encoding: 'utf8', timeout: 20_000 });
const load = (file: string, opts: Parameters<typeof loadConfig>[1] = {}) =>
  loadConfig(file, { loader: new ConfigLoader(), ...opts });
const errors = (r: ReturnType<typeof load>) => r.diagnostics.filter((d) => d.severity === 'error');

function oneErrorLine(r: ReturnType<typeof cli>, pattern: RegExp): void {
  assert.notEqual(r.status, null, `the CLI hung (killed after ${20} s): ${r.error}`);
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `one line: ${r.stderr}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
}

const hasMkfifo = process.platform !== 'win32' && spawnSync('mkfifo', ['--version']).status === 0;
const mkfifo = (name: string) => {
  const p = at(name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  assert.equal(spawnSync('mkfifo', [p]).status, 0, 'mkfifo failed');
  return p;
};
const hasDevZero = fs.existsSync('/dev/zero');

test(
  'a FIFO as the config or as a base is refused at once, never read (it would block)',
  { skip: !hasMkfifo && 'mkfifo is not available' },
  () => {
    const fifo = mkfifo('fifo/cfg.py');
    oneErrorLine(
      cli(['print-config', fifo]),
      /cfg\.py:1:1: error: is a FIFO \(named pipe\), not a regular file.*\[read-error\]$/,
    );
    write('fifo/child.py', "_base_ = './cfg.py'\nx = 1\n");
    oneErrorLine(
      cli(['print-config', at('fifo/child.py')]),
      /child\.py:1:10: error: base '\.\/cfg\.py' cannot be loaded: cfg\.py:1:1: is a FIFO.*\[base-error\]$/,
    );
    const lint = cli(['lint', at('fifo')]);
    assert.equal(lint.status, 1, lint.stderr);
    assert.match(lint.stdout, /cfg\.py:1:1: error: is a FIFO/);
    // The engine directly (what the language server calls).
    const r = load(fifo);
    assert.equal(r.ok, false);
    assert.equal(errors(r)[0].code, 'read-error');
  },
);

test(
  'a base without .py is refused by its name before it is opened (a FIFO there would block)',
  { skip: !hasMkfifo && 'mkfifo is not available' },
  () => {
    mkfifo('noext/secret');
    write('noext/child.py', "_base_ = './secret'\n");
    oneErrorLine(
      cli(['print-config', at('noext/child.py')]),
      /child\.py:1:10: error: base '\.\/secret' cannot be loaded: secret:1:1: only Python configs \(\.py\) are supported, not 'no extension'/,
    );
  },
);

test(
  '/dev/zero, a .py symlink to it, and a base resolving to it never read without end',
  { skip: !hasDevZero && 'no /dev/zero' },
  () => {
    oneErrorLine(
      cli(['print-config', '/dev/zero']),
      /^\/dev\/zero:1:1: error: only Python configs \(\.py\) are supported/,
    );
    fs.symlinkSync('/dev/zero', at('zero.py'));
    oneErrorLine(cli(['print-config', 'zero.py']), /^zero\.py:1:1: error: is a character device, not a regular file/);
    write('zero-child.py', "_base_ = './zero.py'\n");
    oneErrorLine(
      cli(['print-config', 'zero-child.py']),
      /zero-child\.py:1:10: error: base '\.\/zero\.py' cannot be loaded: zero\.py:1:1: is a character device/,
    );
    // An absolute base stays absolute (os.path.join), and is refused by its name.
    write('abs-zero.py', "_base_ = '/dev/zero'\n");
    oneErrorLine(
      cli(['print-config', 'abs-zero.py']),
      /abs-zero\.py:1:10: error: base '\/dev\/zero' cannot be loaded: zero:1:1: only Python configs/,
    );
  },
);

test('a folder, a dangling link, a symlink loop: one clear error each', () => {
  fs.mkdirSync(at('dir.py'));
  oneErrorLine(cli(['print-config', 'dir.py']), /dir\.py:1:1: error: Is a directory/);
  fs.symlinkSync(at('nowhere.py'), at('dangling.py'));
  oneErrorLine(
    cli(['print-config', 'dangling.py']),
    /dangling\.py:1:1: error: No such file or directory \[base-missing\]$/,
  );
  fs.symlinkSync(at('loop-b.py'), at('loop-a.py'));
  fs.symlinkSync(at('loop-a.py'), at('loop-b.py'));
  oneErrorLine(
    cli(['print-config', 'loop-a.py']),
    /loop-a\.py:1:1: error: Too many levels of symbolic links \[read-error\]$/,
  );
  // A folder linked into itself is walked once.
  fs.mkdirSync(at('tree/sub'), { recursive: true });
  write('tree/sub/a.py', 'x = 1\n');
  fs.symlinkSync(at('tree'), at('tree/sub/back'));
  const { files } = collectConfigFiles([at('tree')]);
  assert.deepEqual(
    files.map((f) => path.relative(tmp, f)),
    [path.join('tree', 'sub', 'a.py')],
  );
});

test('a file over the size limit is refused without being read, naming the file and the limit', () => {
  // Sparse: 40 MiB on paper, nothing on disk, and nothing read.
  const big = at('huge.py');
  fs.closeSync(fs.openSync(big, 'w'));
  fs.truncateSync(big, 40 * 1024 * 1024);
  oneErrorLine(
    cli(['print-config', 'huge.py']),
    /^huge\.py:1:1: error: file is too large for a config \(41943040 bytes; the limit is 33554432 bytes, 32 MiB\) \[read-error\]$/,
  );
  write('huge-child.py', "_base_ = './huge.py'\n");
  oneErrorLine(
    cli(['print-config', 'huge-child.py']),
    /huge-child\.py:1:10: error: base '\.\/huge\.py' cannot be loaded: huge\.py:1:1: file is too large for a config/,
  );
  // The limit is an option (the editor may want a smaller one), and applies to unsaved buffers too.
  const small = write('small.py', 'x = ' + '1'.repeat(2000) + '\n');
  const r = load(small, { maxFileBytes: 1000 });
  assert.equal(r.ok, false);
  assert.match(errors(r)[0].message, /too large for a config \(2005 bytes; the limit is 1000 bytes/);
  const overlay = load(at('unsaved.py'), {
    maxFileBytes: 1000,
    overlay: (f) => (f === at('unsaved.py') ? 'y = "' + 'é'.repeat(600) + '"\n' : undefined),
  });
  assert.equal(overlay.ok, false);
  assert.match(errors(overlay)[0].message, /too large for a config \(1207 bytes; the limit is 1000 bytes/);
});

test(
  'readConfigFile reads files that report size 0 (procfs) only up to the limit',
  { skip: !fs.existsSync('/proc/self/status') && 'no procfs' },
  () => {
    const r = readConfigFile('/proc/self/status', { requirePy: false, maxBytes: 64 });
    assert.equal(r.text, undefined);
    assert.match(r.error!.message, /too large for a config \(more than that; the limit is 64 bytes/);
    const whole = readConfigFile('/proc/self/status', { requirePy: false });
    assert.match(whole.text!, /^Name:/);
  },
);

test('bytes that are not UTF-8 text, or NUL bytes, are refused with what MMEngine would say', () => {
  const latin1 = write('latin1.py', Buffer.from("x = 'caf\xe9'\n", 'latin1'));
  assert.match(errors(load(latin1))[0].message, /'utf-8' codec can't decode/);
  const nul = write('nul.py', Buffer.from('x = 1\0\n'));
  assert.match(errors(load(nul))[0].message, /null bytes/);
  // A literal U+FFFD in valid UTF-8 is just text.
  const fffd = write('fffd.py', "x = '\uFFFD'\n");
  const r = load(fffd);
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('|'));
  assert.equal(r.config!.get('x'), '\uFFFD');
});
