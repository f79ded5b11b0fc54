// The editor features of issue 13 through the protocol (the built server, a
// real JSON-RPC client): the propagation-trap fix, renames in a checkout of the
// package, completion that fits the place, inlay hints (and their setting),
// and what the server says in the output channel.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type Diag, type LspClient, type Pos } from './lsp-harness';

interface Edit {
  range: { start: Pos; end: Pos };
  newText: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  const lines = text.split('\n');
  const off = (p: Pos) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => off(b.range.start) - off(a.range.start))
    .reduce((t, e) => t.slice(0, off(e.range.start)) + e.newText + t.slice(off(e.range.end)), text);
}

const CAT = 'configs/yolov8/yolov8_s_fast_1xb12-40e_cat.py';
const M = 'configs/yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py';

describe('editor features on the fixture tree', () => {
  let c: LspClient;
  before(async () => {
    c = await startServer('workspace-traps');
  });
  after(() => c.stop());

  test('the trap fix is titled by its keys and leaves the merged value the base would compute', async () => {
    c.open(CAT);
    const d = (await c.diags(CAT)).find(
      (x) => x.code === 'propagation-trap' && x.message.startsWith('close_mosaic_epochs'),
    );
    assert.ok(d);
    const [a] = await c.request<{ title: string; edit: { changes: Record<string, Edit[]> } }[]>(
      'textDocument/codeAction',
      { textDocument: { uri: c.ws.uri(CAT) }, range: d.range, context: { diagnostics: [d] } },
    );
    assert.equal(
      a.title,
      'Recompute stage2_epoch, custom_hooks[1].switch_epoch, train_cfg.dynamic_intervals here, as the base does',
    );
    c.change(CAT, applyEdits(c.ws.text(CAT), a.edit.changes[c.ws.uri(CAT)]));
    const after = await c.diags(CAT);
    assert.ok(
      !after.some((x: Diag) => x.code === 'propagation-trap' && x.message.startsWith('close_mosaic_epochs')),
      JSON.stringify(after),
    );
    const merged = await c.request<{ text: string }>('yololab/mergedConfig', { uri: c.ws.uri(CAT) });
    assert.match(merged.text, /dynamic_intervals=\[\s*\(35, 1\),?\s*\]/);
    assert.match(merged.text, /switch_epoch=35/);
    c.change(CAT, c.ws.text(CAT));
    await c.diags(CAT);
  });

  test('a trap with no safe edit gets a greyed-out action that says why', async () => {
    const rel = 'configs/misc/named_child.py';
    c.open(rel);
    const d = (await c.diags(rel)).find((x) => x.code === 'propagation-trap');
    assert.ok(d);
    const actions = await c.request<{ title: string; disabled?: { reason: string }; edit?: unknown }[]>(
      'textDocument/codeAction',
      { textDocument: { uri: c.ws.uri(rel) }, range: d.range, context: { diagnostics: [d] } },
    );
    assert.equal(actions.length, 1);
    assert.equal(actions[0].edit, undefined);
    assert.match(actions[0].disabled!.reason, /^no safe edit: work_dir: its expression uses a \{\{ \}\} template/);
  });

  test('type= completion fits the place; _base_. completes the bases’ names', async () => {
    const typed = c.ws.text(CAT) + "\nmodel = dict(backbone=dict(type='";
    c.change(CAT, typed);
    const lines = typed.split('\n');
    const position = { line: lines.length - 1, character: lines[lines.length - 1].length };
    const items = await c.request<{ label: string; detail: string }[]>('textDocument/completion', {
      textDocument: { uri: c.ws.uri(CAT) },
      position,
    });
    assert.deepEqual(
      items.map((i) => [i.label, i.detail]),
      [
        ['YOLOv5CSPDarknet', 'backbone'],
        ['YOLOv8CSPDarknet', 'backbone'],
      ],
    );
    const base = c.ws.text(CAT) + '\nx = _base_.close';
    c.change(CAT, base);
    const bl = base.split('\n');
    const names = await c.request<{ label: string }[]>('textDocument/completion', {
      textDocument: { uri: c.ws.uri(CAT) },
      position: { line: bl.length - 1, character: bl[bl.length - 1].length },
    });
    assert.deepEqual(
      names.map((i) => i.label),
      ['close_mosaic_epochs'],
    );
    c.change(CAT, c.ws.text(CAT));
  });

  test('inlay hints show the value where a name is used', async () => {
    c.open(M);
    await c.diags(M);
    const hints = await c.request<{ position: Pos; label: string }[]>('textDocument/inlayHint', {
      textDocument: { uri: c.ws.uri(M) },
      range: { start: { line: 8, character: 0 }, end: { line: 9, character: 0 } },
    });
    assert.deepEqual(
      hints.map((h) => h.label),
      ['0.67', '0.75'],
    );
  });

  test('the output channel says the server started and what was indexed', async () => {
    const text = () => c.logs.map((l) => l.message).join('\n');
    await c.until('the index report in the log', () => /indexed \d+ configs in \d+ ms/.test(text()));
    assert.match(text(), /yololab: language server 0\.1\.0 started \(Node v\d+/);
    assert.match(text(), /indexed 8 configs in \d+ ms/);
    assert.match(text(), /scopes: none set/);
    assert.equal(c.indexed?.configs, 8);
    assert.deepEqual(c.indexed?.scopes, []);
  });
});

describe('inlay hints off by the setting', () => {
  test('yololab.inlayHints.enabled = false: no hints', async () => {
    const c = await startServer('workspace-traps', { inlayHints: { enabled: false } });
    try {
      c.open(M);
      await c.diags(M);
      const hints = await c.request<unknown[]>('textDocument/inlayHint', {
        textDocument: { uri: c.ws.uri(M) },
        range: { start: { line: 0, character: 0 }, end: { line: 20, character: 0 } },
      });
      assert.deepEqual(hints, []);
    } finally {
      await c.stop();
    }
  });
});

describe('a checkout of the package', () => {
  let c: LspClient;
  before(async () => {
    c = await startServer('workspace-checkout');
  });
  after(() => c.stop());

  test('mmyolo:: resolves without a setting, and the log says where from', async () => {
    const project = 'projects/misc/ionogram_detection/yolov7/yolov7_l_fast_1xb16-100e_ionogram.py';
    c.open(project);
    assert.deepEqual(
      (await c.diags(project)).filter((d) => d.severity === 1),
      [],
    );
    await c.until('the scope line', () => c.logs.some((l) => l.message.includes('scope mmyolo::')));
    assert.ok(
      c.logs.some(
        (l) => l.message === `yololab: scope mmyolo:: → ${c.ws.file('configs')} (this checkout), used by 1 base`,
      ),
      c.logs.map((l) => l.message).join('\n'),
    );
    assert.deepEqual(
      c.indexed?.scopes?.map((s) => [s.scope, s.source, s.exists, s.uses]),
      [['mmyolo', 'workspace', true, 1]],
    );
  });

  test('renaming a config rewrites the scoped _base_, the metafile and the Markdown links', async () => {
    const from = 'configs/yolov7/yolov7_l_syncbn_fast_8x16b-300e_coco.py';
    const edit = await c.request<{ changes: Record<string, Edit[]> }>('workspace/willRenameFiles', {
      files: [{ oldUri: c.ws.uri(from), newUri: c.ws.uri(from.replace('8x16b', '8xb16')) }],
    });
    const files = Object.keys(edit.changes)
      .map((u) => u.slice(c.ws.uri('').length).replace(/^\//, ''))
      .sort();
    assert.deepEqual(files, [
      'configs/yolov7/README.md',
      'configs/yolov7/metafile.yml',
      'configs/yolov7/yolov7_tiny_syncbn_fast_8x16b-300e_coco.py',
      'projects/misc/ionogram_detection/README.md',
      'projects/misc/ionogram_detection/yolov7/yolov7_l_fast_1xb16-100e_ionogram.py',
    ]);
    const project = 'projects/misc/ionogram_detection/yolov7/yolov7_l_fast_1xb16-100e_ionogram.py';
    assert.equal(
      applyEdits(c.ws.text(project), edit.changes[c.ws.uri(project)]).split('\n')[0],
      "_base_ = 'mmyolo::yolov7/yolov7_l_syncbn_fast_8xb16-300e_coco.py'",
    );
  });
});
