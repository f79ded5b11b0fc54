// The `yololab` settings: scope roots for `scope::path` bases and the globs
// that say which Python files are configs, read at start and on change.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type LspClient } from './lsp-harness';
import { MERGED_CONFIG_REQUEST } from '../../protocol/index';

const CUSTOM = 'project/my_configs/retinanet_r50_fpn_1x_voc.py';
const VENDOR = 'vendor/mmdet/configs/_base_/models/retinanet_r50_fpn.py';
const EXPERIMENT = 'project/experiments/exp1.py';

describe('settings', () => {
  let c: LspClient;
  before(async () => {
    c = await startServer('workspace-scopes', { scopes: { mmdet: 'vendor/mmdet/configs' } });
    c.open(CUSTOM);
  });
  after(() => c.stop());

  test('a scope:: base resolves through yololab.scopes, relative to the workspace folder', async () => {
    assert.deepEqual(await c.diags(CUSTOM), []);
    const loc = await c.request<{ uri: string }>('textDocument/definition', c.at(CUSTOM, 0));
    assert.equal(loc.uri, c.ws.uri(VENDOR));
    const m = await c.request<{ text: string }>(MERGED_CONFIG_REQUEST, { uri: c.ws.uri(CUSTOM) });
    assert.match(m.text, /_scope_='mmdet'/);
    assert.match(m.text, /num_classes=20/);
  });

  test('a file outside configs/ without _base_ is not a config, until a glob names it', async () => {
    c.open(EXPERIMENT);
    const m = await c.request<{ text: string; diagnostics: { message: string }[] }>(MERGED_CONFIG_REQUEST, {
      uri: c.ws.uri(EXPERIMENT),
    });
    assert.equal(m.text, '');
    assert.match(m.diagnostics[0].message, /not a config/);
    c.settings = { scopes: { mmdet: 'vendor/mmdet/configs' }, configGlobs: ['**/experiments/*.py'] };
    void c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { yololab: c.settings } });
    const d = await c.diagsWhere(EXPERIMENT, 'a NameError', (x) => x.some((y) => /undefined_name/.test(y.message)));
    assert.equal(d[0].range.start.line, 1);
  });

  test('removing the scope makes the base unresolvable, with a message naming the setting', async () => {
    c.settings = { scopes: {} };
    void c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { yololab: c.settings } });
    const d = await c.diagsWhere(CUSTOM, 'a scope error', (x) => x.some((y) => y.code === 'scope-error'));
    assert.match(d.find((y) => y.code === 'scope-error')!.message, /yololab\.scopes/);
    await c.diagsWhere(EXPERIMENT, 'no longer a config', (x) => x.length === 0);
  });
});

describe('transport', () => {
  test('the server also speaks LSP over node IPC, as the extension starts it, with settings in initializationOptions', async () => {
    // No workspace/configuration answers here: the scope comes from initializationOptions alone.
    const c = await startServer('workspace-scopes', null, 'ipc', {
      settings: { scopes: { mmdet: 'vendor/mmdet/configs' } },
    });
    try {
      c.open(CUSTOM);
      assert.deepEqual(await c.diags(CUSTOM), []);
      const h = await c.request<{ contents: { value: string } }>('textDocument/hover', c.at(CUSTOM, 0));
      assert.match(h.contents.value, /retinanet_r50_fpn\.py/);
    } finally {
      await c.stop();
    }
  });
});

describe('workspace trust', () => {
  test('in Restricted Mode (workspaceTrusted: false) hover and preview show ${NAME}, never the environment value', async () => {
    process.env.YOLOLAB_TEST_SECRET = 'hunter2';
    // The server inherits this process's environment, as it would the editor's.
    const untrusted = await startServer('workspace-scopes', null, 'stdio', {
      settings: { configGlobs: ['**/experiments/*.py'] },
      workspaceTrusted: false,
    }).finally(() => delete process.env.YOLOLAB_TEST_SECRET);
    try {
      untrusted.open(EXPERIMENT, "lr = 0.1\nsecret = '{{$YOLOLAB_TEST_SECRET:none}}'\n");
      const h = await untrusted.request<{ contents: { value: string } }>('textDocument/hover', {
        textDocument: { uri: untrusted.ws.uri(EXPERIMENT) },
        position: { line: 1, character: 2 },
      });
      assert.match(h.contents.value, /'\$\{YOLOLAB_TEST_SECRET\}'/);
      assert.doesNotMatch(h.contents.value, /hunter2/);
      const m = await untrusted.request<{ text: string }>(MERGED_CONFIG_REQUEST, { uri: untrusted.ws.uri(EXPERIMENT) });
      assert.match(m.text, /secret = '\$\{YOLOLAB_TEST_SECRET\}'/);
    } finally {
      await untrusted.stop();
    }
  });
});
