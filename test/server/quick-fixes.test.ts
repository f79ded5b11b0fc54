// Lint diagnostics reach the editor with their quick fixes: add `_delete_`,
// re-bind the propagation trap's stale keys, rename a misspelt file name
// (with its `_base_` references). Applying a fix makes its finding go away.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startServer, type Diag, type LspClient, type Pos } from './lsp-harness';
import { MERGED_CONFIG_REQUEST } from '../../protocol/index';

const CHILD = 'configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py';
const MISSPELT = 'configs/yolov8/yolov8_n_syncbn_fast_8x16b-500e_coco.py';
const FIXED = 'configs/yolov8/yolov8_n_syncbn_fast_8xb16-500e_coco.py';
const GRANDCHILD = 'configs/yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py';

interface Edit {
  range: { start: Pos; end: Pos };
  newText: string;
}
interface Action {
  title: string;
  kind: string;
  edit: {
    changes?: Record<string, Edit[]>;
    documentChanges?: (
      { textDocument: { uri: string }; edits: Edit[] } | { kind: 'rename'; oldUri: string; newUri: string }
    )[];
  };
}

function applyEdits(text: string, edits: Edit[]): string {
  const lines = text.split('\n');
  const off = (p: Pos) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => off(b.range.start) - off(a.range.start))
    .reduce((t, e) => t.slice(0, off(e.range.start)) + e.newText + t.slice(off(e.range.end)), text);
}

describe('quick fixes', () => {
  let c: LspClient;
  let childDiags: Diag[];
  const actionsFor = (rel: string, d: Diag) =>
    c.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri: c.ws.uri(rel) },
      range: d.range,
      context: { diagnostics: [d] },
    });
  before(async () => {
    c = await startServer('workspace-lint');
    c.open(CHILD);
    childDiags = await c.diags(CHILD);
  });
  after(() => c.stop());

  test('a type change without _delete_ gets a fix that adds it, and the warning goes away', async () => {
    const d = childDiags.find((x) => x.code === 'stale-type-keys');
    assert.ok(d, JSON.stringify(childDiags));
    const [a] = await actionsFor(CHILD, d);
    assert.equal(a.kind, 'quickfix');
    const fixed = applyEdits(c.ws.text(CHILD), a.edit.changes![c.ws.uri(CHILD)]);
    assert.match(fixed, /backbone=dict\(_delete_=True, type='YOLOv5CSPDarknet'\)/);
    c.change(CHILD, fixed);
    const after = await c.diags(CHILD);
    assert.ok(!after.some((x) => x.code === 'stale-type-keys'), JSON.stringify(after));
    c.change(CHILD, c.ws.text(CHILD));
    await c.diags(CHILD);
  });

  test('the propagation trap gets a fix that writes the stale keys again inside the dict the child has', async () => {
    const d = childDiags.find((x) => x.code === 'propagation-trap');
    assert.ok(d, JSON.stringify(childDiags));
    const [a] = await actionsFor(CHILD, d);
    const fixed = applyEdits(c.ws.text(CHILD), a.edit.changes![c.ws.uri(CHILD)]);
    assert.match(
      fixed,
      /^model = dict\(bbox_head=dict\(head_module=dict\(num_classes=num_classes\)\), backbone=dict\(type='YOLOv5CSPDarknet'\)\)$/m,
    );
    assert.equal(fixed.match(/^model = /gm)!.length, 1);
    c.change(CHILD, fixed);
    const after = await c.diags(CHILD);
    assert.ok(!after.some((x) => x.code === 'propagation-trap'), JSON.stringify(after));
    const merged = await c.request<{ text: string }>(MERGED_CONFIG_REQUEST, { uri: c.ws.uri(CHILD) });
    assert.match(merged.text, /num_classes=20/);
    assert.match(merged.text, /deepen_factor=0\.33/); // the backbone still merges with the base
    c.change(CHILD, c.ws.text(CHILD));
    await c.diags(CHILD);
  });

  test('a misspelt file name gets a rename fix that also updates the configs inheriting from it', async () => {
    c.open(MISSPELT);
    const d = (await c.diags(MISSPELT)).find((x) => x.code === 'filename-misspelling');
    assert.ok(d);
    const [a] = await actionsFor(MISSPELT, d);
    assert.match(a.title, /yolov8_n_syncbn_fast_8xb16-500e_coco\.py/);
    const changes = a.edit.documentChanges!;
    const rename = changes.find((x) => 'kind' in x && x.kind === 'rename');
    assert.deepEqual(rename, { kind: 'rename', oldUri: c.ws.uri(MISSPELT), newUri: c.ws.uri(FIXED) });
    const textEdit = changes.find((x): x is { textDocument: { uri: string }; edits: Edit[] } => 'textDocument' in x)!;
    assert.equal(textEdit.textDocument.uri, c.ws.uri(GRANDCHILD));
    assert.equal(
      applyEdits(c.ws.text(GRANDCHILD), textEdit.edits).split('\n')[0],
      "_base_ = './yolov8_n_syncbn_fast_8xb16-500e_coco.py'",
    );
    // The text edits come before the rename, so they apply to the files as they are now.
    assert.ok(changes.indexOf(textEdit) < changes.indexOf(rename!));
  });

  test('diagnostics without a fix get no actions', async () => {
    const none = await c.request<Action[]>('textDocument/codeAction', {
      textDocument: { uri: c.ws.uri(CHILD) },
      range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
      context: {
        diagnostics: [
          {
            range: { start: { line: 0, character: 0 }, end: { line: 0, character: 1 } },
            message: 'x',
            code: 'syntax-error',
          },
        ],
      },
    });
    assert.deepEqual(none, []);
  });
});
