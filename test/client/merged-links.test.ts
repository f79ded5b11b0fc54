// The merged preview's reply as the extension reads it: validated field by
// field (a malformed reply is a message, never a crash), links only where the
// server put them (and only on lines that exist), every line's way back to
// its source kept.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkTargetUri, previewLinks, validateMergedResult } from '../../client/preview/merged-links';
import type { MergedConfigResult } from '../../protocol/index';

test('links are the spans the server chose; every line keeps its source', () => {
  const base = { uri: 'file:///ws/configs/base.py', line: 11, character: 0 };
  const child = { uri: 'file:///ws/configs/child.py', line: 2, character: 0 };
  const r = validateMergedResult({
    text: '# child.py sets 1 key: 1 changed\nmax_epochs = 40  # was 300 (base.py:12)\n\nmax_epochs = 40\n',
    lines: [child, child, null, child, 'garbage'],
    diagnostics: [],
    links: [
      { line: 1, start: 28, end: 38, target: base },
      { line: 9, start: 0, end: 3, target: base }, // no such line
      { line: 1, start: 30, end: 99, target: base }, // past the end of the line
      { line: 0, start: 0, end: 1, target: { uri: 3 } }, // malformed target
    ],
    focusLines: 2,
  });
  assert.ok(typeof r !== 'string');
  assert.deepEqual(previewLinks(r), [{ line: 1, start: 28, end: 38, target: base }]);
  assert.equal(
    '# child.py sets 1 key: 1 changed\nmax_epochs = 40  # was 300 (base.py:12)'.split('\n')[1].slice(28, 38),
    'base.py:12',
  );
  assert.deepEqual(r.lines, [child, child, null, child, null]);
  assert.equal(r.focusLines, 2);
  assert.equal(linkTargetUri(base), 'file:///ws/configs/base.py#L12,1');
});

test('a reply from an older server (no links, no focus) still shows, with no links', () => {
  const r = validateMergedResult({ text: 'x = 1\n', lines: [null], diagnostics: [] });
  assert.ok(typeof r !== 'string');
  assert.deepEqual(previewLinks(r), []);
  assert.equal(r.focusLines, 0);
});

test('the protocol reply type as an older server sends it (no links, no focus) has no links', () => {
  const reply: MergedConfigResult = { text: 'x = 1\n', lines: [null], diagnostics: [] };
  assert.deepEqual(previewLinks(reply), []);
});

test('malformed replies are messages', () => {
  assert.equal(validateMergedResult(null), 'the language server sent no merged config');
  assert.equal(validateMergedResult({ lines: [] }), 'the merged config reply has no text');
});
