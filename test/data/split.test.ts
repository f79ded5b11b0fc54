import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { splitVocDataset } from '../../src/data/split';
import { run } from '../../src/cli/data';
import { tempDir, writeVoc } from './helpers';

const ids = Array.from({ length: 20 }, (_, i) => `img${String(i).padStart(2, '0')}`);
const lines = async (f: string) => (await readFile(f, 'utf8')).split('\n').filter(Boolean);

test('split writes disjoint sorted train/val lists covering every annotated image, seeded', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(
      dir,
      ids.map((id) => ({ id, width: 8, height: 8, objects: [] })),
    );
    const main = join(dir, 'VOC2007', 'ImageSets', 'Main');
    const r = await splitVocDataset(dir, { val: 0.2, seed: 1 });
    assert.deepEqual([r.train, r.val], [16, 4]);
    const train = await lines(join(main, 'train.txt')),
      val = await lines(join(main, 'val.txt'));
    assert.deepEqual([...train, ...val].sort(), ids);
    assert.deepEqual(train, [...train].sort());
    assert.ok(val.every((v) => !train.includes(v)));
    await splitVocDataset(join(dir, 'VOC2007'), { val: 0.2, seed: 1 });
    assert.deepEqual(await lines(join(main, 'val.txt')), val);
    await splitVocDataset(dir, { val: 0.2, seed: 2 });
    assert.notDeepEqual(await lines(join(main, 'val.txt')), val);
    await splitVocDataset(dir, { val: 5, seed: 2 });
    assert.equal((await lines(join(main, 'val.txt'))).length, 5);
  } finally {
    await cleanup();
  }
});

test('split warns about annotations without an image and errors on a non-VOC folder', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    await writeVoc(
      dir,
      ids.slice(0, 3).map((id) => ({ id, width: 8, height: 8, objects: [] })),
    );
    await rm(join(dir, 'VOC2007', 'JPEGImages', 'img01.jpg'));
    const r = await splitVocDataset(dir, { val: 0.5, seed: 0 });
    assert.equal(r.train + r.val, 2);
    assert.match(r.warnings[0], /img01\.xml: warning: no image img01\.\* in JPEGImages\/, left out of the split/);
    await assert.rejects(
      splitVocDataset(join(dir, 'VOC2007', 'JPEGImages'), { val: 0.2, seed: 0 }),
      /JPEGImages: error: not a VOC folder \(no Annotations\/ inside\)/,
    );
  } finally {
    await cleanup();
  }
});

test('yololab data: usage errors exit 2, data errors exit 1 with the file named', async () => {
  const { dir, cleanup } = await tempDir();
  const err: string[] = [];
  const orig = process.stderr.write.bind(process.stderr);
  (process.stderr as any).write = (s: string) => (err.push(String(s)), true);
  try {
    assert.equal(await run(['split', dir, '--val', 'abc']), 2);
    assert.match(err.join(''), /--val must be a fraction/);
    assert.equal(await run(['frobnicate']), 2);
    assert.equal(await run(['split', join(dir, 'nope')]), 1);
    assert.match(err.join(''), /nope: error: no such directory/);
    await writeFile(join(dir, 'x'), '');
    assert.equal(await run(['download', 'voc1999', dir]), 1);
    assert.match(err.join(''), /unknown dataset 'voc1999'/);
  } finally {
    (process.stderr as any).write = orig;
    await cleanup();
  }
});
