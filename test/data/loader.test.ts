import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildDataset, type DetDataset } from '../../src/data/dataset';
import { closeLoaderWorkers, createLoader, epochOrder } from '../../src/data/loader';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tempDir } from './helpers';

let dir = '';
let cleanup = async () => {};
let ds: DetDataset;

before(async () => {
  ({ dir, cleanup } = await tempDir());
  await makeDemoDataset(dir, { seed: 5, train: 10, val: 0, size: 48 });
  // MMYOLO's YOLOv8 train pipeline shape, at a tiny scale.
  ds = buildDataset(
    {
      type: 'YOLOv5VOCDataset',
      data_root: dir,
      ann_file: 'VOC2007/ImageSets/Main/train.txt',
      data_prefix: { sub_data_root: 'VOC2007/' },
      metainfo: { classes: ['circle', 'square', 'triangle', 'star'] },
      pipeline: [
        { type: 'LoadImageFromFile' },
        { type: 'LoadAnnotations', with_bbox: true },
        {
          type: 'Mosaic',
          img_scale: [32, 32],
          pad_val: 114.0,
          pre_transform: [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations', with_bbox: true }],
        },
        {
          type: 'YOLOv5RandomAffine',
          max_rotate_degree: 0.0,
          max_shear_degree: 0.0,
          scaling_ratio_range: [0.5, 1.5],
          max_aspect_ratio: 100,
          border: [-16, -16],
          border_val: [114, 114, 114],
        },
        { type: 'mmdet.Albu', transforms: [] },
        { type: 'YOLOv5HSVRandomAug' },
        { type: 'mmdet.RandomFlip', prob: 0.5 },
        { type: 'mmdet.PackDetInputs' },
      ],
    },
    { cwd: '/' },
  );
});
after(() => cleanup());

async function digest(opts: {
  seed: number;
  epoch: number;
  prefetch?: number;
  batchSize?: number;
  dropLast?: boolean;
}) {
  const out: string[][] = [];
  for await (const batch of createLoader(ds, {
    batchSize: opts.batchSize ?? 4,
    shuffle: true,
    seed: opts.seed,
    epoch: opts.epoch,
    prefetch: opts.prefetch,
    dropLast: opts.dropLast,
  })) {
    out.push(
      batch.map((s) => {
        assert.equal(s.width, 32);
        assert.equal(s.img.length, 32 * 32 * 3);
        return (
          s.meta.imageId +
          ':' +
          createHash('sha1')
            .update(s.img)
            .update(new Uint8Array(s.bboxes.buffer, s.bboxes.byteOffset, s.bboxes.byteLength))
            .digest('hex')
            .slice(0, 10)
        );
      }),
    );
  }
  return out;
}

test('Albu is accepted with a warning that it is not applied', () => {
  assert.ok(ds.warnings.some((w) => /mmdet\.Albu is accepted but not applied/.test(w)));
});

test('batches depend only on (seed, epoch): prefetch depth does not change them', async () => {
  const a = await digest({ seed: 1, epoch: 0, prefetch: 1 });
  const b = await digest({ seed: 1, epoch: 0, prefetch: 4 });
  assert.deepEqual(a, b);
  assert.deepEqual(
    a.map((x) => x.length),
    [4, 4, 2],
  );
  const c = await digest({ seed: 1, epoch: 1 });
  const d = await digest({ seed: 2, epoch: 0 });
  assert.notDeepEqual(a, c);
  assert.notDeepEqual(a, d);
});

test('dropLast drops the short final batch; no shuffle keeps file order', async () => {
  const a = await digest({ seed: 1, epoch: 0, dropLast: true });
  assert.deepEqual(
    a.map((x) => x.length),
    [4, 4],
  );
  assert.deepEqual(epochOrder(5, { shuffle: false, seed: 9, epoch: 3 }), [0, 1, 2, 3, 4]);
  const o = epochOrder(10, { shuffle: true, seed: 9, epoch: 3 });
  assert.deepEqual(
    [...o].sort((x, y) => x - y),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  assert.deepEqual(epochOrder(10, { shuffle: true, seed: 9, epoch: 3 }), o);
});

test('augmented boxes stay inside the image and keep positive size', async () => {
  for await (const batch of createLoader(ds, { batchSize: 5, shuffle: true, seed: 3, epoch: 0 })) {
    for (const s of batch) {
      assert.equal(s.labels.length * 4, s.bboxes.length);
      for (let i = 0; i < s.labels.length; i++) {
        const [x1, y1, x2, y2] = s.bboxes.subarray(i * 4, i * 4 + 4);
        assert.ok(x1 >= 0 && y1 >= 0 && x2 <= 32 && y2 <= 32 && x2 > x1 && y2 > y1, `bad box ${[x1, y1, x2, y2]}`);
        assert.ok(s.labels[i] >= 0 && s.labels[i] < 4);
      }
    }
  }
});

test('worker threads produce exactly the batches of in-process loading', async () => {
  const inProcess = await digest({ seed: 4, epoch: 2 });
  const out: string[][] = [];
  for await (const batch of createLoader(ds, { batchSize: 4, shuffle: true, seed: 4, epoch: 2, workers: 2 })) {
    out.push(
      batch.map(
        (s) =>
          s.meta.imageId +
          ':' +
          createHash('sha1')
            .update(s.img)
            .update(new Uint8Array(s.bboxes.buffer, s.bboxes.byteOffset, s.bboxes.byteLength))
            .digest('hex')
            .slice(0, 10),
      ),
    );
  }
  assert.deepEqual(out, inProcess);
  await closeLoaderWorkers(ds);
});
