// Large and hostile configs are answered, within bounds: a multi-megabyte config loads in
// both loader modes with the same result; what would take unbounded memory (comprehensions
// of millions of dicts, lists that multiply when written out, one call with 200,000
// keywords, thousands of syntax errors) ends in a located diagnostic. The timeouts are hang
// guards, not speed targets: bench/config.ts measures speed and memory.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigLoader, loadConfig, toTaggedJson, type LoadConfigOptions } from '../../src/config';
import { lintConfig } from '../../src/lint';
import { bigConfig } from '../../bench/big-config';

const ROOT = path.resolve(__dirname, '../..');
const BIN = path.join(ROOT, 'bin/yololab.js');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-big-'));
const write = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
const load = (file: string, opts: LoadConfigOptions = {}) => loadConfig(file, { loader: new ConfigLoader(), ...opts });
const errorOf = (r: ReturnType<typeof load>) => r.diagnostics.find((d) => d.severity === 'error');

test(
  'a 2 MB config (the shape of issue 14: one dict per line, a base template in each) loads streamed and whole, the same',
  { timeout: 120_000 },
  () => {
    const { main, lines } = bigConfig(tmp, 2 * 1024 * 1024);
    const streamed = load(main, { keepSyntaxTree: false });
    assert.ok(streamed.ok, streamed.diagnostics.map((d) => d.message).join('|'));
    const last = streamed.config!.get(`var_${lines - 1}`);
    assert.ok(last, `var_${lines - 1} is in the merged config`);
    assert.equal(
      toTaggedJson(last),
      `{\n  "type": "LoadImageFromFile",\n  "scale": {"__tuple__": [\n    640,\n    640\n  ]},\n  "root": "data/coco/",\n  "n": ${lines - 1}\n}`,
    );
    // Provenance still points at the line that set each value.
    assert.equal(streamed.config!.entry(`var_${lines - 1}`)!.prov!.range.start.line, lines);
    assert.equal(lintConfig(streamed).filter((d) => d.severity === 'error').length, 0);
    const whole = load(main);
    assert.ok(whole.ok);
    assert.equal(toTaggedJson(whole.config!), toTaggedJson(streamed.config!));
  },
);

test(
  'building more than the allocation budget is a MemoryError at the statement, not a swollen process',
  { timeout: 60_000 },
  () => {
    const cases: [string, string][] = [
      ['dicts', 'x = [{} for _ in range(10000000)]\n'],
      ['lists', 'x = [[0] * 1000 for _ in range(100000)]\n'],
      ['strings', "x = ['a' * 100000 + str(i) for i in range(100000)]\n"],
      ['dict comprehension', 'x = {i: i for i in range(10000000)}\n'],
      ['appends', 'x = []\nfor i in range(5000000):\n    x.append(str(i))\n'],
    ];
    for (const [name, text] of cases) {
      const r = load(write(`budget-${name.replace(/ /g, '-')}.py`, 'y = 1\n' + text), {
        keepSyntaxTree: false,
        maxValueBytes: 16 * 1024 * 1024,
      });
      const d = errorOf(r);
      assert.ok(d, `${name}: expected a MemoryError`);
      assert.equal(d.pyType, 'MemoryError', `${name}: ${d.message}`);
      assert.match(d.message, /the config builds more than 16 MiB of values/);
      assert.ok(d.range.start.line >= 1, `${name}: located at the statement, not 1:1`);
    }
  },
);

test(
  "server-core's 40 bytes (a list comprehension of 100,000 lists of 1,000 zeros; 61 s and 2.8 GB before) stop at the default budget",
  { timeout: 60_000 },
  () => {
    for (const keepSyntaxTree of [true, false]) {
      const r = load(write('many-lists.py', 'x = [[0]*1000 for i in range(100000)]\n'), { keepSyntaxTree });
      const d = errorOf(r);
      assert.ok(d, `many-lists.py: expected a MemoryError (keepSyntaxTree ${keepSyntaxTree})`);
      assert.equal(d.pyType, 'MemoryError');
      assert.match(d.message, /^the config builds more than 256 MiB of values/);
      // At the element being built when the budget ran out: `[0]*1000`.
      assert.deepEqual(d.range.start, { line: 0, col: 5 });
    }
  },
);

test(
  'the CLI refuses a config that would build gigabytes, in one line, with the default budget',
  { timeout: 120_000 },
  () => {
    const file = write('gigabytes.py', 'x = [dict(a=i, b=[i, i]) for i in range(10000000)]\n');
    const r = spawnSync(process.execPath, [BIN, 'print-config', file], { encoding: 'utf8', timeout: 100_000 });
    assert.notEqual(r.status, null, 'the CLI hung');
    assert.equal(r.status, 1, r.stderr);
    assert.match(
      r.stderr.trim(),
      /gigabytes\.py:1:6: error: the config builds more than 256 MiB of values .*\[python-error\]$/,
    );
  },
);

