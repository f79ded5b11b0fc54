import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildDataset } from '../../src/data/dataset';
import { Rng } from '../../src/data/rng';
import { parseVocXml } from '../../src/data/voc-xml';
import { tempDir, writeVoc, vocCfg } from './helpers';

const obj = (name: string, xmin: number, ymin: number, xmax: number, ymax: number, difficult = false) => ({
  name,
  xmin,
  ymin,
  xmax,
  ymax,
  difficult,
});

test('VOC dataset reads the split list, shifts boxes by -1 like MMDetection and flags difficult', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(
      dir,
      [
        { id: 'a', width: 50, height: 40, objects: [obj('cat', 1, 1, 20, 10), obj('dog', 11, 5, 30, 40, true)] },
        { id: 'b', width: 30, height: 30, objects: [obj('dog', 5, 6, 15, 16)] },
        { id: 'c', width: 30, height: 30, objects: [] },
      ],
      'train',
      ['b', 'a'],
    );
    const ds = buildDataset(vocCfg(dir, ['cat', 'dog']), { cwd: '/' });
    assert.equal(ds.length, 2);
    assert.deepEqual(ds.classes, ['cat', 'dog']);
    const gt = ds.groundTruth(1);
    assert.equal(gt.imageId, 'a');
    assert.deepEqual([gt.width, gt.height], [50, 40]);
    assert.deepEqual(Array.from(gt.bboxes), [0, 0, 19, 9, 10, 4, 29, 39]);
    assert.deepEqual(Array.from(gt.labels), [0, 1]);
    assert.deepEqual(Array.from(gt.ignore), [0, 1]);
    const s = (await ds.load(1, new Rng(0)))!;
    assert.equal(s.width, 50);
    assert.equal(s.height, 40);
    assert.equal(s.img.length, 50 * 40 * 3);
    assert.deepEqual(Array.from(s.bboxes), Array.from(gt.bboxes));
    assert.equal(s.meta.file, join(dir, 'VOC2007', 'JPEGImages', 'a.jpg'));
    assert.deepEqual(s.meta.scaleFactor, [1, 1]);
    assert.deepEqual(ds.warnings, []);
  } finally {
    await cleanup();
  }
});

test('data_root relative to cwd, mmdet.VOCDataset name, default VOC classes, filter_empty_gt', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(join(dir, 'data'), [
      { id: '1', width: 20, height: 20, objects: [obj('person', 2, 2, 10, 10)] },
      { id: '2', width: 20, height: 20, objects: [obj('person', 2, 2, 10, 10, true)] },
      { id: '3', width: 20, height: 20, objects: [] },
      { id: '4', width: 20, height: 6, objects: [obj('person', 2, 2, 10, 5)] },
    ]);
    const cfg = {
      ...vocCfg('data/', []),
      metainfo: undefined,
      type: 'mmdet.VOCDataset',
      filter_cfg: { filter_empty_gt: true, min_size: 8 },
    };
    const ds = buildDataset(cfg, { cwd: dir });
    assert.equal(ds.classes.length, 20);
    // Image 3 has no objects and image 4 is below min_size; image 2 (only a difficult box) stays, as in MMDetection.
    assert.deepEqual(
      [0, 1].map((i) => ds.groundTruth(i).imageId),
      ['1', '2'],
    );
    assert.equal(ds.length, 2);
    assert.deepEqual(Array.from(ds.groundTruth(0).labels), [14]);
    const testMode = buildDataset(
      { ...cfg, test_mode: true, batch_shapes_cfg: { type: 'BatchShapePolicy', batch_size: 1 } },
      { cwd: dir, where: (p) => `cfg.py:${p.join('.')}` },
    );
    assert.equal(testMode.length, 4);
    assert.deepEqual(testMode.warnings, [
      "cfg.py:batch_shapes_cfg: warning: batch_shapes_cfg is not applied: validation images are letterboxed to the full scale (mAP can differ slightly from MMYOLO's)",
    ]);
  } finally {
    await cleanup();
  }
});

