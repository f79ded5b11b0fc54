// Small on-disk datasets for the data tests, written into a temporary folder.
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeJpeg, encodePng } from '../../src/data/image';
import { voc2xml, type VocObject } from '../../src/data/voc-xml';

export async function tempDir(prefix = 'yl-data-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function solidImage(w: number, h: number, rgb: [number, number, number] = [90, 120, 150]): Uint8Array {
  const img = new Uint8Array(w * h * 3);
  for (let i = 0; i < img.length; i += 3) img.set(rgb, i);
  return img;
}

export interface VocImageSpec {
  id: string;
  width: number;
  height: number;
  objects: VocObject[];
  /** Raw XML text instead of the generated one. */
  xml?: string;
  /** Raw image bytes instead of a generated JPEG; null = no image file. */
  image?: Buffer | null;
}

/** Writes root/VOC2007/{JPEGImages,Annotations,ImageSets/Main/<split>.txt}. */
export async function writeVoc(
  root: string,
  images: VocImageSpec[],
  split = 'train',
  listed?: string[],
): Promise<void> {
  const base = join(root, 'VOC2007');
  await mkdir(join(base, 'JPEGImages'), { recursive: true });
  await mkdir(join(base, 'Annotations'), { recursive: true });
  await mkdir(join(base, 'ImageSets', 'Main'), { recursive: true });
  for (const im of images) {
    const bytes = im.image === undefined ? encodeJpeg(solidImage(im.width, im.height), im.width, im.height) : im.image;
    if (bytes) await writeFile(join(base, 'JPEGImages', `${im.id}.jpg`), bytes);
    await writeFile(
      join(base, 'Annotations', `${im.id}.xml`),
      im.xml ??
        voc2xml({
          folder: 'VOC2007',
          filename: `${im.id}.jpg`,
          width: im.width,
          height: im.height,
          objects: im.objects,
        }),
    );
  }
  const ids = listed ?? images.map((i) => i.id);
  await writeFile(join(base, 'ImageSets', 'Main', `${split}.txt`), ids.map((i) => i + '\n').join(''));
}

export function vocCfg(root: string, classes: string[], extra: Record<string, unknown> = {}) {
  return {
    type: 'YOLOv5VOCDataset',
    data_root: root,
    ann_file: 'VOC2007/ImageSets/Main/train.txt',
    data_prefix: { sub_data_root: 'VOC2007/' },
    metainfo: { classes },
    pipeline: [
      { type: 'LoadImageFromFile' },
      { type: 'LoadAnnotations', with_bbox: true },
      { type: 'mmdet.PackDetInputs' },
    ],
    ...extra,
  };
}

export { encodePng, encodeJpeg };
