// Renames in a checkout of an OpenMMLab package (test/fixtures/workspace-checkout,
// modelled on MMYOLO): the checkout's own `mmyolo::` scope resolves without a
// setting, and a move rewrites `_base_` references (scoped ones included),
// metafile `Config:` entries and relative Markdown links. Each scenario is
// compared with expected-renames.txt, then applied on a copy: afterwards every
// config loads and every link and `Config:` entry points at a file that exists.

import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { LineIndex } from '../../src/config/source';
import { ConfigWorkspace } from '../../src/workspace/config-workspace';
import { documentRenameEdits, listDocuments, repositoryRoot } from '../../src/workspace/doc-rename-edits';
import { detectOwnScopes } from '../../src/workspace/own-scope';
import { baseRenameEdits, type FileMove, type TextEdit } from '../../src/workspace/rename-edits';
import { copyFixture } from '../server/lsp-harness';

const EXPECTED = path.resolve(__dirname, '../fixtures/workspace-checkout/expected-renames.txt');

async function workspaceAt(root: string): Promise<ConfigWorkspace> {
  const ws = new ConfigWorkspace([root]);
  ws.configure({});
  await ws.scan();
  return ws;
}

function allEdits(ws: ConfigWorkspace, moves: FileMove[]): TextEdit[] {
  return [
    ...baseRenameEdits(ws.index, moves, () => undefined),
    ...documentRenameEdits(ws.roots, moves, () => undefined),
  ];
}

function show(root: string, edits: TextEdit[]): string[] {
  return edits
    .map((e) => {
      const text = fs.readFileSync(e.file, 'utf8');
      const lines = new LineIndex(text);
      const old = text.slice(lines.offset(e.range.start), lines.offset(e.range.end));
      return `${path.relative(root, e.file)}:${e.range.start.line + 1}:${e.range.start.col + 1}: ${old} -> ${e.newText}`;
    })
    .sort();
}

function apply(edits: TextEdit[], moves: FileMove[]): void {
  const byFile = new Map<string, TextEdit[]>();
  for (const e of edits) byFile.set(e.file, [...(byFile.get(e.file) ?? []), e]);
  for (const [file, es] of byFile) {
    let text = fs.readFileSync(file, 'utf8');
    const lines = new LineIndex(text);
    for (const e of es.sort((a, b) => lines.offset(b.range.start) - lines.offset(a.range.start))) {
      text = text.slice(0, lines.offset(e.range.start)) + e.newText + text.slice(lines.offset(e.range.end));
    }
    fs.writeFileSync(file, text);
  }
  for (const m of moves) {
    fs.mkdirSync(path.dirname(m.to), { recursive: true });
    fs.renameSync(m.from, m.to);
  }
}

/** Every relative link and `Config:` entry that points nowhere, and every config that does not load. */
async function broken(root: string): Promise<string[]> {
  const out: string[] = [];
  const { markdown, metafiles } = listDocuments([root]);
  for (const md of markdown) {
    const text = fs.readFileSync(md, 'utf8');
    for (const m of text.matchAll(/\]\(([^)\s]+)[^)]*\)|href="([^"]+)"|^\[[^\]]+\]:\s*(\S+)/gm)) {
      const raw = (m[1] ?? m[2] ?? m[3]).replace(/[#?].*$/, '');
      if (!raw || /^[a-z]+:/i.test(raw)) continue;
      const target = raw.startsWith('/')
        ? path.join(repositoryRoot(md, [root]), raw)
        : path.resolve(path.dirname(md), raw);
      if (!fs.existsSync(target)) out.push(`${path.relative(root, md)}: ${raw}`);
    }
  }
  for (const meta of metafiles) {
    for (const m of fs.readFileSync(meta, 'utf8').matchAll(/(?:Config:|README:|^\s*-)\s*(\S+\/\S+)$/gm)) {
      if (!fs.existsSync(path.join(root, m[1]))) out.push(`${path.relative(root, meta)}: ${m[1]}`);
    }
  }
  const ws = await workspaceAt(root);
  for (const f of ws.index.all()) {
    const r = ws.load(f.path);
    if (!r.ok)
      out.push(`${path.relative(root, f.path)}: ${r.diagnostics.find((d) => d.severity === 'error')?.message}`);
  }
  return out;
}

