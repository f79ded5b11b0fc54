import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDemoDataset, DEMO_CLASSES } from '../../src/data/demo-dataset';
import { parseVocXml } from '../../src/data/voc-xml';
import { decodeImage } from '../../src/data/image';

async function tree(dir: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name), join(rel, e.name));
      else out.set(join(rel, e.name), await readFile(join(d, e.name)));
    }
  };
  await walk(dir, '');
  return out;
}

test('same seed gives byte-identical datasets; another seed differs', async () => {
  const base = await mkdtemp(join(tmpdir(), 'demo-'));
  try {
    const opts = { train: 6, val: 2, size: 64 };
    await makeDemoDataset(join(base, 'a'), { ...opts, seed: 3 });
    await makeDemoDataset(join(base, 'b'), { ...opts, seed: 3 });
    await makeDemoDataset(join(base, 'c'), { ...opts, seed: 4 });
    const a = await tree(join(base, 'a')),
      b = await tree(join(base, 'b')),
      c = await tree(join(base, 'c'));
    assert.equal(a.size, 8 * 2 + 3);
    assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
    for (const [k, v] of a) assert.ok(v.equals(b.get(k)!), `${k} differs between runs with the same seed`);
    const img = join('VOC2007', 'JPEGImages', '000000.jpg');
    assert.ok(!a.get(img)!.equals(c.get(img)!));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test('demo tree has VOC layout, splits, and boxes that frame the painted shapes', async () => {
  const base = await mkdtemp(join(tmpdir(), 'demo-'));
  try {
    const r = await makeDemoDataset(base, { seed: 1, train: 5, val: 3, size: 96 });
    assert.deepEqual(r, { classes: DEMO_CLASSES, train: 5, val: 3 });
    const main = join(base, 'VOC2007', 'ImageSets', 'Main');
    const train = (await readFile(join(main, 'train.txt'), 'utf8')).trim().split('\n');
    const val = (await readFile(join(main, 'val.txt'), 'utf8')).trim().split('\n');
    assert.equal(train.length, 5);
    assert.equal(val.length, 3);
    assert.deepEqual((await readFile(join(main, 'trainval.txt'), 'utf8')).trim().split('\n'), [...train, ...val]);
    for (const id of [...train, ...val]) {
      const ann = parseVocXml(await readFile(join(base, 'VOC2007', 'Annotations', `${id}.xml`), 'utf8'), id);
      const img = decodeImage(join(base, 'VOC2007', 'JPEGImages', `${id}.jpg`));
      assert.equal(img.width, 96);
      assert.equal(ann.width, 96);
      assert.ok(ann.objects.length >= 1 && ann.objects.length <= 3);
      for (const o of ann.objects) {
        assert.ok(DEMO_CLASSES.includes(o.name));
        assert.ok(
          o.xmin >= 1 && o.ymin >= 1 && o.xmax <= 96 && o.ymax <= 96 && o.xmax > o.xmin + 5 && o.ymax > o.ymin + 5,
        );
        // The shape's centre pixel (all four shapes cover their centre) is far from the background colour
        // in at least one channel: its hue is saturated, while backgrounds are greyish.
        const cx = Math.round((o.xmin + o.xmax) / 2) - 1,
          cy = Math.round((o.ymin + o.ymax) / 2) - 1;
        const p = (cy * 96 + cx) * 3;
        const [R, G, B] = [img.data[p], img.data[p + 1], img.data[p + 2]];
        assert.ok(
          Math.max(R, G, B) - Math.min(R, G, B) > 60,
          `${id} ${o.name} centre is not saturated: ${R},${G},${B}`,
        );
      }
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
