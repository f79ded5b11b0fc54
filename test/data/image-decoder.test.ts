// The two image decoders: sharp (optional dependency) and the pure-JS fallback. sharp's JPEG
// pixels are cv2's (what MMCV's LoadImageFromFile gets); jpeg-js's are not. Everything else
// the loader produces is the same whichever decoder runs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImageFile, describeImageDecoder, setImageDecoder, activeDecoder } from '../../src/data/image-decoder';
import { encodeJpeg, encodePng } from '../../src/data/image';
import { buildDataset } from '../../src/data/dataset';
import { closeLoaderWorkers, createLoader } from '../../src/data/loader';
import { makeDemoDataset } from '../../src/data/demo-dataset';
import { tempDir, writeVoc, vocCfg } from './helpers';

const FIXTURES = join(__dirname, '..', 'fixtures', 'data');
let hasSharp = true;
try {
  require('sharp');
} catch {
  hasSharp = false;
}
const needSharp = hasSharp ? false : 'sharp is not installed (optional dependency)';

after(() => setImageDecoder('auto'));

test(
  'sharp decodes a JPEG to exactly the pixels cv2.imdecode gives (test/fixtures/data/cv-decode.*)',
  { skip: needSharp },
  async () => {
    setImageDecoder('sharp');
    const img = await decodeImageFile(join(FIXTURES, 'cv-decode.jpg'));
    const cv2 = readFileSync(join(FIXTURES, 'cv-decode.rgb'));
    assert.deepEqual([img.width, img.height], [64, 48]);
    assert.ok(Buffer.from(img.data).equals(cv2), 'sharp pixels differ from cv2');
    assert.match(
      describeImageDecoder(),
      /^images decoded by sharp \S+ \(libvips [\d.]+; JPEG pixels as cv2 decodes them\)$/,
    );
  },
);