test('lists that multiply when written out are refused; deep nesting is a RecursionError', { timeout: 60_000 }, () => {
  const bomb = load(write('bomb.py', 'a = [1] * 1000\nb = [a] * 1000\nc = [b] * 1000\n'));
  assert.match(errorOf(bomb)!.message, /more than 8388608 values once its shared lists and dicts are written out/);
  assert.equal(errorOf(bomb)!.pyType, 'MemoryError');
  const deep = load(write('deep.py', 'x = []\nfor i in range(200000):\n    x = [x]\n'));
  assert.equal(deep.ok, false);
  assert.equal(errorOf(deep)!.pyType, 'RecursionError');
});

test(
  'two lines that repeat an operation over a large value (hours of work, little memory) stop with a located error',
  { timeout: 120_000 },
  () => {
    const cases: [string, string][] = [
      ['sum in a loop', 'a = [0] * 10**6\nx = [sum(a) for i in range(10**6)]\n'],
      ['membership', 'a = [0] * 10**6\nx = [1 in a for i in range(10**6)]\n'],
      ['equality', 'a = [0] * 10**6\nb = [0] * 10**6\nx = [a == b for i in range(10**6)]\n'],
      ['count', 'a = [0] * 10**6\nx = [a.count(1) for i in range(10**6)]\n'],
      ['tuple keys', 'a = tuple([0] * 10**6)\nx = [{a: 1} for i in range(10**6)]\n'],
      ['filter', 'a = [0] * 10**6\nx = [0 for i in range(10**6) if 1 in a]\n'],
      ['string search', "s = 'a' * 10**7\nx = [s.count('b') for i in range(10**7)]\n"],
      ['repr', 'a = [0] * 10**6\nx = [len(str(a)) for i in range(10**6)]\n'],
      ['nested filtered loops', 'x = [0 for i in range(10**7) for j in range(10**7) if 0]\n'],
    ];
    for (const [name, text] of cases) {
      for (const keepSyntaxTree of [true, false]) {
        const file = write(`work-${name.replace(/ /g, '-')}.py`, text);
        // A smaller work limit than the default keeps the test short; the CLI case below uses the default.
        const d = errorOf(load(file, { keepSyntaxTree, maxWork: 2_000_000 }));
        assert.ok(d, `${path.basename(file)}: expected an error (keepSyntaxTree ${keepSyntaxTree})`);
        assert.match(
          d.message,
          /^unsupported in configs: evaluation takes too long/,
          `${path.basename(file)}: ${d.message}`,
        );
        assert.equal(d.range.start.line, text.split('\n').length - 2, `${path.basename(file)}: located at the loop`);
      }
    }
  },
);

test('the CLI stops a sum repeated a million times, in one line, with the default limits', { timeout: 60_000 }, () => {
  const file = write('sums.py', 'a = [0] * 10**6\nx = [sum(a) for i in range(10**6)]\n');
  const r = spawnSync(process.execPath, [BIN, 'print-config', file], { encoding: 'utf8', timeout: 50_000 });
  assert.notEqual(r.status, null, 'the CLI hung');
  assert.equal(r.status, 1, r.stderr);
  assert.match(
    r.stderr.trim(),
    /^\S*sums\.py:2:6: error: unsupported in configs: evaluation takes too long .*\[unsupported-syntax\]$/,
  );
});

test('one dict(...) call with 200,000 keywords loads (keyword checks are not quadratic)', { timeout: 60_000 }, () => {
  const kws = Array.from({ length: 200_000 }, (_, i) => `k${i}=${i}`).join(', ');
  const r = load(write('kwargs.py', `x = dict(${kws})\n`), { keepSyntaxTree: false });
  assert.ok(r.ok, r.diagnostics.map((d) => d.message).join('|'));
  assert.equal((r.config!.get('x') as { size: number }).size, 200_000);
  const dup = load(write('kwargs-dup.py', `x = dict(${kws}, k7=1)\n`), { keepSyntaxTree: false });
  assert.equal(errorOf(dup)!.message, 'keyword argument repeated: k7');
});

test('a megabyte of broken text gives a bounded list of syntax errors', { timeout: 60_000 }, () => {
  const r = load(write('garbage.py', 'x = ]\n'.repeat(200_000)));
  const n = r.diagnostics.filter((d) => d.code === 'syntax-error').length;
  assert.ok(n > 0 && n <= 100, `${n} syntax errors`);
});

test('print-config streams a 10 MB string value', { timeout: 60_000 }, () => {
  const file = write('long-string.py', "x = 'ab' * 5000000\n");
  const r = spawnSync(process.execPath, [BIN, 'print-config', file], {
    encoding: 'utf8',
    timeout: 50_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.length, "x = ''\n".length + 10_000_000);
});
