// One bad sample is a warning naming its file and the run goes on; strict turns it into an error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildDataset } from '../../src/data/dataset';
import { closeLoaderWorkers, createLoader } from '../../src/data/loader';
import { decodeImage, encodeJpeg } from '../../src/data/image';
import { Rng } from '../../src/data/rng';
import { tempDir, writeVoc, vocCfg, solidImage } from './helpers';

const obj = (name: string, xmin: number, ymin: number, xmax: number, ymax: number) => ({
  name,
  xmin,
  ymin,
  xmax,
  ymax,
  difficult: false,
});
const goodJpeg = encodeJpeg(solidImage(32, 32), 32, 32);

test('VOC box outside the image is clipped with a warning naming the file and line', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [
      {
        id: 'out',
        width: 32,
        height: 32,
        objects: [obj('cat', 1, 1, 10, 10), obj('cat', 20, -5, 60, 30), obj('cat', 40, 40, 50, 50)],
      },
    ]);
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    assert.deepEqual(Array.from(ds.groundTruth(0).bboxes), [0, 0, 9, 9, 19, 0, 32, 29]);
    const xml = join(dir, 'VOC2007', 'Annotations', 'out.xml');
    assert.equal(ds.warnings.length, 2);
    assert.match(
      ds.warnings[0],
      new RegExp(`^${xml}:\\d+: warning: box of 'cat' \\(20,-5,60,30\\) lies outside the 32x32 image; clipped$`),
    );
    assert.match(ds.warnings[1], /box of 'cat' \(40,40,50,50\) lies outside the 32x32 image; object ignored/);
    assert.throws(
      () => buildDataset(vocCfg(dir, ['cat']), { cwd: '/', strict: true }),
      /out\.xml:\d+: error: box of 'cat' \(20,-5,60,30\) lies outside/,
    );
  } finally {
    await cleanup();
  }
});

test('a class not in metainfo is a warning naming the XML file and the known classes', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [
      { id: 'z', width: 32, height: 32, objects: [obj('zebra', 1, 1, 10, 10), obj('cat', 2, 2, 8, 8)] },
    ]);
    const ds = buildDataset(vocCfg(dir, ['cat', 'dog']), { cwd: '/' });
    assert.deepEqual(Array.from(ds.groundTruth(0).labels), [0]);
    assert.match(
      ds.warnings[0],
      /z\.xml:\d+: warning: class 'zebra' is not in the dataset's classes \(cat, dog\); object ignored/,
    );
  } finally {
    await cleanup();
  }
});

test('empty image list and missing list are errors naming the list file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [], 'train', []);
    assert.throws(
      () => buildDataset(vocCfg(dir, ['cat']), { cwd: '/' }),
      (e: any) =>
        e.name === 'DataError' &&
        e.message === `${join(dir, 'VOC2007/ImageSets/Main/train.txt')}: error: image list is empty`,
    );
    assert.throws(
      () => buildDataset(vocCfg(dir, ['cat'], { ann_file: 'VOC2007/ImageSets/Main/val.txt' }), { cwd: '/' }),
      /val\.txt: error: image list not found/,
    );
  } finally {
    await cleanup();
  }
});

test('missing image and corrupt JPEG: load() returns null with a warning; the loader skips them; strict throws', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const corrupt = Buffer.concat([goodJpeg.subarray(0, 200), Buffer.alloc(50, 0x55)]);
    await writeVoc(dir, [
      { id: 'ok1', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)] },
      { id: 'gone', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)], image: null },
      { id: 'broken', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)], image: corrupt },
      { id: 'ok2', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)] },
    ]);
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    assert.equal(await ds.load(1, new Rng(0)), null);
    assert.equal(await ds.load(2, new Rng(0)), null);
    const img = (f: string) => join(dir, 'VOC2007', 'JPEGImages', f);
    assert.equal(ds.warnings[0], `${img('gone.jpg')}: warning: image file not found; sample gone skipped`);
    assert.equal(
      ds.warnings[1],
      `${img('broken.jpg')}: warning: truncated JPEG (250 bytes; the data ends before the end-of-image marker); sample broken skipped`,
    );
    const batches: string[][] = [];
    for await (const b of createLoader(ds, { batchSize: 2, shuffle: false, seed: 0, epoch: 0 }))
      batches.push(b.map((s) => s.meta.imageId));
    assert.deepEqual(batches, [['ok1', 'ok2']]);
    // Another epoch meets the same bad files: the warnings are not repeated.
    for await (const _ of createLoader(ds, { batchSize: 2, shuffle: true, seed: 0, epoch: 1 })) {
      /* drain */
    }
    assert.equal(ds.warnings.length, 2);
    const strict = buildDataset(vocCfg(dir, ['cat']), { cwd: '/', strict: true });
    await assert.rejects(
      strict.load(2, new Rng(0)),
      (e: any) => e.name === 'DataError' && e.message.startsWith(`${img('broken.jpg')}: error: truncated JPEG`),
    );
  } finally {
    await cleanup();
  }
});

test('unreadable annotation XML skips that image with a warning; truncated and non-image files name the file', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(
      dir,
      [
        { id: 'good', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)] },
        { id: 'badxml', width: 32, height: 32, objects: [], xml: '<annotation><size><width>32</width></annotation>' },
      ],
      'train',
      ['good', 'badxml', 'noxml'],
    );
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    assert.equal(ds.length, 1);
    assert.match(
      ds.warnings[0],
      /badxml\.xml:1:\d+: warning: malformed XML: <\/annotation> closes <size>.*; image badxml skipped/,
    );
    assert.match(
      ds.warnings[1],
      /noxml\.xml: warning: annotation file not found \(listed in .*train\.txt\); image noxml skipped/,
    );
    const txt = join(dir, 'notimage.jpg');
    await writeFile(txt, 'hello');
    assert.throws(() => decodeImage(txt), new RegExp(`^DataError: ${txt}: error: not a JPEG or PNG image$`));
    const trunc = join(dir, 'trunc.jpg');
    await writeFile(trunc, goodJpeg.subarray(0, goodJpeg.length >> 1));
    assert.throws(() => decodeImage(trunc), /trunc\.jpg: error: truncated JPEG/);
  } finally {
    await cleanup();
  }
});

test('in loader workers a bad sample is still a warning (reported on the main dataset) and skipped', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [
      { id: 'ok1', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)] },
      { id: 'gone', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)], image: null },
      { id: 'ok2', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)] },
    ]);
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    const ids: string[] = [];
    for await (const b of createLoader(ds, { batchSize: 3, shuffle: false, seed: 0, epoch: 0, workers: 1 }))
      ids.push(...b.map((s) => s.meta.imageId));
    assert.deepEqual(ids, ['ok1', 'ok2']);
    assert.match(ds.warnings.join('\n'), /gone\.jpg: warning: image file not found; sample gone skipped/);
    await closeLoaderWorkers(ds);
    const strict = buildDataset(vocCfg(dir, ['cat']), { cwd: '/', strict: true });
    await assert.rejects(
      async () => {
        for await (const _ of createLoader(strict, { batchSize: 3, shuffle: false, seed: 0, epoch: 0, workers: 1 })) {
          /* drain */
        }
      },
      (e: any) => e.name === 'DataError' && /gone\.jpg: error: image file not found/.test(e.message),
    );
    await closeLoaderWorkers(strict);
  } finally {
    await cleanup();
  }
});
