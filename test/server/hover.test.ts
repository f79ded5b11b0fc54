// Hover, in-process: fixture configs with a `$0` cursor and the expected
// Markdown beside them (UPDATE_EXPECT=1 rewrites the expectations).

import { test } from 'node:test';
import { features } from '../../src/workspace/features';
import { check, expect, workspaceFrom, type Expect, type FixtureOptions } from './check';

async function checkHover(fixture: string, exp: Expect, opts?: FixtureOptions): Promise<void> {
  const f = await workspaceFrom(fixture, opts);
  const h = features.hover(f.ws, f.file, f.pos);
  check(h ? f.relative(h.markdown) : '(no hover)', exp);
}

const CHAIN = `
#- configs/_base_/base.py
deepen_factor = 0.33
model = dict(backbone=dict(deepen_factor=deepen_factor, norm_cfg=dict(type='BN', momentum=0.03)))
#- configs/s.py
_base_ = './_base_/base.py'
deepen_factor = 0.5
#- configs/m.py
_base_ = './s.py'
`;

test('an overriding key shows its value, where it is set, and each value it overrode down the chain', () =>
  checkHover(
    CHAIN + 'deepen$0_factor = 0.67\n',
    expect`
      **deepen\_factor**

      \`\`\`python
      0.67
      \`\`\`

      set in [m.py:2](configs/m.py#L2)

      overrides:
      - \`0.5\` in [s.py:2](configs/s.py#L2)
      - \`0.33\` in [base.py:1](configs/_base_/base.py#L1)
    `,
  ));

test('on the MMYOLO-style yolov8_m config: 0.67 here, 0.33 in yolov8_s', () =>
  checkHover(
    `
#- configs/yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py
_base_ = './yolov8_s_syncbn_fast_8xb16-500e_coco.py'
deepen_factor$0 = 0.67
`,
    expect`
      **deepen\_factor**

      \`\`\`python
      0.67
      \`\`\`

      set in [yolov8\_m\_syncbn\_fast\_8xb16-500e\_coco.py:2](configs/yolov8/yolov8_m_syncbn_fast_8xb16-500e_coco.py#L2)

      overrides:
      - \`0.33\` in [yolov8\_s\_syncbn\_fast\_8xb16-500e\_coco.py:26](configs/yolov8/yolov8_s_syncbn_fast_8xb16-500e_coco.py#L26)
    `,
    { copy: ['configs'] },
  ));

test('a key inside a child dict: the merged value and the base value it replaced', () =>
  checkHover(
    CHAIN + 'model = dict(backbone=dict(norm_cfg=dict(momen$0tum=0.01)))\n',
    expect`
      **model.backbone.norm\_cfg.momentum**

      \`\`\`python
      0.01
      \`\`\`

      set in [m.py:2](configs/m.py#L2)

      overrides:
      - \`0.03\` in [base.py:2](configs/_base_/base.py#L2)
    `,
  ));

test('a dict merged over its base: the merged dict, and the base dict on one line', () =>
  checkHover(
    CHAIN + 'model = dict(backbone=dict(norm$0_cfg=dict(momentum=0.01)))\n',
    expect`
      **model.backbone.norm\_cfg**

      \`\`\`python
      dict(type='BN', momentum=0.01)
      \`\`\`

      set in [m.py:2](configs/m.py#L2)

      overrides:
      - \`dict(type='BN', momentum=0.03)\` in [base.py:2](configs/_base_/base.py#L2)
    `,
  ));

test('_base_.x: escaped in the title (not *base*.x), with the value in the bases', () =>
  checkHover(
    CHAIN + 'factor = _base_.deepen$0_factor * 2\n',
    expect`
      **\_base\_.deepen\_factor**

      \`\`\`python
      0.5
      \`\`\`

      set in [s.py:2](configs/s.py#L2)

      overrides:
      - \`0.33\` in [base.py:1](configs/_base_/base.py#L1)
    `,
  ));

