// The loader's two modes give the same answers: the syntax tree kept (the editor) or
// each statement evaluated as it is parsed (the CLI, for large configs). The streamed
// mode checks a templated file's substituted text while evaluating it, so these cases
// pin MMEngine's order there: a syntax error after substitution wins over an evaluation
// error earlier in the file, over a missing or broken base, and over a cycle.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ConfigLoader, loadConfig, toTaggedJson, unitsOf } from '../../src/config';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-modes-'));
const write = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, text);
  return p;
};

write('base.py', "data_root = 'data/'\nmodel = dict(type='A', depth=1)\n");
write('broken_base.py', 'x = (\n');
write('cycle_a.py', "_base_ = './cycle_b.py'\n");
// The raw text is valid Python (a set of a set of a string); substituted, `x = 1)` is not.
const BAD_TEMPLATE = "x = {{'$YOLOLAB_UNSET_VAR:1)'}}\n";

const CASES: [string, string][] = [
  ['syntax after substitution beats an earlier NameError', "_base_ = './base.py'\ny = undefined_name\n" + BAD_TEMPLATE],
  ['syntax after substitution beats a missing base', "_base_ = './missing.py'\n" + BAD_TEMPLATE],
  ['syntax after substitution beats a broken base', "_base_ = './broken_base.py'\n" + BAD_TEMPLATE],
  ['syntax after substitution beats a cycle', "_base_ = './cycle_a.py'\n" + BAD_TEMPLATE],
  [
    'warnings of statements evaluated before the syntax error are dropped',
    "_base_ = './base.py'\nimport os\nf = lambda v: v\n" + BAD_TEMPLATE,
  ],
  [
    'an evaluation error stands when the syntax is fine',
    "_base_ = './base.py'\nroot = {{_base_.data_root}}\ny = undefined_name\nz = 1\n",
  ],
  ['a template in _base_ itself', "_base_ = '{{ fileDirname }}/base.py'\nroot = {{_base_.data_root}}\n"],
  [
    'a clean templated config',
    "_base_ = './base.py'\nroot = {{_base_.data_root}}\nmodel = dict(depth={{'$YOLOLAB_UNSET_VAR:3'}})\n",
  ],
  [
    'a raw syntax error (an unquoted env template) beats all else',
    "_base_ = './missing.py'\ny = undefined_name\nx = {{$YOLOLAB_UNSET_VAR:1}}\n",
  ],
  ['a raw syntax error beats a template error', "_base_ = './base.py'\nx = '{{$YOLOLAB_UNSET_VAR}}'\ny = (\n"],
  ['a new-style config is refused', "from .base import *\nwith read_base():\n    pass\n_base_ = './base.py'\n"],
  [
    'a plain config (no template) with an evaluation error',
    "_base_ = './base.py'\nmodel = dict(depth=_base_.model.depth + 1)\nz = 1 / 0\n",
  ],
];
write('cycle_b.py', "_base_ = './cycle_c.py'\n");
write('cycle_c.py', "_base_ = './cycle_b.py'\n");

for (const [name, text] of CASES) {
  test(`modes agree: ${name}`, () => {
    const file = write(`${name.replace(/\W+/g, '_')}.py`, text);
    const env = {};
    const kept = loadConfig(file, { loader: new ConfigLoader(), env });
    // Streamed: the raw pass on this thread, then (parallelSyntaxCheckBytes: 0) in a worker thread.
    const streamedModes = [Infinity, 0].map((parallelSyntaxCheckBytes) =>
      loadConfig(file, { loader: new ConfigLoader(), keepSyntaxTree: false, parallelSyntaxCheckBytes, env }),
    );
    const shown = (r: typeof kept) =>
      unitsOf(r.unit)
        .flatMap((u) => u.diagnostics)
        .filter((d) => d.file === file)
        .map((d) => `${d.severity} ${d.range.start.line + 1}:${d.range.start.col + 1} ${d.code} ${d.message}`);
    for (const [i, r] of streamedModes.entries()) {
      const mode = i ? 'streamed, raw pass in a worker' : 'streamed';
      assert.deepEqual(shown(r), shown(kept), mode);
      assert.equal(r.ok, kept.ok, mode);
      if (kept.ok) assert.equal(toTaggedJson(r.config!), toTaggedJson(kept.config!), mode);
    }
    const streamed = streamedModes[1];
    if (text.includes(BAD_TEMPLATE)) {
      const errors = streamed.diagnostics.filter((d) => d.severity === 'error' && d.file === file);
      assert.ok(errors.length > 0 && errors.every((d) => d.code === 'syntax-error'), shown(streamed).join('\n'));
      assert.match(errors[0].message, /after template substitution/);
      assert.equal(streamed.diagnostics.filter((d) => d.severity === 'warning' && d.file === file).length, 0);
    }
  });
}

test('a cached streamed unit is evaluated again when its base changes, from its text', () => {
  const base = write('cache/base.py', 'lr = 0.01\n');
  const child = write('cache/child.py', "_base_ = './base.py'\nroot = {{_base_.lr}}\nx = 2\n");
  const loader = new ConfigLoader();
  const first = loadConfig(child, { loader, keepSyntaxTree: false });
  assert.equal(first.config!.get('root'), 0.01);
  fs.writeFileSync(base, 'lr = 0.02\n');
  const second = loadConfig(child, { loader, keepSyntaxTree: false });
  assert.equal(second.config!.get('root'), 0.02);
  assert.equal(second.config!.get('x'), 2n);
});

test('LoadOptions.cancelled stops a long load, which then leaves nothing half-done in the cache', () => {
  const slow = write('cancel/slow.py', "_base_ = './base.py'\nx = [i * 2 for i in range(3000000)]\ny = 1\n");
  write('cancel/base.py', 'lr = 0.01\n');
  const loader = new ConfigLoader();
  let polls = 0;
  for (const keepSyntaxTree of [true, false]) {
    const r = loadConfig(slow, { loader, keepSyntaxTree, cancelled: () => ++polls > 5 });
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.diagnostics.map((d) => [d.code, d.severity, d.message]),
      [['cancelled', 'information', 'analysis stopped: the load was cancelled']],
    );
    assert.equal(loader.cached(slow), undefined);
    // The base finished before the cancel and stays cached.
    assert.ok(loader.cached(path.join(tmp, 'cancel/base.py')));
    polls = 0;
  }
  const done = loadConfig(slow, { loader, keepSyntaxTree: false, cancelled: () => false });
  assert.ok(done.ok);
  assert.equal(done.config!.get('y'), 1n);
});
