// The merged preview and the outline, in-process: the merged text with each
// line's source beside it, symbols and code lenses of fixture configs.

import { test } from 'node:test';
import { features } from '../../src/workspace/features';
import type { ConfigSymbol } from '../../src/workspace/outline';
import { check, expect, workspaceFrom, type FixtureWorkspace } from './check';

/** The preview text with `# <- file:line` after each line that links somewhere, then the diagnostics. */
function renderPreview(f: FixtureWorkspace): string {
  const m = features.mergedPreview(f.ws, f.file);
  const lines = m.text
    .trimEnd()
    .split('\n')
    .map((l, i) => {
      const at = m.lines[i];
      return at ? `${l}  # <- ${f.rel(at.file)}:${at.line + 1}` : l;
    });
  return f.relative(
    [...lines, ...m.diagnostics.map((d) => `! ${d.message} (${f.rel(d.file)}:${d.line + 1})`)].join('\n'),
  );
}

const FAMILY = `
#- configs/_base_/base.py
deepen_factor = 0.33
model = dict(type='YOLODetector', backbone=dict(type='YOLOv8CSPDarknet', deepen_factor=deepen_factor))
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='SGD', lr=0.01))
#- configs/s.py$0
_base_ = './_base_/base.py'
deepen_factor = 0.5
optim_wrapper = dict(optimizer=dict(lr=0.02))
`;

test('the merged config, each line linked to the file and line that set it', async () => {
  check(
    renderPreview(await workspaceFrom(FAMILY)),
    expect`
    # s.py sets 2 keys: 2 changed  # <- configs/s.py:1
    deepen_factor = 0.5  # was 0.33 (base.py:1)  # <- configs/s.py:2
    optim_wrapper.optimizer.lr = 0.02  # was 0.01 (base.py:3)  # <- configs/s.py:3
    #
    # Still computed by the bases from the old deepen_factor (propagation trap):
    #   model.backbone.deepen_factor = 0.33 (base.py:2)  # <- configs/_base_/base.py:2

    # ---- the merged config, as MMEngine prints it (keys sorted) ----
    deepen_factor = 0.5  # <- configs/s.py:2
    model = dict(  # <- configs/_base_/base.py:2
        backbone=dict(deepen_factor=0.33, type='YOLOv8CSPDarknet'),  # <- configs/_base_/base.py:2
        type='YOLODetector')  # <- configs/_base_/base.py:2
    optim_wrapper = dict(optimizer=dict(lr=0.02, type='SGD'), type='OptimWrapper')  # <- configs/s.py:3
  `,
  );
});

test('while the text is broken: the last version that loaded, and the error', async () => {
  const f = await workspaceFrom(FAMILY);
  features.diagnostics(f.ws, f.file);
  f.ws.setBuffer(f.file, f.text('configs/s.py').replace('lr=0.02))', 'lr=0.02'));
  check(
    renderPreview(f),
    expect`
    # s.py sets 2 keys: 2 changed  # <- configs/s.py:1
    deepen_factor = 0.5  # was 0.33 (base.py:1)  # <- configs/s.py:2
    optim_wrapper.optimizer.lr = 0.02  # was 0.01 (base.py:3)  # <- configs/s.py:3
    #
    # Still computed by the bases from the old deepen_factor (propagation trap):
    #   model.backbone.deepen_factor = 0.33 (base.py:2)  # <- configs/_base_/base.py:2

    # ---- the merged config, as MMEngine prints it (keys sorted) ----
    deepen_factor = 0.5  # <- configs/s.py:2
    model = dict(  # <- configs/_base_/base.py:2
        backbone=dict(deepen_factor=0.33, type='YOLOv8CSPDarknet'),  # <- configs/_base_/base.py:2
        type='YOLODetector')  # <- configs/_base_/base.py:2
    optim_wrapper = dict(optimizer=dict(lr=0.02, type='SGD'), type='OptimWrapper')  # <- configs/s.py:3
    ! showing the last version that loaded (configs/s.py:1)
    ! error: '(' was never closed [syntax-error] (configs/s.py:3)
    ! error: '(' was never closed [syntax-error] (configs/s.py:3)
  `,
  );
});

test('not a config: empty, with a message', async () => {
  const f = await workspaceFrom('#- tools/train.py$0\nimport torch\n');
  check(
    renderPreview(f),
    expect`
    ! not a config file: tools/train.py (tools/train.py:1)
  `,
  );
});

test('Restricted Mode: environment variables show as placeholders in the preview', async () => {
  process.env.YOLOLAB_TEST_SECRET = 'hunter2';
  try {
    const fixture =
      "data_root = '{{$YOLOLAB_TEST_SECRET:data/coco/}}'\nworkers = {{'$YOLOLAB_TEST_SECRET:4'}}\nkey = '{{$YOLOLAB_TEST_SECRET:}}'\n";
    check(
      renderPreview(await workspaceFrom(fixture, { trusted: false })),
      expect`
      # main.py has no _base_: everything below is set here

      # ---- the merged config, as MMEngine prints it (keys sorted) ----
      data_root = '\${YOLOLAB_TEST_SECRET}'  # <- configs/main.py:1
      key = '\${YOLOLAB_TEST_SECRET}'  # <- configs/main.py:3
      workers = 4  # <- configs/main.py:2
    `,
    );
  } finally {
    delete process.env.YOLOLAB_TEST_SECRET;
  }
});

function renderSymbols(symbols: ConfigSymbol[], indent = ''): string {
  return symbols
    .map(
      (s) =>
        `${indent}${s.name} (${s.kind}) ${s.selectionRange.start.line + 1}:${s.selectionRange.start.col + 1}\n${renderSymbols(s.children, indent + '  ')}`,
    )
    .join('');
}

test("document symbols are the config's own keys, with their dict keys", async () => {
  const f = await workspaceFrom(FAMILY + 'model = dict(backbone=dict(frozen_stages=1), neck=dict(depth=1))\n');
  check(
    renderSymbols(features.documentSymbols(f.ws, f.file)),
    expect`
    deepen_factor (value) 2:1
    optim_wrapper (dict) 3:1
      optimizer (dict) 3:22
        lr (value) 3:37
    model (dict) 4:1
      backbone (dict) 4:14
        frozen_stages (value) 4:28
      neck (dict) 4:46
        depth (value) 4:56
  `,
  );
});

test('code lenses: what a config overrides of its base, and who inherits from it', async () => {
  const f = await workspaceFrom(FAMILY + "#- configs/m.py\n_base_ = './s.py'\n#- configs/l.py\n_base_ = './m.py'\n");
  const lenses = features
    .codeLenses(f.ws, f.file)
    .map((l) => `${l.range.start.line + 1}: ${l.title} [${l.files.map(f.rel).join(', ')}]`);
  check(
    lenses.join('\n'),
    expect`
    1: overrides 2 keys of base.py [configs/_base_/base.py]
    1: inherited by 2 configs [configs/m.py, configs/l.py]
  `,
  );
});
