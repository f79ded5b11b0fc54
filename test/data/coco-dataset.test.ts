import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDataset } from '../../src/data/dataset';
import { Rng } from '../../src/data/rng';
import { tempDir, solidImage, encodePng } from './helpers';

async function writeCoco(dir: string, json: unknown, images: { name: string; w: number; h: number }[]) {
  await mkdir(join(dir, 'annotations'), { recursive: true });
  await mkdir(join(dir, 'train2017'), { recursive: true });
  for (const im of images)
    await writeFile(join(dir, 'train2017', im.name), encodePng(solidImage(im.w, im.h), im.w, im.h));
  await writeFile(join(dir, 'annotations', 'train.json'), typeof json === 'string' ? json : JSON.stringify(json));
}

const cocoCfg = (root: string, classes?: string[]) => ({
  type: 'YOLOv5CocoDataset',
  data_root: root,
  ann_file: 'annotations/train.json',
  data_prefix: { img: 'train2017/' },
  ...(classes ? { metainfo: { classes } } : {}),
  pipeline: [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations', with_bbox: true }],
});

const sample = {
  images: [
    { id: 7, file_name: 'a.png', width: 40, height: 30 },
    { id: 9, file_name: 'b.png', width: 20, height: 20 },
  ],
  categories: [
    { id: 3, name: 'dog' },
    { id: 1, name: 'cat' },
    { id: 5, name: 'bird' },
  ],
  annotations: [
    { id: 1, image_id: 7, category_id: 1, bbox: [2, 3, 10, 5], area: 50, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 3, bbox: [20, 10, 8, 8], area: 40, iscrowd: 1 },
    { id: 3, image_id: 7, category_id: 5, bbox: [1, 1, 4, 4], area: 16, iscrowd: 0 },
    { id: 4, image_id: 9, category_id: 1, bbox: [1, 1, 0.5, 4], area: 2, iscrowd: 0 }, // w < 1: dropped
    { id: 5, image_id: 9, category_id: 3, bbox: [30, 30, 5, 5], area: 25, iscrowd: 0 }, // outside the image: dropped
  ],
};

test('COCO: classes matched by name, xywh -> xyxy, iscrowd -> ignore, tiny and outside boxes dropped', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeCoco(dir, sample, [
      { name: 'a.png', w: 40, h: 30 },
      { name: 'b.png', w: 20, h: 20 },
    ]);
    const warnings: string[] = [];
    const ds = buildDataset(cocoCfg(dir, ['cat', 'dog']), { cwd: '/', onWarning: (w) => warnings.push(w) });
    assert.equal(ds.length, 2);
    const gt = ds.groundTruth(0);
    assert.equal(gt.imageId, '7');
    assert.deepEqual(Array.from(gt.bboxes), [2, 3, 12, 8, 20, 10, 28, 18]);
    assert.deepEqual(Array.from(gt.labels), [0, 1]);
    assert.deepEqual(Array.from(gt.ignore), [0, 1]);
    assert.deepEqual(Array.from((gt as any).areas), [50, 40]);
    assert.equal(ds.groundTruth(1).labels.length, 0);
    assert.ok(
      warnings.some((w) => /category 'bird' is not in the dataset's classes; 1 annotation\(s\) ignored/.test(w)),
      warnings.join('\n'),
    );
    const s = (await ds.load(0, new Rng(1)))!;
    assert.deepEqual([s.width, s.height], [40, 30]);
    assert.deepEqual(Array.from(s.bboxes), Array.from(gt.bboxes));
  } finally {
    await cleanup();
  }
});

test('COCO without metainfo takes the categories in id order', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeCoco(dir, sample, [{ name: 'a.png', w: 40, h: 30 }]);
    const ds = buildDataset({ ...cocoCfg(dir), type: 'mmdet.CocoDataset' }, { cwd: '/' });
    assert.deepEqual(ds.classes, ['cat', 'dog', 'bird']);
    assert.deepEqual(Array.from(ds.groundTruth(0).labels), [0, 1, 2]);
  } finally {
    await cleanup();
  }
});

test('COCO bad input: invalid JSON with line:col, not a detection file, empty image list', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeCoco(dir, '{\n  "images": [\n    {"id": 1,}\n  ]\n}', []);
    assert.throws(
      () => buildDataset(cocoCfg(dir), { cwd: '/' }),
      (e: any) => new RegExp(`^${join(dir, 'annotations', 'train.json')}:3:\\d+: error: invalid JSON`).test(e.message),
    );
    await writeCoco(dir, { images: 'x' }, []);
    assert.throws(
      () => buildDataset(cocoCfg(dir), { cwd: '/' }),
      /train\.json: error: not a COCO detection file: no 'images' list/,
    );
    await writeCoco(dir, { images: [], categories: [{ id: 1, name: 'cat' }], annotations: [] }, []);
    assert.throws(() => buildDataset(cocoCfg(dir), { cwd: '/' }), /train\.json: error: image list is empty/);
    assert.throws(
      () => buildDataset({ ...cocoCfg(dir), ann_file: 'annotations/nope.json' }, { cwd: '/' }),
      /nope\.json: error: annotation file not found/,
    );
  } finally {
    await cleanup();
  }
});
