// What the analysis budget's size check cannot see is bounded per load: a short
// config that loops for minutes is stopped at the time limit (LoadOptions.cancelled)
// and gets the reduced service with a diagnostic that says so; one that builds
// gigabytes stops at the editor's allocation cap; a base the index cannot resolve
// (a template in its path) is not read past the size budget. In-process.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { features } from '../../src/workspace/features';
import { check, expect, workspaceFrom } from './check';

// 100 million steps that build nothing: about 20 s of evaluation.
const SLOW = 'n = [0 for i in range(10000) for j in range(10000) if i < 0]\n';

test(
  'a config that runs past the time limit is stopped: one diagnostic, reduced service, other files answered',
  { timeout: 60_000 },
  async () => {
    const f = await workspaceFrom(`#- configs/slow.py$0\n${SLOW}lr = 0.1\n#- configs/other.py\nlr = 0.2\n`, {
      maxLoadMs: 100,
    });
    check(
      (features.diagnostics(f.ws, f.file) ?? [])
        .map((d) => `${d.severity} [${d.code}] ${d.range.start.line}:${d.range.start.col} ${d.message}`)
        .join('\n'),
      expect`
      warning [too-slow-for-editor] 0:0 slow.py took more than 100 ms to evaluate, the longest the editor waits: hover, lint, completion and the merged preview are off for it until it changes (go to its _base_ files still works); check it with \`yololab lint slow.py\`
    `,
    );
    // Kept for the open file: a hover does not wait the limit again.
    assert.equal(f.ws.analyze(f.file), f.ws.analyze(f.file));
    assert.equal(features.hover(f.ws, f.file, { line: 1, col: 0 }), undefined);
    assert.deepEqual(features.completion(f.ws, f.file, { line: 1, col: 0 }), []);
    const other = f.abs('configs/other.py');
    assert.match(features.hover(f.ws, other, { line: 0, col: 0 })!.markdown, /0\.2/);
    // Another config reading it gets no result, not a wait.
    assert.equal(f.ws.load(f.file).ok, false);
    // An edit that makes it fast gives the full service back.
    f.ws.setBuffer(f.file, 'lr = 0.1\n');
    assert.deepEqual(
      features.diagnostics(f.ws, f.file)!.filter((d) => d.severity !== 'information'),
      [],
    );
    assert.match(features.hover(f.ws, f.file, { line: 0, col: 0 })!.markdown, /0\.1/);
  },
);

test(
  'one long operation repeated (no statement between) is stopped at the time limit too',
  { timeout: 60_000 },
  async () => {
    // Each sum visits a million items: the load asks whether to stop from inside the operations, not only between steps.
    const f = await workspaceFrom('a = [0] * 10**6\nx = [sum(a) for i in range(10**6)]\n', { maxLoadMs: 100 });
    assert.deepEqual(
      features.diagnostics(f.ws, f.file)!.map((d) => d.code),
      ['too-slow-for-editor'],
    );
  },
);

test(
  "a few bytes that build gigabytes stop at the editor's allocation cap with a MemoryError at the statement",
  { timeout: 60_000 },
  async () => {
    const f = await workspaceFrom('x = [[0]*1000 for i in range(100000)]\n', { maxLoadMs: 60_000 });
    check(
      (features.diagnostics(f.ws, f.file) ?? [])
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.range.start.line}:${d.range.start.col} ${d.message}`)
        .join('\n'),
      expect`
      0:5 the config builds more than 64 MiB of values (YOLO Lab's limit for one load; a config that large is almost certainly a mistake)
    `,
    );
  },
);

test('a base the index cannot resolve (a template in its path) is not read past the size budget', async () => {
  const big = Array.from({ length: 40 }, (_, i) => `var_${i} = dict(type='LoadImageFromFile', idx=${i})`).join('\n');
  const f = await workspaceFrom(
    `#- configs/_base_/big.py\n${big}\n#- configs/child.py$0\n_base_ = '{{ fileDirname }}/_base_/big.py'\nlr = 0.1\n`,
    { maxChainBytes: 1000 },
  );
  check(
    f.relative(
      (features.diagnostics(f.ws, f.file) ?? [])
        .filter((d) => d.severity === 'error')
        .map((d) => `${d.range.start.line}:${d.range.start.col} [${d.code}] ${d.message}`)
        .join('\n'),
    ),
    expect`
      0:9 [base-error] base 'configs/_base_/big.py' cannot be loaded: big.py:1:1: file is too large for a config (1900 bytes; the limit is 1000 bytes, 1000 bytes)
    `,
  );
});
