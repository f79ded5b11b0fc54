// A config whose text with all its bases is over the analysis budget is not
// evaluated: one diagnostic says so, going to its bases still works, and
// nothing else reads it (references skip it). In-process, with a small budget.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { features } from '../../src/workspace/features';
import { check, expect, workspaceFrom } from './check';

const BIG_BASE = `
#- configs/_base_/big.py
${Array.from({ length: 40 }, (_, i) => `var_${i} = dict(type='LoadImageFromFile', idx=${i})`).join('\n')}
lr = 0.01
#- configs/small.py
lr = 0.02
`;

test('over the budget: one diagnostic naming the size, the limit and the biggest file', async () => {
  const f = await workspaceFrom(
    BIG_BASE + "#- configs/child.py$0\n_base_ = ['./_base_/big.py', './small.py']\nlr = 0.1\n",
    { maxChainBytes: 1000 },
  );
  check(
    (features.diagnostics(f.ws, f.file) ?? []).map((d) => `${d.severity} [${d.code}] ${d.message}`).join('\n'),
    expect`
      warning [too-large-for-editor] child.py with its bases is 2 KB (big.py alone 2 KB), over the 1 KB the editor evaluates: hover, lint, completion and the merged preview are off for it (go to its _base_ files still works); check it with \`yololab lint child.py\`
    `,
  );
  check(
    features
      .mergedPreview(f.ws, f.file)
      .diagnostics.map((d) => d.message)
      .join('\n'),
    expect`
    warning: child.py with its bases is 2 KB (big.py alone 2 KB), over the 1 KB the editor evaluates: hover, lint, completion and the merged preview are off for it (go to its _base_ files still works); check it with \`yololab lint child.py\` [too-large-for-editor]
  `,
  );
});

test('over the budget, a _base_ path still goes to the base and hovers; a key does not', async () => {
  const f = await workspaceFrom(
    BIG_BASE + "#- configs/child.py\n_base_ = ['./_base_/big.py', './sm$0all.py']\nlr = 0.1\n",
    { maxChainBytes: 1000 },
  );
  check(f.where(features.definition(f.ws, f.file, f.pos)!), expect`configs/small.py:1:1: lr = 0.02`);
  check(f.relative(features.hover(f.ws, f.file, f.pos)!.markdown), expect`**\_base\_** [small.py](configs/small.py)`);
  assert.equal(features.hover(f.ws, f.file, { line: 2, col: 1 }), undefined);
  assert.deepEqual(features.completion(f.ws, f.file, { line: 2, col: 1 }), []);
});

test('references from a base skip the configs over the budget', async () => {
  const f = await workspaceFrom(
    BIG_BASE.replace('lr = 0.02', 'l$0r = 0.02') +
      "#- configs/child.py\n_base_ = ['./_base_/big.py', './small.py']\nlr = 0.1\n#- configs/light.py\n_base_ = './small.py'\nlr = 0.3\n",
    { maxChainBytes: 1000 },
  );
  check(
    (await features.references(f.ws, f.file, f.pos, false)).map(f.where).join('\n'),
    expect`configs/light.py:2:1: lr = 0.3`,
  );
});

test('under the budget nothing changes', async () => {
  const f = await workspaceFrom(
    BIG_BASE + "#- configs/child.py$0\n_base_ = ['./_base_/big.py', './small.py']\nlr = 0.1\n",
  );
  assert.deepEqual(
    features.diagnostics(f.ws, f.file)?.filter((d) => d.code === 'too-large-for-editor'),
    [],
  );
});
