// Archive unpacking through node-tar and yauzl: absolute names are refused like '..' ones, and
// nothing lands outside the target folder.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile, access } from 'node:fs/promises';
import { join } from 'node:path';
import { unpackArchive } from '../../src/data/archive';
import { tempDir } from './helpers';
import { makeTar, makeZip } from './archive-helpers';

test('absolute entry names are refused in tar and zip, and no file is written', async () => {
  const { dir, cleanup } = await tempDir();
  try {
    const abs = join(dir, 'abs-escape.txt');
    await writeFile(
      join(dir, 'abs.tar'),
      makeTar([
        { name: 'ok.txt', data: 'fine' },
        { name: abs, data: 'x' },
      ]),
    );
    await assert.rejects(
      unpackArchive(join(dir, 'abs.tar'), join(dir, 'out')),
      new RegExp(`abs\\.tar: error: archive entry '${abs}' points outside the target folder`),
    );
    await assert.rejects(access(abs));
    await writeFile(join(dir, 'abs.zip'), makeZip([{ name: abs, data: 'x' }]));
    await assert.rejects(
      unpackArchive(join(dir, 'abs.zip'), join(dir, 'out2')),
      /abs\.zip: error: archive entry '.*abs-escape\.txt' points outside the target folder/,
    );
    await assert.rejects(access(abs));
  } finally {
    await cleanup();
  }
});
