// `yololab data split`: writes ImageSets/Main/{train,val}.txt for a user's VOC folder.
import { readdir, readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { join, basename, extname } from 'node:path';
import { Rng } from './rng';
import { DataError } from './errors';

export interface SplitResult {
  dir: string;
  train: number;
  val: number;
  source: string;
  warnings: string[];
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Accepts the VOC year folder itself (has Annotations/) or a folder holding exactly one. */
async function findVocRoot(dir: string): Promise<string> {
  if (await isDir(join(dir, 'Annotations'))) return dir;
  if (!(await isDir(dir))) throw new DataError(`${dir}: error: no such directory`, dir);
  const subs: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory() && (await isDir(join(dir, e.name, 'Annotations')))) subs.push(join(dir, e.name));
  }
  if (subs.length === 1) return subs[0];
  if (subs.length > 1)
    throw new DataError(
      `${dir}: error: several VOC folders (${subs.map((s) => basename(s)).join(', ')}); name one`,
      dir,
    );
  throw new DataError(`${dir}: error: not a VOC folder (no Annotations/ inside)`, dir);
}

/**
 * Splits the image ids of a VOC folder into train and val. The ids come from
 * ImageSets/Main/<from>.txt when given, else from the Annotations/*.xml files that have a
 * matching image. `val` is a fraction (< 1) or a count. The shuffle depends on the seed
 * only, and ids are sorted first so the file system's order does not matter.
 */
export async function splitVocDataset(
  dir: string,
  opts: { val: number; seed: number; from?: string },
): Promise<SplitResult> {
  const root = await findVocRoot(dir);
  const warnings: string[] = [];
  let ids: string[];
  let source: string;
  if (opts.from) {
    const list = join(root, 'ImageSets', 'Main', opts.from.endsWith('.txt') ? opts.from : `${opts.from}.txt`);
    let text: string;
    try {
      text = await readFile(list, 'utf8');
    } catch {
      throw new DataError(`${list}: error: split list not found`, list);
    }
    ids = text
      .split(/\r?\n/)
      .map((l) => l.trim().split(/\s+/)[0])
      .filter(Boolean);
    source = list;
  } else {
    const images = new Set<string>();
    if (await isDir(join(root, 'JPEGImages'))) {
      for (const f of await readdir(join(root, 'JPEGImages'))) images.add(basename(f, extname(f)));
    }
    ids = [];
    for (const f of await readdir(join(root, 'Annotations'))) {
      if (extname(f).toLowerCase() !== '.xml') continue;
      const id = basename(f, extname(f));
      if (images.has(id)) ids.push(id);
      else
        warnings.push(
          `${join(root, 'Annotations', f)}: warning: no image ${id}.* in JPEGImages/, left out of the split`,
        );
    }
    source = join(root, 'Annotations');
  }
  ids = [...new Set(ids)].sort();
  if (!ids.length) throw new DataError(`${source}: error: no images to split`, source);
  const nVal = opts.val < 1 ? Math.round(ids.length * opts.val) : Math.min(ids.length, opts.val);
  new Rng(opts.seed).shuffle(ids);
  const val = ids.slice(0, nVal).sort();
  const train = ids.slice(nVal).sort();
  const main = join(root, 'ImageSets', 'Main');
  await mkdir(main, { recursive: true });
  const lines = (xs: string[]) => (xs.length ? xs.join('\n') + '\n' : '');
  await writeFile(join(main, 'train.txt'), lines(train));
  await writeFile(join(main, 'val.txt'), lines(val));
  if (!opts.from) await writeFile(join(main, 'trainval.txt'), lines([...train, ...val].sort()));
  return { dir: root, train: train.length, val: val.length, source, warnings };
}