test('jpeg-js decodes the same JPEG with different pixels (the documented difference)', async () => {
  setImageDecoder('js');
  const img = await decodeImageFile(join(FIXTURES, 'cv-decode.jpg'));
  const cv2 = readFileSync(join(FIXTURES, 'cv-decode.rgb'));
  let maxDiff = 0;
  for (let i = 0; i < cv2.length; i++) maxDiff = Math.max(maxDiff, Math.abs(img.data[i] - cv2[i]));
  assert.ok(maxDiff > 8, `expected jpeg-js to differ from cv2 at the colour edges, max diff ${maxDiff}`);
  assert.match(
    describeImageDecoder(),
    /^images decoded by jpeg-js\/pngjs \(pure JavaScript; JPEG pixels differ from cv2's; chosen with YOLOLAB_IMAGE_DECODER=js\)$/,
  );
});

test(
  'both decoders: grey and alpha images become RGB as cv2 IMREAD_COLOR, truncation has one message',
  { skip: needSharp },
  async () => {
    const { dir, cleanup } = await tempDir();
    try {
      // An RGBA PNG via pngjs (alpha dropped, not blended) and a truncated JPEG.
      const { PNG } = require('pngjs');
      const png = new PNG({ width: 2, height: 1 });
      png.data = Buffer.from([10, 20, 30, 0, 200, 100, 50, 128]);
      writeFileSync(join(dir, 'a.png'), PNG.sync.write(png));
      const grey = new PNG({ width: 2, height: 1, colorType: 0, inputColorType: 0, inputHasAlpha: false });
      grey.data = Buffer.from([7, 250]);
      writeFileSync(
        join(dir, 'g.png'),
        PNG.sync.write(grey, { colorType: 0, inputColorType: 0, inputHasAlpha: false }),
      );
      const jpeg = encodeJpeg(
        Uint8Array.from({ length: 16 * 16 * 3 }, (_, i) => i & 255),
        16,
        16,
      );
      writeFileSync(join(dir, 'cut.jpg'), jpeg.subarray(0, 200));
      for (const d of ['sharp', 'js'] as const) {
        setImageDecoder(d);
        const a = await decodeImageFile(join(dir, 'a.png'));
        assert.deepEqual(Array.from(a.data), [10, 20, 30, 200, 100, 50], d);
        assert.deepEqual(Array.from((await decodeImageFile(join(dir, 'g.png'))).data), [7, 7, 7, 250, 250, 250], d);
        await assert.rejects(
          decodeImageFile(join(dir, 'cut.jpg')),
          (e: any) =>
            e.name === 'DataError' &&
            e.message ===
              `${join(dir, 'cut.jpg')}: error: truncated JPEG (200 bytes; the data ends before the end-of-image marker)`,
          d,
        );
        await assert.rejects(decodeImageFile(join(dir, 'none.jpg')), /none\.jpg: error: image file not found/);
      }
    } finally {
      await cleanup();
    }
  },
);

async function epoch(ds: ReturnType<typeof buildDataset>, workers: number) {
  const out: { id: string; boxes: string; size: string; pixels: string }[] = [];
  for await (const batch of createLoader(ds, { batchSize: 3, shuffle: true, seed: 7, epoch: 1, workers })) {
    for (const s of batch) {
      out.push({
        id: s.meta.imageId,
        boxes: Array.from(s.bboxes).join(',') + '|' + Array.from(s.labels).join(','),
        size: `${s.width}x${s.height}`,
        pixels: createHash('sha1').update(s.img).digest('hex'),
      });
    }
  }
  return out;
}

const trainPipeline = [
  { type: 'LoadImageFromFile' },
  { type: 'LoadAnnotations', with_bbox: true },
  { type: 'Mosaic', img_scale: [48, 48], pad_val: 114.0 },
  {
    type: 'YOLOv5RandomAffine',
    max_rotate_degree: 0.0,
    max_shear_degree: 0.0,
    scaling_ratio_range: [0.5, 1.5],
    border: [-24, -24],
  },
  { type: 'YOLOv5HSVRandomAug' },
  { type: 'mmdet.RandomFlip', prob: 0.5 },
];

test(
  'same seed, either decoder: the same samples, boxes and sizes; JPEG pixels are the only difference',
  { skip: needSharp },
  async () => {
    const { dir, cleanup } = await tempDir();
    try {
      await makeDemoDataset(dir, { seed: 3, train: 9, val: 0, size: 64 });
      const cfg = {
        type: 'YOLOv5VOCDataset',
        data_root: dir,
        ann_file: 'VOC2007/ImageSets/Main/train.txt',
        data_prefix: { sub_data_root: 'VOC2007/' },
        metainfo: { classes: ['circle', 'square', 'triangle', 'star'] },
        pipeline: trainPipeline,
      };
      const ds = buildDataset(cfg, { cwd: '/' });
      setImageDecoder('js');
      const js = await epoch(ds, 0);
      // Loader workers decode with the main thread's choice.
      const jsWorkers = await epoch(ds, 1);
      await closeLoaderWorkers(ds);
      setImageDecoder('sharp');
      const sharp = await epoch(ds, 0);
      assert.deepEqual(jsWorkers, js);
      assert.deepEqual(
        sharp.map(({ id, boxes, size }) => ({ id, boxes, size })),
        js.map(({ id, boxes, size }) => ({ id, boxes, size })),
      );
      assert.notDeepEqual(
        sharp.map((s) => s.pixels),
        js.map((s) => s.pixels),
      );
    } finally {
      await cleanup();
    }
  },
);

test(
  'same seed, either decoder: PNG datasets give identical batches, pixels included',
  { skip: needSharp },
  async () => {
    const { dir, cleanup } = await tempDir();
    try {
      const texture = (w: number, h: number, k: number) =>
        Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * k) & 255);
      const obj = { name: 'cat', xmin: 3, ymin: 4, xmax: 20, ymax: 18, difficult: false };
      await writeVoc(
        dir,
        ['a', 'b', 'c', 'd', 'e', 'f'].map((id, k) => ({
          id,
          width: 30 + k,
          height: 24,
          objects: [obj],
          image: encodePng(texture(30 + k, 24, k + 3), 30 + k, 24),
        })),
      );
      const ds = buildDataset(vocCfg(dir, ['cat'], { pipeline: trainPipeline }), { cwd: '/' });
      setImageDecoder('js');
      const js = await epoch(ds, 0);
      setImageDecoder('sharp');
      assert.equal(activeDecoder(), 'sharp');
      assert.deepEqual(await epoch(ds, 0), js);
    } finally {
      await cleanup();
    }
  },
);
