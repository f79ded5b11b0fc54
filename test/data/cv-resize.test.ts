// Resizing is cv2.resize to the bit. MMCV's imresize calls cv2.resize
// (mmcv/image/geometric.py:116-117) with 'bilinear' unless told otherwise
// (geometric.py:81); MMYOLO's YOLOv5KeepRatioResize asks for 'area' when shrinking
// (mmyolo/datasets/transforms/transforms.py:112-116), LetterResize for its `interpolation`
// (transforms.py:226-229, default 'bilinear' from mmcv/transforms/processing.py:139), and
// Mosaic resizes each tile with the default (mix_img_transforms.py:353-354).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cvResize, type CvInterpolation } from '../../src/data/cv-resize';
import { buildPipeline, runPipeline, initialResults } from '../../src/data/pipeline';
import { Rng } from '../../src/data/rng';

const FIXTURES = join(__dirname, '..', 'fixtures', 'data');

/** The pattern make_cv_resize.py feeds cv2 (see `source` there). */
function source(w: number, h: number, pattern: string): Uint8Array {
  const out = new Uint8Array(w * h * 3);
  for (let i = 0; i < out.length; i++) {
    if (pattern === 'noise') out[i] = Number((BigInt(i) * 2654435761n) % 2n ** 32n) >>> 24;
    else {
      const y = Math.floor(i / (w * 3)),
        x = Math.floor(i / 3) % w,
        c = i % 3;
      out[i] = (x * 7 + y * 5 + c * 60) % 256;
    }
  }
  return out;
}

function firstDiff(a: Uint8Array, b: Uint8Array, w: number): string | undefined {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i])
      return `first at x=${Math.floor(i / 3) % w} y=${Math.floor(i / 3 / w)} channel ${i % 3}: cv2 ${b[i]}, ours ${a[i]}`;
  }
  return undefined;
}

test('cvResize reproduces every byte cv2.resize gave for 125 cases (test/fixtures/data/cv-resize.*)', () => {
  const meta = JSON.parse(readFileSync(join(FIXTURES, 'cv-resize.json'), 'utf8'));
  const bin = readFileSync(join(FIXTURES, 'cv-resize.bin'));
  const modes = new Set<string>();
  for (const c of meta.cases) {
    const [sw, sh] = c.src,
      [dw, dh] = c.dst;
    const expected = bin.subarray(c.offset, c.offset + dw * dh * 3);
    const got = cvResize(source(sw, sh, c.pattern), sw, sh, dw, dh, c.mode);
    const diff = firstDiff(got, expected, dw);
    assert.equal(diff, undefined, `${sw}x${sh} -> ${dw}x${dh} ${c.mode} (${c.pattern}): ${diff}`);
    modes.add(c.mode);
  }
  assert.deepEqual([...modes].sort(), ['area', 'bilinear', 'nearest']);
});

test('the paths OpenCV picks: a 2x bilinear shrink is the box mean rounded half up; INTER_AREA enlarging is not bilinear', () => {
  // 4x2 -> 2x1: blocks (0,1,100,101) and (2,3,102,103) per channel -> (202+2)>>2 = 51, (210+2)>>2 = 53.
  const src = Uint8Array.from([0, 1, 2, 3, 100, 101, 102, 103].flatMap((v) => [v, v, v]));
  assert.deepEqual(Array.from(cvResize(src, 4, 2, 2, 1, 'bilinear').filter((_, i) => i % 3 === 0)), [51, 53]);
  assert.deepEqual(Array.from(cvResize(src, 4, 2, 2, 1, 'area').filter((_, i) => i % 3 === 0)), [51, 53]);
  // Upscaling 2 -> 4 pixels: bilinear weights the half-pixel centres (0, .25, .75, 1 of the way),
  // INTER_AREA keeps whole source pixels where the output cell lies inside one.
  const two = Uint8Array.from([0, 0, 0, 200, 200, 200]);
  assert.deepEqual(Array.from(cvResize(two, 2, 1, 4, 1, 'bilinear').filter((_, i) => i % 3 === 0)), [0, 50, 150, 200]);
  assert.deepEqual(Array.from(cvResize(two, 2, 1, 4, 1, 'area').filter((_, i) => i % 3 === 0)), [0, 0, 200, 200]);
});

