// Generates a tree of MMYOLO-style configs for benchmarks: each non-root file
// has `basesPerFile` bases whose ancestries are disjoint (no diamonds, which
// MMEngine rejects), chains `depth` levels deep.

import * as fs from 'node:fs';
import * as path from 'node:path';

export interface GeneratedTree {
  files: string[];
  roots: string[];
  depth: number;
  basesPerFile: number;
  dependentsOfRoot: number;
  /** The file with the longest chain. */
  deepest: string;
}

function body(id: string, level: number): string {
  return `# generated config ${id}
data_root_${id} = 'data/${id}/'
deepen_${id} = 0.33
model_${id} = dict(
    type='YOLODetector',
    backbone=dict(type='YOLOv8CSPDarknet', deepen_factor=deepen_${id}, widen_factor=0.5, norm_cfg=dict(type='BN', momentum=0.03, eps=0.001)),
    neck=dict(type='YOLOv8PAFPN', in_channels=[256, 512, 1024], out_channels=[256, 512, 1024]),
    bbox_head=dict(type='YOLOv8Head', head_module=dict(num_classes=80, widen_factor=0.5, featmap_strides=[8, 16, 32])))
pipeline_${id} = [
    dict(type='LoadImageFromFile'),
    dict(type='Mosaic', img_scale=(640, 640), pad_val=114.0),
    dict(type='YOLOv5RandomAffine', scaling_ratio_range=(0.5, 1.5), border=(-320, -320)),
    dict(type='mmdet.PackDetInputs', meta_keys=('img_id', 'img_path', 'ori_shape'))]
loader_${id} = dict(batch_size=16, dataset=dict(type='YOLOv5CocoDataset', data_root=data_root_${id}, ann_file=data_root_${id} + 'ann.json', pipeline=pipeline_${id}))
level_${id} = ${level}
`;
}

export function generateConfigTree(dir: string, count: number, depth = 4, basesPerFile = 3): GeneratedTree {
  const files: string[] = [];
  const roots: string[] = [];
  let dependentsOfRoot = 0;
  let deepest = '';
  let tree = 0;
  // One tree: a top file over `basesPerFile` subtrees, `depth` levels of files.
  const make = (level: number, id: string, treeDir: string): string => {
    const file = path.join(treeDir, `cfg_${id}.py`);
    let text = '';
    if (level > 0) {
      const bases = Array.from({ length: basesPerFile }, (_, i) => make(level - 1, `${id}${i}`, treeDir));
      text += `_base_ = [${bases.map((b) => `'./${path.basename(b)}'`).join(', ')}]\n`;
      // Override a nested key of each base, as child configs do.
      text += bases
        .map(
          (_, i) =>
            `model_${id}${i} = dict(backbone=dict(deepen_factor=0.67), bbox_head=dict(head_module=dict(num_classes=20)))\n`,
        )
        .join('');
      text += `lr_${id} = _base_.level_${id}0 * 0.01\n`;
    } else roots.push(file);
    text += body(id, level);
    fs.writeFileSync(file, text);
    files.push(file);
    return file;
  };
  while (files.length < count) {
    const treeDir = path.join(dir, `tree${tree}`);
    fs.mkdirSync(treeDir, { recursive: true });
    const before = files.length;
    deepest = make(depth - 1, `t${tree}_`, treeDir);
    if (tree === 0) dependentsOfRoot = depth - 1;
    tree++;
    if (files.length - before === 0) break;
  }
  return { files: files.slice(0, count), roots, depth, basesPerFile, dependentsOfRoot, deepest };
}
