// What a run sees when samples go bad: truncated/corrupt images get a message a user can act
// on (never the decoder's internals), each warning reaches the run log once, a VOC file
// without <size> is sized from its image as MMDetection does, and an epoch that yields no
// batch is an error that says why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { buildDataset } from '../../src/data/dataset';
import { closeLoaderWorkers, createLoader } from '../../src/data/loader';
import { decodeImageBuffer, encodeJpeg, encodePng } from '../../src/data/image';
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
const textured = (w: number, h: number) => Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 37) & 255);

test('a JPEG cut at any byte says "truncated JPEG", never a decoder internal', () => {
  const jpeg = encodeJpeg(textured(24, 16), 24, 16);
  for (let n = 2; n < jpeg.length - 1; n++) {
    assert.throws(
      () => decodeImageBuffer(jpeg.subarray(0, n), 'cut.jpg'),
      (e: any) => {
        assert.equal(e.name, 'DataError');
        assert.equal(
          e.message,
          `cut.jpg: error: truncated JPEG (${n} bytes; the data ends before the end-of-image marker)`,
        );
        return true;
      },
    );
  }
  // Bytes after the end-of-image marker (some cameras pad) are not a truncation.
  assert.equal(decodeImageBuffer(Buffer.concat([jpeg, Buffer.alloc(16)]), 'pad.jpg').width, 24);
});

test('a PNG cut before its IEND chunk says "truncated PNG"', () => {
  const png = encodePng(textured(8, 8), 8, 8);
  assert.throws(
    () => decodeImageBuffer(png.subarray(0, png.length - 12), 'cut.png'),
    /^DataError: cut\.png: error: truncated PNG \(\d+ bytes; no IEND chunk\)$/,
  );
});

test('a JPEG that trips the decoder (bad component id) is "corrupt JPEG data" without the TypeError text', () => {
  // jpeg-js throws "Cannot set properties of undefined (setting 'huffmanTableDC')" for this.
  const jpeg = Buffer.from(encodeJpeg(textured(16, 16), 16, 16));
  const sof = jpeg.indexOf(Buffer.from([0xff, 0xc0]));
  jpeg[sof + 10] = 0; // first component's id: the scan header then names a component that does not exist
  assert.throws(
    () => decodeImageBuffer(jpeg, 'bad.jpg'),
    (e: any) => e.name === 'DataError' && e.message === 'bad.jpg: error: corrupt JPEG data',
  );
});

test('each data warning reaches the run log once, even when train and val share files', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [
      { id: 'a', width: 32, height: 32, objects: [obj('zebra', 1, 1, 10, 10), obj('cat', 2, 2, 9, 9)] },
      { id: 'b', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)], image: null },
    ]);
    const heard: string[] = [];
    const onWarning = (m: string) => heard.push(m);
    // The runner builds the train set, the val set and (PipelineSwitchHook) a second train set with one callback.
    const train = buildDataset(vocCfg(dir, ['cat']), { cwd: '/', onWarning });
    const val = buildDataset(vocCfg(dir, ['cat']), { cwd: '/', onWarning });
    const switched = buildDataset(vocCfg(dir, ['cat']), { cwd: '/', onWarning });
    for (const ds of [train, val, switched]) for (let i = 0; i < ds.length; i++) await ds.load(i, new Rng(i));
    assert.equal(heard.length, 2, heard.join('\n'));
    assert.match(heard[0], /a\.xml:\d+: warning: class 'zebra' is not in the dataset's classes/);
    assert.match(heard[1], /b\.jpg: warning: image file not found; sample b skipped/);
    // Each dataset still lists its own warnings.
    assert.equal(val.warnings.length, 2);
    // A different callback (another run in the same process) hears them again.
    const other: string[] = [];
    buildDataset(vocCfg(dir, ['cat']), { cwd: '/', onWarning: (m) => other.push(m) });
    assert.equal(other.length, 1);
  } finally {
    await cleanup();
  }
});

