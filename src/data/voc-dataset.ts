// Pascal VOC annotations -> records, following MMDetection's VOCDataset/XMLDataset:
// ids from an ImageSets/Main list, images in <sub_data_root>/JPEGImages/<id>.jpg, boxes
// from <sub_data_root>/Annotations/<id>.xml shifted by -1 (VOC is 1-based), <difficult>
// -> ignore flag. Problems become warnings naming the file (errors when strict).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError, unreadable } from './errors';
import { parseVocXml } from './voc-xml';
import { readImageSize } from './image-size';
import type { AnnotationRecord } from './records';

export interface VocSource {
  annFile: string; // the id list
  subDataRoot: string; // folder holding JPEGImages/ and Annotations/
  imgSubdir: string;
  annSubdir: string;
  classes: string[];
}

export function readIdList(annFile: string): string[] {
  let text: string;
  try {
    text = readFileSync(annFile, 'utf8');
  } catch (e) {
    throw unreadable(annFile, e, 'image list');
  }
  return text
    .split(/\r?\n/)
    .map((l) => l.trim().split(/\s+/)[0])
    .filter(Boolean);
}

export function loadVocRecords(src: VocSource, warn: (msg: string) => void): AnnotationRecord[] {
  const ids = readIdList(src.annFile);
  if (!ids.length) throw new DataError(`${src.annFile}: error: image list is empty`, src.annFile);
  const classIndex = new Map(src.classes.map((c, i) => [c, i]));
  const records: AnnotationRecord[] = [];
  for (const id of ids) {
    const xmlFile = join(src.subDataRoot, src.annSubdir, `${id}.xml`);
    const file = join(src.subDataRoot, src.imgSubdir, `${id}.jpg`);
    let text: string;
    try {
      text = readFileSync(xmlFile, 'utf8');
    } catch {
      warn(`${xmlFile}: warning: annotation file not found (listed in ${src.annFile}); image ${id} skipped`);
      continue;
    }
    let ann;
    try {
      ann = parseVocXml(text, xmlFile);
      if (ann.width === undefined || ann.height === undefined || !(ann.width > 0 && ann.height > 0)) {
        const size = readImageSize(file);
        ann.width = size.width;
        ann.height = size.height;
      }
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      warn(e.message.replace(': error: ', ': warning: ') + `; image ${id} skipped`);
      continue;
    }
    const W = ann.width!,
      H = ann.height!;
    const boxes: number[] = [],
      labels: number[] = [],
      ignore: number[] = [];
    for (const o of ann.objects) {
      const label = classIndex.get(o.name);
      if (label === undefined) {
        warn(
          `${xmlFile}:${o.line}: warning: class '${o.name}' is not in the dataset's classes (${src.classes.join(', ')}); object ignored`,
        );
        continue;
      }
      let [x1, y1, x2, y2] = [o.xmin - 1, o.ymin - 1, o.xmax - 1, o.ymax - 1];
      const desc = `box of '${o.name}' (${o.xmin},${o.ymin},${o.xmax},${o.ymax})`;
      if (x2 <= x1 || y2 <= y1) {
        warn(`${xmlFile}:${o.line}: warning: ${desc} is empty; object ignored`);
        continue;
      }
      if (x1 < 0 || y1 < 0 || x2 > W || y2 > H) {
        [x1, y1, x2, y2] = [Math.max(0, x1), Math.max(0, y1), Math.min(W, x2), Math.min(H, y2)];
        const gone = x2 <= x1 || y2 <= y1;
        warn(
          `${xmlFile}:${o.line}: warning: ${desc} lies outside the ${W}x${H} image; ${gone ? 'object ignored' : 'clipped'}`,
        );
        if (gone) continue;
      }
      boxes.push(x1, y1, x2, y2);
      labels.push(label);
      ignore.push(o.difficult ? 1 : 0);
    }
    records.push({
      file,
      imageId: id,
      width: W,
      height: H,
      bboxes: Float32Array.from(boxes),
      labels: Int32Array.from(labels),
      ignore: Uint8Array.from(ignore),
    });
  }
  return records;
}
