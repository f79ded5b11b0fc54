// The status bar's wording for the language server and its index.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusView } from '../../client/index-state';

test('starting, indexing, stopped and failed say so', () => {
  assert.equal(statusView({ kind: 'starting' }).text, '$(sync~spin) YOLO Lab');
  assert.equal(statusView({ kind: 'indexing' }).text, '$(sync~spin) YOLO Lab: indexing');
  assert.equal(statusView({ kind: 'stopped' }).severity, 'error');
  const f = statusView({ kind: 'failed', message: 'the language server is missing (/x/dist/server.js)' });
  assert.equal(f.text, '$(error) YOLO Lab');
  assert.match(f.tooltip, /dist\/server\.js/);
});

test('ready: the number of configs, the time and the scopes in the tooltip', () => {
  const v = statusView({
    kind: 'ready',
    report: {
      configs: 148,
      ms: 312,
      scanMs: 250,
      scopes: [{ scope: 'mmyolo', configs: '/src/mmyolo/configs', source: 'workspace', exists: true, uses: 5 }],
      unresolved: [],
    },
  });
  assert.equal(v.text, '$(check) YOLO Lab: 148 configs');
  assert.equal(v.severity, 'none');
  assert.match(v.tooltip, /148 configs indexed in 312 ms\nmmyolo:: → \/src\/mmyolo\/configs \(this checkout\)/);
});

test('a scope nothing resolves, or a scope folder that is gone, is a warning', () => {
  const unresolved = statusView({
    kind: 'ready',
    report: { configs: 1, ms: 5, scanMs: 5, scopes: [], unresolved: [{ scope: 'mmdet', uses: 3, example: '/w/a.py' }] },
  });
  assert.equal(unresolved.text, '$(warning) YOLO Lab: 1 config');
  assert.match(unresolved.tooltip, /mmdet:: not set: 3 bases cannot resolve/);
  const gone = statusView({
    kind: 'ready',
    report: {
      configs: 2,
      ms: 5,
      scanMs: 5,
      scopes: [{ scope: 'mmdet', configs: '/nope', source: 'setting', exists: false, uses: 0 }],
    },
  });
  assert.equal(gone.severity, 'warning');
  assert.match(gone.tooltip, /mmdet:: → \/nope \(yololab.scopes\) — folder not found/);
  // An older server without scopes in its report.
  assert.equal(
    statusView({ kind: 'ready', report: { configs: 3, ms: 1, scanMs: 1 } }).text,
    '$(check) YOLO Lab: 3 configs',
  );
  assert.equal(
    statusView({ kind: 'ready', report: { configs: 0, ms: 1, scanMs: 1, error: 'indexing failed: EACCES' } }).severity,
    'error',
  );
});