test('a VOC file without <size> takes the size from its image, as MMDetection does', async () => {
  // mmdet/datasets/xml_style.py:96-103 (XMLDataset.parse_data_info): no <size> element ->
  // the image is decoded and its shape gives height and width.
  const { dir, cleanup } = await tempDir();
  try {
    const noSize =
      '<annotation>\n  <filename>w.jpg</filename>\n  <object>\n    <name>cat</name>\n    <difficult>0</difficult>\n' +
      '    <bndbox><xmin>11</xmin><ymin>5</ymin><xmax>70</xmax><ymax>50</ymax></bndbox>\n  </object>\n</annotation>\n';
    await writeVoc(dir, [{ id: 'w', width: 48, height: 24, objects: [], xml: noSize }]);
    const heard: string[] = [];
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/', onWarning: (m) => heard.push(m) });
    const gt = ds.groundTruth(0);
    assert.deepEqual([gt.width, gt.height], [48, 24]);
    // The box is clipped to the image's real size (xmax 70 > 48), with the usual warning.
    assert.deepEqual(Array.from(gt.bboxes), [10, 4, 48, 24]);
    assert.equal(heard.length, 1);
    assert.match(heard[0], /w\.xml:3: warning: box of 'cat' \(11,5,70,50\) lies outside the 48x24 image; clipped/);
    const s = await ds.load(0, new Rng(0));
    assert.deepEqual([s!.width, s!.height], [48, 24]);
    // No <size> and no readable image: that image is skipped with a warning naming the file.
    await writeVoc(dir, [
      { id: 'w', width: 48, height: 24, objects: [], xml: noSize, image: Buffer.from('not an image') },
      { id: 'ok', width: 8, height: 8, objects: [obj('cat', 1, 1, 5, 5)] },
    ]);
    const ds2 = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    assert.equal(ds2.length, 1);
    assert.match(
      ds2.warnings[0],
      /w\.jpg: warning: cannot read the image size \(not a JPEG\/PNG, or corrupt header\); image w skipped/,
    );
  } finally {
    await cleanup();
  }
});

test('an epoch whose samples were all skipped is an error naming the first reason (in-process and in workers)', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const good = encodeJpeg(solidImage(32, 32), 32, 32);
    await writeVoc(dir, [
      { id: 'cut', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)], image: good.subarray(0, 300) },
      { id: 'gone', width: 32, height: 32, objects: [obj('cat', 1, 1, 10, 10)], image: null },
    ]);
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    const cut = join(dir, 'VOC2007', 'JPEGImages', 'cut.jpg');
    const expected = `epoch 3 yields no batch: all 2 samples were skipped (first: ${cut}: truncated JPEG (300 bytes; the data ends before the end-of-image marker)); see the data warnings`;
    for (const workers of [0, 1]) {
      await assert.rejects(
        async () => {
          for await (const _ of createLoader(ds, { batchSize: 1, shuffle: false, seed: 0, epoch: 2, workers }))
            assert.fail('no batch expected');
        },
        (e: any) => e.name === 'DataError' && e.message === expected,
        `workers=${workers}`,
      );
    }
    await closeLoaderWorkers(ds);
  } finally {
    await cleanup();
  }
});

test('drop_last with fewer usable samples than one batch is an error, not an empty epoch', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(dir, [
      { id: 'a', width: 16, height: 16, objects: [obj('cat', 1, 1, 10, 10)] },
      { id: 'b', width: 16, height: 16, objects: [obj('cat', 1, 1, 10, 10)] },
      { id: 'gone', width: 16, height: 16, objects: [obj('cat', 1, 1, 10, 10)], image: null },
    ]);
    const ds = buildDataset(vocCfg(dir, ['cat']), { cwd: '/' });
    await assert.rejects(
      async () => {
        for await (const _ of createLoader(ds, { batchSize: 4, shuffle: false, seed: 0, epoch: 0, dropLast: true }))
          assert.fail('no batch expected');
      },
      (e: any) =>
        /^epoch 1 yields no batch: 2 usable samples \(1 of 3 skipped, first: .*gone\.jpg: image file not found\) do not fill one batch of 4, and drop_last drops the short one$/.test(
          e.message,
        ),
    );
    // Without drop_last the short batch is yielded.
    const sizes: number[] = [];
    for await (const b of createLoader(ds, { batchSize: 4, shuffle: false, seed: 0, epoch: 0 })) sizes.push(b.length);
    assert.deepEqual(sizes, [2]);
  } finally {
    await cleanup();
  }
});