describe('renames in a checkout of the package', () => {
  test('the checkout is its own mmyolo:: scope, without a setting; a setting wins', async () => {
    const w = copyFixture('workspace-checkout');
    try {
      assert.deepEqual(detectOwnScopes([w.root]), [
        { scope: 'mmyolo', configs: path.join(w.root, 'configs'), source: 'workspace' },
      ]);
      // One level down too: a folder holding the checkout.
      assert.deepEqual(
        detectOwnScopes([path.dirname(w.root)])
          .filter((s) => s.configs === path.join(w.root, 'configs'))
          .map((s) => s.scope),
        ['mmyolo'],
      );
      const ws = await workspaceAt(w.root);
      assert.equal(ws.scopes.mmyolo, w.file('configs'));
      const project = w.file('projects/misc/ionogram_detection/yolov7/yolov7_l_fast_1xb16-100e_ionogram.py');
      assert.ok(ws.load(project).ok, 'the project config loads through mmyolo::');
      assert.deepEqual(ws.index.dependents(w.file('configs/yolov7/yolov7_l_syncbn_fast_8x16b-300e_coco.py')), [
        w.file('configs/yolov7/yolov7_tiny_syncbn_fast_8x16b-300e_coco.py'),
        project,
      ]);
      ws.configure({ scopes: { mmyolo: 'elsewhere/configs' } });
      assert.equal(ws.scopes.mmyolo, w.file('elsewhere/configs'));
      assert.deepEqual(
        ws.scopeRoots.map((s) => [s.scope, s.source]),
        [['mmyolo', 'setting']],
      );
    } finally {
      fs.rmSync(w.root, { recursive: true, force: true });
    }
  });

  const scenarios: { name: string; moves: (root: string) => FileMove[] }[] = [
    {
      name: 'rename a config (8x16b -> 8xb16)',
      moves: (r) => [
        {
          from: path.join(r, 'configs/yolov7/yolov7_l_syncbn_fast_8x16b-300e_coco.py'),
          to: path.join(r, 'configs/yolov7/yolov7_l_syncbn_fast_8xb16-300e_coco.py'),
        },
      ],
    },
    {
      name: 'rename the folder',
      moves: (r) => [{ from: path.join(r, 'configs/yolov7'), to: path.join(r, 'configs/yolov7_v0') }],
    },
    {
      name: 'move a README to another folder',
      moves: (r) => [
        { from: path.join(r, 'projects/misc/ionogram_detection/README.md'), to: path.join(r, 'docs/en/ionogram.md') },
      ],
    },
  ];

  test('each move rewrites the references and leaves nothing broken', async () => {
    const report: string[] = [];
    for (const s of scenarios) {
      const w = copyFixture('workspace-checkout');
      try {
        assert.deepEqual(await broken(w.root), [], 'the fixture itself is consistent');
        const ws = await workspaceAt(w.root);
        const moves = s.moves(w.root);
        const edits = allEdits(ws, moves);
        report.push(`== ${s.name}`, ...show(w.root, edits), '');
        apply(edits, moves);
        assert.deepEqual(await broken(w.root), [], `after "${s.name}"`);
      } finally {
        fs.rmSync(w.root, { recursive: true, force: true });
      }
    }
    const got = report.join('\n');
    if (process.env.YOLOLAB_UPDATE_EXPECTED) fs.writeFileSync(EXPECTED, got);
    assert.equal(got, fs.readFileSync(EXPECTED, 'utf8'));
  });

  test('unsaved editor text is what the edits address', async () => {
    const w = copyFixture('workspace-checkout');
    try {
      const ws = await workspaceAt(w.root);
      const readme = w.file('configs/yolov7/README.md');
      const unsaved = `# YOLOv7 (edited)\n\n[config](yolov7_l_syncbn_fast_8x16b-300e_coco.py)\n`;
      const moves = scenarios[0].moves(w.root);
      const edits = documentRenameEdits([w.root], moves, (f) => (f === readme ? unsaved : undefined)).filter(
        (e) => e.file === readme,
      );
      assert.deepEqual(
        edits.map((e) => [e.range.start.line, e.newText]),
        [[2, 'yolov7_l_syncbn_fast_8xb16-300e_coco.py']],
      );
      void ws;
    } finally {
      fs.rmSync(w.root, { recursive: true, force: true });
    }
  });
});

const MMYOLO = path.join(process.env.MMYOLO_SRC ?? '/tmp/src', 'mmyolo');

describe(
  "renames in MMYOLO's own checkout",
  {
    skip: fs.existsSync(path.join(MMYOLO, 'mmyolo/__init__.py'))
      ? false
      : `no MMYOLO checkout at ${MMYOLO} (set MMYOLO_SRC)`,
  },
  () => {
    test('renaming yolov7_l_syncbn_fast_8x16b-300e_coco.py reaches the project config through mmyolo::, the metafile and the README', async () => {
      const ws = new ConfigWorkspace([MMYOLO]);
      ws.configure({ scopes: { mmdet: path.join(MMYOLO, '../mmdetection/configs') } });
      await ws.scan();
      const from = path.join(MMYOLO, 'configs/yolov7/yolov7_l_syncbn_fast_8x16b-300e_coco.py');
      const edits = allEdits(ws, [{ from, to: from.replace('8x16b', '8xb16') }]);
      const files = [...new Set(edits.map((e) => path.relative(MMYOLO, e.file)))].sort();
      assert.deepEqual(files, [
        'configs/yolov7/README.md',
        'configs/yolov7/metafile.yml',
        'configs/yolov7/yolov7_tiny_syncbn_fast_8x16b-300e_coco.py',
        'configs/yolov7/yolov7_w-p6_syncbn_fast_8x16b-300e_coco.py',
        'configs/yolov7/yolov7_x_syncbn_fast_8x16b-300e_coco.py',
        'projects/misc/ionogram_detection/yolov7/yolov7_l_fast_1xb16-100e_ionogram.py',
      ]);
      assert.ok(
        edits.every((e) => e.newText.includes('yolov7_l_syncbn_fast_8xb16-300e_coco.py')),
        JSON.stringify(edits.map((e) => e.newText)),
      );
    });
  },
);