test('VOC XML parser: entities, comments, attributes, missing size read from the image header', async () => {
  const xml = `<?xml version="1.0"?>\n<!-- made by hand -->\n<annotation verified="yes">\n<filename>x&amp;y.jpg</filename>\n<object><name>cat</name><bndbox><xmin>1.7</xmin><ymin>2</ymin><xmax>10</xmax><ymax>12.9</ymax></bndbox></object>\n</annotation>`;
  const a = parseVocXml(xml, 'x.xml');
  assert.equal(a.filename, 'x&y.jpg');
  assert.deepEqual(
    a.objects.map((o) => [o.name, o.xmin, o.ymin, o.xmax, o.ymax, o.difficult]),
    [['cat', 1, 2, 10, 12, false]],
  );
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [{ id: 'n', width: 24, height: 18, objects: [], xml }]);
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    assert.deepEqual([ds.groundTruth(0).width, ds.groundTruth(0).height], [24, 18]);
  } finally {
    await cleanup();
  }
});

test('malformed VOC XML gives file:line:col', () => {
  assert.throws(
    () => parseVocXml('<annotation>\n  <object><name>cat</nam>\n</annotation>', 'bad.xml'),
    /^DataError: bad\.xml:2:20: error: malformed XML: <\/nam> closes <name>/,
  );
  assert.throws(
    () => parseVocXml('<annotation>\n<size>', 'open.xml'),
    /open\.xml:2:1: error: malformed XML: <size> is never closed/,
  );
  assert.throws(
    () => parseVocXml('<annotation><object><name>cat</name></object></annotation>', 'nobox.xml'),
    /nobox\.xml:1:13: error: <object> 'cat' has no <bndbox>/,
  );
  assert.throws(
    () =>
      parseVocXml('<annotation><object><name>c</name><bndbox><xmin>a</xmin></bndbox></object></annotation>', 'nan.xml'),
    /nan\.xml:1:43: error: <xmin> is not a number: "a"/,
  );
  assert.throws(() => parseVocXml('', 'empty.xml'), /empty\.xml:1:1: error: malformed XML: no root element/);
});

test('ConcatDataset joins VOC parts (voc0712 style) and RepeatDataset repeats', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(join(dir, 'p1'), [{ id: 'a', width: 20, height: 20, objects: [obj('cat', 1, 1, 5, 5)] }]);
    await writeVoc(join(dir, 'p2'), [
      { id: 'b', width: 20, height: 20, objects: [obj('cat', 2, 2, 6, 6)] },
      { id: 'c', width: 20, height: 20, objects: [obj('cat', 3, 3, 7, 7)] },
    ]);
    const ds = buildDataset(
      { type: 'ConcatDataset', datasets: [vocCfg(join(dir, 'p1'), ['cat']), vocCfg(join(dir, 'p2'), ['cat'])] },
      { cwd: '/' },
    );
    assert.equal(ds.length, 3);
    assert.deepEqual(
      [0, 1, 2].map((i) => ds.groundTruth(i).imageId),
      ['a', 'b', 'c'],
    );
    assert.equal((await ds.load(2, new Rng(0)))!.meta.imageId, 'c');
    const rep = buildDataset(
      { type: 'RepeatDataset', times: 2, dataset: vocCfg(join(dir, 'p2'), ['cat']) },
      { cwd: '/' },
    );
    assert.deepEqual(
      [0, 1, 2, 3].map((i) => rep.groundTruth(i).imageId),
      ['b', 'c', 'b', 'c'],
    );
  } finally {
    await cleanup();
  }
});

test('unknown dataset type is a ConfigError with where and the known types', async () => {
  const where = (p: (string | number)[]) => `configs/x.py:7:${p.join('.')}`;
  assert.throws(
    () => buildDataset({ type: 'CityscapesDataset', ann_file: 'x' }, { cwd: '/', where }),
    (e: any) =>
      e.name === 'ConfigError' &&
      e.where === 'configs/x.py:7:type' &&
      /unknown dataset type 'CityscapesDataset' \(known: YOLOv5VOCDataset, VOCDataset, YOLOv5CocoDataset/.test(
        e.message,
      ),
  );
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [{ id: 'a', width: 20, height: 20, objects: [] }]);
    assert.throws(
      () => buildDataset(vocCfg(dir, ['cat'], { pipeline: [{ type: 'LoadAnnotations' }] }), { cwd: '/', where }),
      /pipeline has no LoadImageFromFile step/,
    );
  } finally {
    await cleanup();
  }
});