test('a {{_base_.x}} template hovers as the base value', () =>
  checkHover(
    CHAIN + 'depth = {{_base_.deepen$0_factor}}\n',
    expect`
      **\_base\_.deepen\_factor**

      \`\`\`python
      0.5
      \`\`\`

      set in [s.py:2](configs/s.py#L2)

      overrides:
      - \`0.33\` in [base.py:1](configs/_base_/base.py#L1)
    `,
  ));

test('a computed name lists what it was computed from', () =>
  checkHover(
    CHAIN + 'scaled = _base_.deepen_factor * 2\nx = dict(a=sca$0led)\n',
    expect`
      **scaled**

      \`\`\`python
      1.0
      \`\`\`

      set in [m.py:2](configs/m.py#L2)

      computed from \`_base_.deepen_factor\`
    `,
  ));

test('a value too long for one line is cut in the chain', () =>
  checkHover(
    `
#- configs/base.py
pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations', with_bbox=True), dict(type='Mosaic', img_scale=(640, 640), pad_val=114.0)]
#- configs/child.py
_base_ = './base.py'
pipe$0line = []
`,
    expect`
      **pipeline**

      \`\`\`python
      []
      \`\`\`

      set in [child.py:2](configs/child.py#L2)

      overrides:
      - \`[{'type': 'LoadImageFromFile'}, {'type': 'LoadAnnotations', 'with_bbox': True},…\` in [base.py:1](configs/base.py#L1)
    `,
  ));

test('a _base_ entry summarises the base; a missing one says where it looked', async () => {
  await checkHover(
    CHAIN.replace("_base_ = './s.py'", "_base_ = './s$0.py'"),
    expect`
      **\_base\_** [s.py](configs/s.py)

      2 top-level keys: \`deepen_factor\`, \`model\`

      inherits from \`./_base_/base.py\`
    `,
  );
  await checkHover(
    "_base_ = './nowhere$0.py'\n",
    expect`
      **\_base\_** \`./nowhere.py\`: not found (looked for \`configs/nowhere.py\`)
    `,
  );
});

test('while the text does not load, the last version that did answers, and says so', async () => {
  const f = await workspaceFrom(CHAIN + 'deepen$0_factor = 0.67\n');
  features.diagnostics(f.ws, f.file); // opened in the editor: analysed once while it loads
  f.ws.setBuffer(f.file, f.text('configs/m.py') + 'half_typed = dict(\n');
  const h = features.hover(f.ws, f.file, f.pos);
  check(
    f.relative(h!.markdown),
    expect`
      **deepen\_factor**

      \`\`\`python
      0.67
      \`\`\`

      set in [m.py:2](configs/m.py#L2)

      overrides:
      - \`0.5\` in [s.py:2](configs/s.py#L2)
      - \`0.33\` in [base.py:1](configs/_base_/base.py#L1)

      _(from the last version that loaded; this one has errors)_
    `,
  );
});

test('Restricted Mode: an environment variable shows as a placeholder, never its value', async () => {
  process.env.YOLOLAB_TEST_SECRET = 'hunter2';
  try {
    const fixture =
      "secret = '{{$YOLOLAB_TEST_SECRET:none}}'\nkey$0 = dict(token=secret, n={{'$YOLOLAB_TEST_SECRET:3'}})\n";
    await checkHover(
      fixture,
      expect`
        **key**

        \`\`\`python
        dict(token='\${YOLOLAB_TEST_SECRET}', n=3)
        \`\`\`

        set in [main.py:2](configs/main.py#L2)

        _Restricted Mode: environment variables are not read; \`\${NAME}\` stands for the value of \`NAME\`._
      `,
      { trusted: false },
    );
    // Trusted, the value is read as MMEngine would at run time.
    const f = await workspaceFrom(fixture.replace(", n={{'$YOLOLAB_TEST_SECRET:3'}}", ''));
    check(features.hover(f.ws, f.file, f.pos)!.markdown.split('\n')[3], expect`dict(token='hunter2')`);
  } finally {
    delete process.env.YOLOLAB_TEST_SECRET;
  }
});
