// Changes made outside the editor (another process writes or deletes a base)
// reach the index and the open dependents through the file watcher; renames
// of files and folders come back as `_base_` edits with relative paths
// recomputed, and a rename that breaks the naming convention is warned about.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startServer, type LspClient, type Pos } from './lsp-harness';
import { MERGED_CONFIG_REQUEST } from '../../protocol/index';

const BASE = 'configs/_base_/yolov8_base.py';
const S = 'configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py';
const M = 'configs/yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py';

interface Merged {
  text: string;
}
interface Edit {
  range: { start: Pos; end: Pos };
  newText: string;
}

/** Writes a file from a separate process, as a git checkout or a generator would. */
function writeElsewhere(file: string, text: string): void {
  execFileSync(process.execPath, ['-e', 'require("fs").writeFileSync(process.argv[1], process.argv[2])', file, text]);
}

function applyEdits(text: string, edits: Edit[]): string {
  const lines = text.split('\n');
  const off = (p: Pos) => lines.slice(0, p.line).reduce((n, l) => n + l.length + 1, 0) + p.character;
  return [...edits]
    .sort((a, b) => off(b.range.start) - off(a.range.start))
    .reduce((t, e) => t.slice(0, off(e.range.start)) + e.newText + t.slice(off(e.range.end)), text);
}

describe('changes on disk', () => {
  let c: LspClient;
  let baseText: string;
  before(async () => {
    c = await startServer('workspace');
    baseText = c.ws.text(BASE);
    c.open(S);
    await c.diags(S);
  });
  after(() => c.stop());

  test("a base rewritten by another process updates the preview and the dependents' diagnostics", async () => {
    writeElsewhere(c.ws.file(BASE), baseText.replace('momentum=0.937', 'momentum=0.9'));
    const m = await c.eventually(
      'the preview to show the new base value',
      () => c.request<Merged>(MERGED_CONFIG_REQUEST, { uri: c.ws.uri(S) }),
      (x) => /momentum=0\.9,/.test(x.text),
    );
    assert.match(m.text, /lr=0\.02/);
    writeElsewhere(c.ws.file(BASE), baseText.replace("type='YOLODetector',", "type='YOLODetector'"));
    const d = await c.diagsWhere(S, 'base-error after the base broke', (x) => x.some((y) => y.code === 'base-error'));
    assert.match(d.find((y) => y.code === 'base-error')!.message, /yolov8_base\.py:\d+:\d+/);
    writeElsewhere(c.ws.file(BASE), baseText);
    await c.diagsWhere(S, 'clean again', (x) => x.length === 0);
  });

  test('a deleted base is reported in the open dependent, the server keeps answering, and restoring it clears the error', async () => {
    fs.unlinkSync(c.ws.file(BASE));
    const d = await c.diagsWhere(S, 'an error for the missing base', (x) => x.some((y) => y.severity === 1));
    assert.match(d[0].message, /No such file|does not exist|cannot be loaded/);
    const h = await c.request<{ contents: { value: string } } | null>('textDocument/hover', c.at(S, 0));
    assert.match(h!.contents.value, /not found/);
    const m = await c.request<{ text: string; diagnostics: { message: string }[] }>(MERGED_CONFIG_REQUEST, {
      uri: c.ws.uri(S),
    });
    assert.ok(m.diagnostics.length > 0);
    writeElsewhere(c.ws.file(BASE), baseText);
    await c.diagsWhere(S, 'clean after restore', (x) => x.length === 0);
  });

  test('a new config written on disk joins the index', async () => {
    const rel = 'configs/yolov8/yolov8_x_syncbn_fast_8xb16-500e_coco.py';
    const lensTitles = async () =>
      (
        await c.request<{ command: { title: string } }[]>('textDocument/codeLens', {
          textDocument: { uri: c.ws.uri(BASE) },
        })
      ).map((l) => l.command.title);
    assert.deepEqual(await lensTitles(), ['inherited by 3 configs']);
    writeElsewhere(c.ws.file(rel), "_base_ = './yolov8_l_syncbn_fast_8xb16-500e_coco.py'\ndeepen_factor = 1.33\n");
    await c.eventually('the base lens to count the new config', lensTitles, (t) =>
      t.includes('inherited by 4 configs'),
    );
  });
});