test('LetterResize passes its interpolation to the resize; unsupported ones are config errors', async () => {
  const img = source(30, 20, 'noise');
  const run = async (cfg: Record<string, unknown>) => {
    const steps = buildPipeline([{ type: 'LetterResize', scale: [12, 12], ...cfg }], { warn: () => undefined });
    const rec = {
      file: 'x.jpg',
      imageId: 'x',
      width: 30,
      height: 20,
      bboxes: new Float32Array(0),
      labels: new Int32Array(0),
      ignore: new Uint8Array(0),
    };
    const r = initialResults(0, rec);
    r.img = img;
    return (await runPipeline(steps, r, new Rng(0), { length: 1, loadRaw: async () => null, warn: () => undefined }))!;
  };
  // 30x20 -> 12x8, padded to 12x12 with rows 2..9 holding the image.
  const rowsOf = (out: Uint8Array) => out.subarray(2 * 12 * 3, 10 * 12 * 3);
  for (const mode of ['bilinear', 'nearest', 'area'] as CvInterpolation[]) {
    const out = await run(mode === 'bilinear' ? {} : { interpolation: mode });
    assert.deepEqual(rowsOf(out.img!), cvResize(img, 30, 20, 12, 8, mode), mode);
  }
  assert.throws(
    () =>
      buildPipeline([{ type: 'LetterResize', scale: [12, 12], interpolation: 'bicubic' }], {
        warn: () => undefined,
        where: () => 'cfg.py:3',
      }),
    (e: any) =>
      e.name === 'ConfigError' &&
      e.where === 'cfg.py:3' &&
      e.message === `LetterResize: interpolation="bicubic" is not supported (supported: nearest, bilinear, area)`,
  );
  assert.throws(
    () => buildPipeline([{ type: 'mmdet.Resize', scale: [12, 12], backend: 'pillow' }], { warn: () => undefined }),
    /backend="pillow" is not supported/,
  );
});

// Wider coverage against the real cv2 when it is installed: random sizes up to VOC/COCO scale.
const python = process.env.MMYOLO_PYTHON ?? '/usr/bin/python3';
const hasCv2 = existsSync(python) && spawnSync(python, ['-c', 'import cv2'], { encoding: 'utf8' }).status === 0;

test(
  'cvResize matches the installed cv2 on random images up to 640x480',
  { skip: hasCv2 ? false : `no cv2 for ${python} (set MMYOLO_PYTHON)` },
  () => {
    const script = `
import sys, struct, numpy as np, cv2
rng = np.random.default_rng(11)
modes = {'nearest': cv2.INTER_NEAREST, 'bilinear': cv2.INTER_LINEAR, 'area': cv2.INTER_AREA}
out = sys.stdout.buffer
for k in range(24):
    sw, sh = int(rng.integers(1, 641)), int(rng.integers(1, 481))
    r = float(rng.uniform(0.1, 2.0))
    dw, dh = max(1, int(sw * r)), max(1, int(sh * r))
    mode = list(modes)[k % 3]
    img = rng.integers(0, 256, (sh, sw, 3), dtype=np.uint8)
    res = cv2.resize(img, (dw, dh), interpolation=modes[mode])
    out.write(struct.pack('<5i', sw, sh, dw, dh, k % 3) + img.tobytes() + res.tobytes())
`;
    const r = spawnSync(python, ['-c', script], { maxBuffer: 1 << 30 });
    assert.equal(r.status, 0, String(r.stderr));
    const b = r.stdout as Buffer;
    const names: CvInterpolation[] = ['nearest', 'bilinear', 'area'];
    let p = 0,
      n = 0;
    while (p < b.length) {
      const [sw, sh, dw, dh, m] = [0, 1, 2, 3, 4].map((k) => b.readInt32LE(p + 4 * k));
      p += 20;
      const img = new Uint8Array(b.subarray(p, p + sw * sh * 3));
      p += sw * sh * 3;
      const expected = b.subarray(p, p + dw * dh * 3);
      p += dw * dh * 3;
      const diff = firstDiff(cvResize(img, sw, sh, dw, dh, names[m]), expected, dw);
      assert.equal(diff, undefined, `${sw}x${sh} -> ${dw}x${dh} ${names[m]}: ${diff}`);
      n++;
    }
    assert.equal(n, 24);
  },
);
