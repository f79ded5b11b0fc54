// CocoMetric with ann_file evaluates against that file as pycocotools reads it, not against
// the dataset's filtered instances (src/metrics/coco-ground-truth.ts names the MMDetection
// lines): all of the file's images, every annotation of the named categories whatever its
// size or `ignore` key, crowd from `iscrowd`, areas from `area`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEvaluator } from '../../src/metrics/index';
import { buildDataset } from '../../src/data/dataset';
import type { Detections } from '../../src/data/types';
import { tempDir } from '../data/helpers';

const det = (imageId: string, boxes: number[][], scores: number[], labels: number[]): Detections => ({
  imageId,
  bboxes: Float32Array.from(boxes.flat()),
  scores: Float32Array.from(scores),
  labels: Int32Array.from(labels),
});

test('the pycocotools reference set gives pycocotools numbers when read through ann_file', async () => {
  const ref = JSON.parse(readFileSync(join(__dirname, '../fixtures/data/coco-reference.json'), 'utf8'));
  const { dir, cleanup } = await tempDir();
  try {
    const annFile = join(dir, 'ref.json');
    writeFileSync(annFile, JSON.stringify(ref.dataset));
    const classes = ref.dataset.categories.map((c: any) => c.name);
    const ev = buildEvaluator({ type: 'CocoMetric', ann_file: annFile }, classes);
    const label = new Map<number, number>(ref.dataset.categories.map((c: any, i: number) => [c.id, i]));
    for (const im of ref.dataset.images) {
      const d = ref.detections.filter((a: any) => a.image_id === im.id);
      // Doubles, as pycocotools reads the results JSON (IoUs near a threshold must agree).
      ev.process({} as any, {
        imageId: String(im.id),
        bboxes: Float64Array.from(
          d.flatMap((a: any) => [a.bbox[0], a.bbox[1], a.bbox[0] + a.bbox[2], a.bbox[1] + a.bbox[3]]),
        ) as any,
        scores: Float64Array.from(d.map((a: any) => a.score)) as any,
        labels: Int32Array.from(d.map((a: any) => label.get(a.category_id)!)),
      });
    }
    const r = ev.compute();
    const round3 = (x: number) => Math.round(x * 1000) / 1000;
    assert.deepEqual(r, {
      'coco/bbox_mAP': round3(ref.stats.mAP),
      'coco/bbox_mAP_50': round3(ref.stats.mAP50),
      'coco/bbox_mAP_75': round3(ref.stats.mAP75),
      'coco/bbox_mAP_s': round3(ref.stats.mAPs),
      'coco/bbox_mAP_m': round3(ref.stats.mAPm),
      'coco/bbox_mAP_l': round3(ref.stats.mAPl),
    });
  } finally {
    await cleanup();
  }
});

test('annotations and images the dataset drops still count for CocoMetric with ann_file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const annFile = join(dir, 'val.json');
    writeFileSync(
      annFile,
      JSON.stringify({
        images: [
          { id: 1, file_name: 'a.jpg', width: 200, height: 200 },
          { id: 2, file_name: 'b.jpg', width: 200, height: 200 },
        ],
        categories: [
          { id: 7, name: 'cat' },
          { id: 9, name: 'tree' },
        ],
        annotations: [
          { id: 1, image_id: 1, category_id: 7, bbox: [10, 10, 50, 50], area: 2500, iscrowd: 0 },
          // The dataset drops these (mmdet/datasets/coco.py parse_data_info): `ignore`, w < 1, outside the image.
          { id: 2, image_id: 1, category_id: 7, bbox: [100, 100, 40, 40], area: 1600, iscrowd: 0, ignore: 1 },
          { id: 3, image_id: 1, category_id: 7, bbox: [150, 20, 0.5, 30], area: 15, iscrowd: 0 },
          { id: 4, image_id: 1, category_id: 7, bbox: [250, 250, 30, 30], area: 900, iscrowd: 0 },
          // A category that is not one of the classes: not evaluated.
          { id: 5, image_id: 1, category_id: 9, bbox: [0, 0, 80, 80], area: 6400, iscrowd: 0 },
          // An image the loader never delivered (e.g. a corrupt file): its cat is a miss.
          { id: 6, image_id: 2, category_id: 7, bbox: [5, 5, 60, 60], area: 3600, iscrowd: 0 },
        ],
      }),
    );
    const ds = buildDataset(
      {
        type: 'YOLOv5CocoDataset',
        data_root: dir,
        ann_file: 'val.json',
        data_prefix: { img: '' },
        metainfo: { classes: ['cat'] },
        test_mode: true,
      },
      { cwd: '/' },
    );
    assert.equal(ds.groundTruth(0).labels.length, 1, 'the dataset keeps only the first cat of image 1');
    const found = det('1', [[10, 10, 60, 60]], [0.9], [0]);
    const withFile = buildEvaluator({ type: 'CocoMetric', ann_file: annFile }, ['cat']);
    const fromDataset = buildEvaluator({ type: 'CocoMetric' }, ['cat']);
    withFile.process(ds.groundTruth(0), found);
    fromDataset.process(ds.groundTruth(0), found);
    assert.equal(fromDataset.compute()['coco/bbox_mAP'], 1);
    // 5 cats in the file, 1 found with IoU 1: precision 1 up to recall .2, i.e. 21 of the 101
    // recall points, at every IoU threshold -> AP = 21/101 = 0.208.
    const r = withFile.compute();
    assert.equal(r['coco/bbox_mAP'], 0.208);
    assert.equal(r['coco/bbox_mAP_50'], 0.208);
    // Area ranges use the file's `area`: the 0.5x30 box (area 15) is the only small one and is missed.
    assert.equal(r['coco/bbox_mAP_s'], 0);
  } finally {
    await cleanup();
  }
});

test('a missing ann_file and results for an image it does not list are errors naming the file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    assert.throws(
      () => buildEvaluator({ type: 'CocoMetric', ann_file: join(dir, 'nope.json') }, ['cat']),
      (e: any) => e.name === 'DataError' && e.message === `${join(dir, 'nope.json')}: error: annotation file not found`,
    );
    const annFile = join(dir, 'v.json');
    writeFileSync(
      annFile,
      JSON.stringify({
        images: [{ id: 1, file_name: 'a.jpg', width: 9, height: 9 }],
        categories: [{ id: 1, name: 'cat' }],
        annotations: [],
      }),
    );
    const ev = buildEvaluator({ type: 'CocoMetric', ann_file: annFile }, ['cat']);
    assert.throws(
      () => ev.process({} as any, det('000123', [], [], [])),
      new RegExp(
        `^DataError: ${annFile.replace(/[.\\/]/g, '\\$&')}: error: CocoMetric ann_file has no image with id 000123`,
      ),
    );
  } finally {
    await cleanup();
  }
});
