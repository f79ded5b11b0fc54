// Definition, hover, references, symbols and code lens, through the built
// server over the fixture workspace.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type LspClient } from './lsp-harness';
import { MERGED_CONFIG_REQUEST } from '../../protocol/index';

const BASE = 'configs/_base_/yolov8_base.py';
const S = 'configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py';
const M = 'configs/yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py';
const HELPER = 'tools/helper.py';

interface Loc {
  uri: string;
  range: { start: { line: number; character: number } };
}
interface Hover {
  contents: { kind: string; value: string };
}

describe('navigation', () => {
  let c: LspClient;
  before(async () => {
    c = await startServer('workspace');
    c.open(S);
    c.open(BASE);
  });
  after(() => c.stop());

  test('indexes the configs (not the ordinary module) with progress', () => {
    assert.equal(c.indexed?.configs, 4);
    const kinds = c.progress.map((p) => (p as { value: { kind: string } }).value.kind);
    assert.equal(kinds[0], 'begin');
    assert.equal(kinds[kinds.length - 1], 'end');
  });

  test('a clean config gets an empty diagnostics list', async () => {
    assert.deepEqual(await c.diags(S), []);
  });

  test('a Python file that is not a config gets no diagnostics and no answers', async () => {
    c.open(HELPER);
    // Ask something after opening, then check nothing was published for it.
    const hover = await c.request('textDocument/hover', {
      textDocument: { uri: c.ws.uri(HELPER) },
      position: { line: 1, character: 8 },
    });
    assert.equal(hover, null);
    // Publishing is batched: once S's diagnostics for a later edit arrive, any for the helper would have too.
    c.change(S, c.ws.text(S));
    await c.diags(S);
    assert.equal(c.diagnostics.get(c.ws.uri(HELPER)), undefined);
  });

  test('definition on a _base_ path opens the base file', async () => {
    const loc = await c.request<Loc>('textDocument/definition', c.at(S, 0));
    assert.equal(loc.uri, c.ws.uri(BASE));
  });

  test('definition on a key inside a child dict goes to the definition it overrides', async () => {
    const loc = await c.request<Loc>('textDocument/definition', c.at(S, 1));
    assert.equal(loc.uri, c.ws.uri(BASE));
    assert.deepEqual(loc.range.start, c.ws.marks[BASE][0]);
  });

  test('definition on _base_.x goes to where x is set in the chain', async () => {
    const loc = await c.request<Loc>('textDocument/definition', c.at(S, 3));
    assert.equal(loc.uri, c.ws.uri(BASE));
    assert.deepEqual(loc.range.start, c.ws.marks[BASE][0]);
  });

  test('definition on {{_base_.x}} goes to the base definition', async () => {
    const loc = await c.request<Loc>('textDocument/definition', c.at(S, 5));
    assert.equal(loc.uri, c.ws.uri(BASE));
    assert.match(c.ws.text(BASE).split('\n')[loc.range.start.line], /bbox_head=/);
  });

  test('definition on a name goes to its assignment', async () => {
    const loc = await c.request<Loc>('textDocument/definition', c.at(S, 4));
    assert.equal(loc.uri, c.ws.uri(S));
    assert.match(c.ws.text(S).split('\n')[loc.range.start.line], /^scaled_lr = /);
  });

  test('hover on an overriding key shows the merged value, the winner and the overridden chain', async () => {
    const h = await c.request<Hover>('textDocument/hover', c.at(S, 1));
    assert.equal(h.contents.kind, 'markdown');
    assert.match(h.contents.value, /0\.02/);
    assert.match(h.contents.value, /set in \[yolov8\\_s\\_syncbn\\_fast\\_8xb16-500e\\_coco\.py:2\]/);
    assert.match(h.contents.value, /- `0\.01` in \[yolov8\\_base\.py:14\]\(file:\/\/.*yolov8_base\.py#L14\)/);
  });

  test('hover on a computed name lists what it was computed from', async () => {
    const h = await c.request<Hover>('textDocument/hover', c.at(S, 4));
    assert.match(h.contents.value, /0\.02/);
    assert.match(h.contents.value, /computed from `_base_\.optim_wrapper\.optimizer\.lr`/);
  });

  test('hover on the base key in the base file shows the value there', async () => {
    const h = await c.request<Hover>('textDocument/hover', c.at(BASE, 0));
    assert.match(h.contents.value, /```python\n0\.01\n```/);
  });

  test('hover on a _base_ entry summarises the base', async () => {
    const h = await c.request<Hover>('textDocument/hover', c.at(S, 0));
    assert.match(h.contents.value, /yolov8_base\.py/);
    assert.match(h.contents.value, /10 top-level keys/);
  });

  test('references of a base key are the downstream configs that override it', async () => {
    const refs = await c.request<Loc[]>('textDocument/references', {
      ...c.at(BASE, 0),
      context: { includeDeclaration: false },
    });
    const files = refs.map((r) => r.uri.split('/').pop()).sort();
    assert.deepEqual(files, ['yolov8_m_syncbn_fast_8xb16-500e_coco.py', 'yolov8_s_syncbn_fast_8xb16-500e_coco.py']);
    const inM = refs.find((r) => r.uri === c.ws.uri(M))!;
    assert.match(c.ws.text(M).split('\n')[inM.range.start.line], /lr=0\.04/);
  });

  test('odd requests get empty answers, and the server keeps going', async () => {
    assert.equal(
      await c.request('textDocument/hover', {
        textDocument: { uri: 'untitled:Untitled-1' },
        position: { line: 0, character: 0 },
      }),
      null,
    );
    assert.equal(
      await c.request('textDocument/definition', {
        textDocument: { uri: c.ws.uri('configs/nope.py') },
        position: { line: 0, character: 0 },
      }),
      null,
    );
    assert.equal(
      await c.request('textDocument/hover', {
        textDocument: { uri: c.ws.uri(S) },
        position: { line: 9999, character: 9999 },
      }),
      null,
    );
    const m = await c.request<{ text: string; diagnostics: { message: string }[] }>(MERGED_CONFIG_REQUEST, {
      uri: 'untitled:Untitled-1',
    });
    assert.equal(m.text, '');
    assert.match(m.diagnostics[0].message, /not a config/);
    const h = await c.request<Hover>('textDocument/hover', c.at(S, 1));
    assert.match(h.contents.value, /0\.02/);
  });

  test('document symbols are the top-level keys with their dict keys', async () => {
    const syms = await c.request<{ name: string; children: { name: string }[] }[]>('textDocument/documentSymbol', {
      textDocument: { uri: c.ws.uri(S) },
    });
    assert.deepEqual(
      syms.map((s) => s.name),
      ['optim_wrapper', 'model', 'scaled_lr', 'alias_lr', 'test_head'],
    );
    assert.deepEqual(
      syms[0].children.map((s) => s.name),
      ['optimizer'],
    );
  });

  test('code lens counts overridden keys and inheriting configs', async () => {
    const lenses = await c.request<{ command: { title: string } }[]>('textDocument/codeLens', {
      textDocument: { uri: c.ws.uri(S) },
    });
    const titles = lenses.map((l) => l.command.title);
    assert.ok(titles.includes('overrides 1 key of yolov8_base.py, adds 4'), titles.join(' | '));
    assert.ok(titles.includes('inherited by 2 configs'), titles.join(' | '));
    const baseLenses = await c.request<{ command: { title: string } }[]>('textDocument/codeLens', {
      textDocument: { uri: c.ws.uri(BASE) },
    });
    assert.deepEqual(
      baseLenses.map((l) => l.command.title),
      ['inherited by 3 configs'],
    );
  });
});
