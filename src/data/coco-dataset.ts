// COCO JSON annotations -> records, following MMDetection's CocoDataset: categories are
// matched to the dataset's classes by name, bbox [x,y,w,h] -> [x1,y1,x2,y2], annotations
// with no area or w/h < 1 or marked `ignore` are dropped, iscrowd -> ignore flag.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, unreadable } from './errors';
import type { AnnotationRecord } from './records';

export interface CocoSource {
  annFile: string;
  imgPrefix: string; // folder the images' file_name is relative to
  classes?: string[]; // undefined: take the categories of the file, by id
}

function lineCol(text: string, pos: number): string {
  let line = 1,
    last = -1;
  for (let i = 0; i < pos && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      last = i;
    }
  return `${line}:${pos - last}`;
}

export function readCocoJson(annFile: string): any {
  let text: string;
  try {
    text = readFileSync(annFile, 'utf8');
  } catch (e) {
    throw unreadable(annFile, e, 'annotation file');
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const m = /position (\d+)/.exec(msg);
    throw new DataError(`${annFile}:${m ? lineCol(text, Number(m[1])) : '1:1'}: error: invalid JSON (${msg})`, annFile);
  }
}

export function loadCocoRecords(
  src: CocoSource,
  warn: (msg: string) => void,
): { classes: string[]; records: AnnotationRecord[] } {
  const json = readCocoJson(src.annFile);
  const bad = (what: string): never => {
    throw new DataError(`${src.annFile}: error: not a COCO detection file: ${what}`, src.annFile);
  };
  if (!json || typeof json !== 'object') bad('top level is not an object');
  if (!Array.isArray(json.images)) bad("no 'images' list");
  if (!Array.isArray(json.categories)) bad("no 'categories' list");
  const annotations: any[] = Array.isArray(json.annotations) ? json.annotations : [];
  const cats: { id: number; name: string }[] = json.categories.slice().sort((a: any, b: any) => a.id - b.id);
  const classes = src.classes ?? cats.map((c) => String(c.name));
  const catToLabel = new Map<number, number>();
  for (const c of cats) {
    const label = classes.indexOf(String(c.name));
    if (label >= 0) catToLabel.set(c.id, label);
  }
  for (const name of classes) {
    if (!cats.some((c) => String(c.name) === name))
      warn(`${src.annFile}: warning: class '${name}' has no category in this file`);
  }
  if (!json.images.length) throw new DataError(`${src.annFile}: error: image list is empty`, src.annFile);

  const byImage = new Map<number | string, any[]>();
  for (const a of annotations) {
    const list = byImage.get(a.image_id);
    if (list) list.push(a);
    else byImage.set(a.image_id, [a]);
  }
  const skippedCats = new Map<string, number>();
  const records: AnnotationRecord[] = [];
  for (const img of json.images) {
    if (img?.id === undefined || typeof img.file_name !== 'string') {
      warn(`${src.annFile}: warning: image entry without id/file_name skipped (${JSON.stringify(img).slice(0, 80)})`);
      continue;
    }
    const W = Number(img.width),
      H = Number(img.height);
    const boxes: number[] = [],
      labels: number[] = [],
      ignore: number[] = [],
      areas: number[] = [];
    for (const a of byImage.get(img.id) ?? []) {
      if (a.ignore) continue;
      if (!Array.isArray(a.bbox) || a.bbox.length !== 4 || a.bbox.some((v: unknown) => typeof v !== 'number')) {
        warn(`${src.annFile}: warning: annotation ${a.id} of image ${img.id} has no valid bbox; ignored`);
        continue;
      }
      const [x, y, w, h] = a.bbox as number[];
      const label = catToLabel.get(a.category_id);
      if (label === undefined) {
        const cat = cats.find((c) => c.id === a.category_id);
        const key = cat ? `'${cat.name}'` : `id ${a.category_id}`;
        skippedCats.set(key, (skippedCats.get(key) ?? 0) + 1);
        continue;
      }
      const interW = Math.max(0, Math.min(x + w, W) - Math.max(x, 0));
      const interH = Math.max(0, Math.min(y + h, H) - Math.max(y, 0));
      if (interW * interH === 0 || w < 1 || h < 1 || (a.area !== undefined && !(a.area > 0))) continue;
      boxes.push(x, y, x + w, y + h);
      labels.push(label);
      ignore.push(a.iscrowd ? 1 : 0);
      areas.push(typeof a.area === 'number' ? a.area : w * h);
    }
    records.push({
      file: join(src.imgPrefix, img.file_name),
      imageId: String(img.id),
      width: W,
      height: H,
      bboxes: Float32Array.from(boxes),
      labels: Int32Array.from(labels),
      ignore: Uint8Array.from(ignore),
      areas: Float32Array.from(areas),
    });
  }
  for (const [name, n] of skippedCats) {
    warn(`${src.annFile}: warning: category ${name} is not in the dataset's classes; ${n} annotation(s) ignored`);
  }
  return { classes, records };
}
