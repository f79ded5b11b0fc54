// Unsaved buffers: the merged preview and diagnostics follow typing, broken
// text mid-edit and a cycle introduced by an edit are reported while the
// server keeps answering, and completion works on half-written dicts.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type LspClient } from './lsp-harness';
import { MERGED_CONFIG_REQUEST } from '../../protocol/index';

const BASE = 'configs/_base_/yolov8_base.py';
const S = 'configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py';
const M = 'configs/yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py';

interface Merged {
  text: string;
  lines: ({ uri: string; line: number; character: number } | null)[];
  diagnostics: { message: string; uri: string; line: number; character: number }[];
}
interface Item {
  label: string;
  detail?: string;
  insertText?: string;
}

describe('unsaved edits', () => {
  let c: LspClient;
  let sText: string;
  const merged = (rel: string) => c.request<Merged>(MERGED_CONFIG_REQUEST, { uri: c.ws.uri(rel) });
  before(async () => {
    c = await startServer('workspace');
    sText = c.ws.text(S);
    c.open(S);
    c.open(M);
    await c.diags(S);
    await c.diags(M);
  });
  after(() => c.stop());

  test('the merged preview maps each line back to its source', async () => {
    const m = await merged(S);
    const lines = m.text.split('\n');
    // The optimizer dict fits on one line: the line links to where `optimizer` was last set.
    const lr = lines.findIndex((l) => /lr=0\.02,/.test(l));
    assert.ok(lr > 0, m.text);
    assert.deepEqual(m.lines[lr], { uri: c.ws.uri(S), line: 1, character: 21 });
    const trainCfg = lines.findIndex((l) => l.startsWith('train_cfg = '));
    assert.equal(m.lines[trainCfg]?.uri, c.ws.uri(BASE));
    assert.equal(c.ws.text(BASE).split('\n')[m.lines[trainCfg]!.line].slice(0, 9), 'train_cfg');
    assert.deepEqual(m.diagnostics, []);
  });

  test('the preview follows unsaved text, also in configs inheriting from the edited one', async () => {
    c.change(S, sText.replace('frozen_stages=1', 'frozen_stages=3').replace('lr=0.02', 'lr=0.05'));
    assert.match((await merged(S)).text, /lr=0\.05,/);
    const m = await merged(M);
    assert.match(m.text, /frozen_stages=3,/);
    assert.match(m.text, /lr=0\.04,/); // M's own value still wins
    c.change(S, sText);
    assert.match((await merged(S)).text, /lr=0\.02,/);
  });

  test('keystrokes sent as incremental edits are applied to the buffer', async () => {
    // Type `5` over the `2` of `lr=0.02`, one range edit, then a second edit on another line; hover on the value.
    const line = sText.split('\n')[1];
    const col = line.indexOf('0.02') + 3;
    c.edit(S, { start: { line: 1, character: col }, end: { line: 1, character: col + 1 } }, '5');
    c.edit(S, { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, '# comment\n');
    const m = await merged(S);
    assert.match(m.text, /lr=0\.05,/);
    const h = await c.request<{ contents: { value: string } }>('textDocument/hover', {
      textDocument: { uri: c.ws.uri(S) },
      position: { line: 1, character: col },
    });
    assert.match(h.contents.value, /0\.05/);
    c.change(S, sText);
    assert.deepEqual(await c.diags(S), []);
  });

  test('a syntax error mid-typing is published; the preview keeps the last good version and hover still answers', async () => {
    await c.diags(S);
    c.change(S, sText.replace('lr=0.02))', 'lr=0.02)) +'));
    const d = await c.diags(S);
    assert.ok(
      d.some((x) => x.code === 'syntax-error' && x.severity === 1),
      JSON.stringify(d),
    );
    await c.diagsWhere(M, 'base-error', (dm) => dm.some((x) => x.code === 'base-error'));
    const m = await merged(S);
    assert.match(m.text, /lr=0\.02,/);
    assert.match(m.diagnostics[0].message, /last version that loaded/);
    assert.ok(m.diagnostics.some((x) => /error/.test(x.message)));
    const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', c.at(S, 4));
    assert.match(h!.contents.value, /scaled\\_lr/);
    const def = await c.request<{ uri: string } | null>('textDocument/definition', c.at(S, 0));
    assert.equal(def?.uri, c.ws.uri(BASE));
    c.change(S, sText);
    assert.deepEqual(await c.diags(S), []);
    await c.diagsWhere(M, 'none', (dm) => dm.length === 0);
  });

  test('garbage text does not break the server', async () => {
    c.change(S, 'dict(((( \x00 """ unterminated');
    const d = await c.diags(S);
    assert.ok(d.length > 0);
    const h = await c.request('textDocument/hover', {
      textDocument: { uri: c.ws.uri(S) },
      position: { line: 0, character: 3 },
    });
    assert.equal(h, null);
    await c.request('textDocument/completion', {
      textDocument: { uri: c.ws.uri(S) },
      position: { line: 0, character: 8 },
    });
    c.change(S, sText);
    assert.deepEqual(await c.diags(S), []);
  });

  test('a cycle introduced by an edit is reported, and goes away when undone', async () => {
    const baseText = c.ws.text(BASE);
    c.open(BASE);
    await c.diags(BASE);
    c.change(BASE, `_base_ = '../yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py'\n` + baseText);
    const d = await c.diags(BASE);
    assert.ok(
      d.some((x) => x.code === 'base-cycle' || x.code === 'base-error'),
      JSON.stringify(d),
    );
    const ds = await c.diagsWhere(S, 'an error', (x) => x.some((y) => y.severity === 1));
    assert.match(ds[0].message, /cycle|cannot be loaded/);
    const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', c.at(S, 1));
    assert.match(h!.contents.value, /lr/);
    await c.request(MERGED_CONFIG_REQUEST, { uri: c.ws.uri(S) });
    c.change(BASE, baseText);
    assert.deepEqual(await c.diags(BASE), []);
    await c.diagsWhere(S, 'none', (x) => x.length === 0);
    c.close(BASE);
  });

  test('completion inside dict(...) offers the keys the base defines there, with their values', async () => {
    const text = sText.replace(
      'optim_wrapper = dict(optimizer=dict(lr=0.02))',
      'optim_wrapper = dict(optimizer=dict(lr=0.02, ',
    );
    c.change(S, text);
    const line = 1;
    const character = text.split('\n')[1].length;
    const items = await c.request<Item[]>('textDocument/completion', {
      textDocument: { uri: c.ws.uri(S) },
      position: { line, character },
    });
    const byLabel = new Map(items.map((i) => [i.label, i]));
    // lr is already written in this dict, so it is not offered again.
    assert.deepEqual([...byLabel.keys()].sort(), ['momentum', 'type', 'weight_decay']);
    assert.equal(byLabel.get('momentum')!.detail, '0.937');
    assert.equal(byLabel.get('momentum')!.insertText, 'momentum=');
  });

  test('completion at the top level offers the base names; after type= the known types', async () => {
    const top = sText + 'max_';
    c.change(S, top);
    const lines = top.split('\n');
    const items = await c.request<Item[]>('textDocument/completion', {
      textDocument: { uri: c.ws.uri(S) },
      position: { line: lines.length - 1, character: 4 },
    });
    assert.deepEqual(
      items.map((i) => i.label),
      ['max_epochs'],
    );
    const typed = sText + "model = dict(backbone=dict(type='YOLOv";
    c.change(S, typed);
    const tl = typed.split('\n');
    const types = await c.request<Item[]>('textDocument/completion', {
      textDocument: { uri: c.ws.uri(S) },
      position: { line: tl.length - 1, character: tl[tl.length - 1].length },
    });
    const labels = types.map((i) => i.label);
    assert.ok(labels.includes('YOLOv8CSPDarknet') && labels.includes('YOLOv5CSPDarknet'), labels.join(','));
    assert.ok(!labels.includes('SGD'));
    c.change(S, sText);
  });

  test('closing a document clears its diagnostics', async () => {
    c.change(S, sText.replace('lr=0.02))', 'lr=0.02,'));
    assert.ok((await c.diags(S)).length > 0);
    c.close(S);
    assert.deepEqual(await c.diags(S), []);
  });
});
