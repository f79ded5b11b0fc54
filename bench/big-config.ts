// Writes a large config of the shape issue 14 measured: a base, and a child of one
// MMYOLO-style dict per line, each reading the base through a `{{_base_.x}}` template
// (the template path of the engine is the one that was quadratic).

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BigConfig {
  /** The child config (the one to load). */
  main: string;
  base: string;
  /** Lines of `var_i = dict(...)` in main (its first line is `_base_`). */
  lines: number;
  bytes: number;
}

export function bigConfig(dir: string, bytes: number, name = 'big_config.py'): BigConfig {
  fs.mkdirSync(dir, { recursive: true });
  const base = path.join(dir, 'big_base.py');
  fs.writeFileSync(
    base,
    "data_root = 'data/coco/'\nmodel = dict(type='YOLODetector', backbone=dict(deepen_factor=0.33))\n",
  );
  const parts: string[] = ["_base_ = './big_base.py'\n"];
  let size = parts[0].length;
  let i = 0;
  while (size < bytes) {
    const line = `var_${i} = dict(type='LoadImageFromFile', scale=(640, 640), root={{_base_.data_root}}, n=${i})\n`;
    parts.push(line);
    size += line.length;
    i++;
  }
  const main = path.join(dir, name);
  fs.writeFileSync(main, parts.join(''));
  return { main, base, lines: i, bytes: size };
}