describe('a burst of changes on disk', () => {
  test('a checkout that adds 30 configs and rewrites their base at once leaves the index and diagnostics right', async () => {
    const c = await startServer('workspace');
    try {
      const base = c.ws.text(BASE);
      const first = 'configs/burst/yolov8_s_b0_8xb16-500e_coco.py';
      // Like git: files appear in quick succession, the shared base is rewritten in the middle.
      for (let i = 0; i < 30; i++) {
        fs.mkdirSync(c.ws.file('configs/burst'), { recursive: true });
        fs.writeFileSync(
          c.ws.file(`configs/burst/yolov8_s_b${i}_8xb16-500e_coco.py`),
          `_base_ = '../_base_/yolov8_base.py'\nmodel = dict(backbone=dict(frozen_stages=${i % 4}))\n`,
        );
        if (i === 15) fs.writeFileSync(c.ws.file(BASE), base.replace('widen_factor = 0.5', 'widen_factor = 0.25'));
      }
      const titles = async () =>
        (
          await c.request<{ command: { title: string } }[]>('textDocument/codeLens', {
            textDocument: { uri: c.ws.uri(BASE) },
          })
        ).map((l) => l.command.title);
      await c.eventually('all 30 new configs in the index', titles, (t) => t.includes('inherited by 33 configs'));
      c.open(first);
      // The lint reads the rewritten base: size 's' no longer matches widen_factor 0.25.
      const d = await c.diags(first);
      assert.deepEqual(
        d.map((x) => x.code),
        ['filename-size-mismatch'],
      );
      assert.match(d[0].message, /0\.25/);
      const m = await c.request<Merged>(MERGED_CONFIG_REQUEST, { uri: c.ws.uri(first) });
      assert.match(m.text, /widen_factor=0\.25/);
    } finally {
      await c.stop();
    }
  });
});

describe('renames', () => {
  let c: LspClient;
  before(async () => {
    c = await startServer('workspace');
  });
  after(() => c.stop());

  const willRename = (from: string, to: string) =>
    c.request<{ changes: Record<string, Edit[]> } | null>('workspace/willRenameFiles', {
      files: [{ oldUri: c.ws.uri(from), newUri: c.ws.uri(to) }],
    });

  test('renaming a folder updates every _base_ reference into it', async () => {
    const edit = await willRename('configs/_base_', 'configs/common');
    assert.ok(edit);
    assert.deepEqual(Object.keys(edit.changes), [c.ws.uri(S)]);
    const newS = applyEdits(c.ws.text(S), edit.changes[c.ws.uri(S)]);
    assert.equal(newS.split('\n')[0], "_base_ = '../common/yolov8_base.py'");
  });

  test('moving a config recomputes its own relative bases and the references to it', async () => {
    const to = 'configs/yolov8/small/yolov8_s_syncbn_fast_8xb16-500e_coco.py';
    const edit = (await willRename(S, to))!;
    assert.equal(
      applyEdits(c.ws.text(S), edit.changes[c.ws.uri(S)]).split('\n')[0],
      "_base_ = '../../_base_/yolov8_base.py'",
    );
    assert.equal(
      applyEdits(c.ws.text(M), edit.changes[c.ws.uri(M)]).split('\n')[0],
      "_base_ = './small/yolov8_s_syncbn_fast_8xb16-500e_coco.py'",
    );
    assert.equal(Object.keys(edit.changes).length, 2);
  });

  test('after the edits are applied and the folder is moved on disk, everything loads', async () => {
    const edit = (await willRename('configs/_base_', 'configs/common'))!;
    for (const [uri, edits] of Object.entries(edit.changes)) {
      const file = new URL(uri).pathname;
      fs.writeFileSync(file, applyEdits(fs.readFileSync(file, 'utf8'), edits));
    }
    fs.renameSync(c.ws.file('configs/_base_'), c.ws.file('configs/common'));
    c.open(M);
    assert.deepEqual(await c.diags(M), []);
    const again = await c.eventually(
      'the index to follow the move',
      () => willRename('configs/common/yolov8_base.py', 'configs/common/base.py'),
      (e) => !!e,
    );
    assert.equal(
      applyEdits(fs.readFileSync(c.ws.file(S), 'utf8'), again!.changes[c.ws.uri(S)]).split('\n')[0],
      "_base_ = '../common/base.py'",
    );
  });

  test('a rename that breaks the naming convention is warned about', async () => {
    const bad = path.posix.join('configs/yolov8', 'yolov8_s_syncbn_fast_8x16b-500e_coco.py');
    await willRename(M, bad);
    const msg = await c.until('a warning', () => c.messages.find((m) => m.type === 2));
    assert.match(msg.message, /8x16b/);
    const before = c.messages.length;
    await willRename(M, 'configs/yolov8/yolov8_m_syncbn_fast_8xb32-300e_coco.py');
    await c.request('textDocument/hover', c.at(S, 0));
    assert.equal(c.messages.length, before);
  });
});
