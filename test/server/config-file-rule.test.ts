// The one rule for "is this a config" (protocol/config-file-rule.ts), as the
// extension's menus and the server's index both apply it, with
// `yololab.configGlobs`.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { looksLikeConfig } from '../../client/config-detect';
import { DEFAULT_CONFIG_GLOBS, globToRegExp, isConfigFile, textLooksLikeConfig } from '../../protocol/config-file-rule';
import { ConfigMatcher } from '../../src/workspace/config-files';

test('the text says config: a top-level _base_ assignment or a {{_base_.x}} template', () => {
  assert.ok(textLooksLikeConfig("_base_ = './a.py'\n"));
  assert.ok(textLooksLikeConfig("x = 1\n_base_=['a.py']\n"));
  assert.ok(textLooksLikeConfig('lr = {{_base_.lr}}\n'));
  assert.ok(!textLooksLikeConfig('import torch\nbase_ = 1\n'));
  assert.ok(!textLooksLikeConfig('if _base_ == 1:\n    pass\n'));
  assert.ok(!textLooksLikeConfig('# uses _base_ somewhere\n'));
});

test('globs match relative to a workspace folder, or the absolute path', () => {
  const rule = { roots: ['/ws'], globs: ['experiments/*.py'] };
  assert.ok(isConfigFile('/ws/experiments/exp1.py', 'x = 1', rule));
  assert.ok(!isConfigFile('/ws/experiments/deeper/exp1.py', 'x = 1', rule));
  assert.ok(!isConfigFile('/ws/configs/a.py', 'x = 1', rule), 'the setting replaces the default glob');
  assert.ok(isConfigFile('/ws/configs/a.py', 'x = 1', { roots: ['/ws'] }), 'no setting: the default glob');
  assert.ok(!isConfigFile('/ws/experiments/notes.md', '', rule));
  assert.ok(globToRegExp('**/{exp,cfg}_*.py').test('a/b/cfg_1.py'));
  assert.deepEqual(DEFAULT_CONFIG_GLOBS, ['**/configs/**/*.py']);
});

test('the extension and the server answer the same, yololab.configGlobs included', () => {
  const roots = ['/ws'];
  const globs = ['**/experiments/*.py'];
  const server = new ConfigMatcher(roots, globs);
  const cases: [string, string][] = [
    ['/ws/experiments/exp1.py', 'lr = 0.1'],
    ['/ws/configs/a.py', 'x = 1'],
    ['/ws/tools/train.py', 'import torch'],
    ['/ws/tools/child.py', "_base_ = '../configs/a.py'"],
    ['/ws/experiments/readme.txt', ''],
  ];
  for (const [file, text] of cases)
    assert.equal(looksLikeConfig(file, text, { roots, globs }), server.isConfig(file, text), file);
  assert.equal(looksLikeConfig('/ws/experiments/exp1.py', 'lr = 0.1', { roots, globs }), true);
  // Invalid settings fall back to the defaults on both sides.
  assert.equal(looksLikeConfig('/ws/configs/a.py', 'x = 1', { roots, globs: [] }), true);
  assert.equal(new ConfigMatcher(roots, []).isConfig('/ws/configs/a.py', 'x = 1'), true);
});
