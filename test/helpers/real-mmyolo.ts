// Where the optional tests against the real MMYOLO v0.6.0 find it: the sources under MMYOLO_SRC
// (default /tmp/src: mmyolo, mmdetection, mmengine, mmcv, addict), Debian's /usr/bin/python3 with
// torch and torchvision, and the import shim beside this file that makes the sources importable.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const MMYOLO_SRC = process.env.MMYOLO_SRC ?? '/tmp/src';
export const TORCH_PYTHON = '/usr/bin/python3';
export const MMYOLO_SHIM = path.join(__dirname, 'mmyolo_env.py');

/** Why the real MMYOLO cannot run here (the test's skip message), or false when it can. */
export function realMmyoloMissing(): string | false {
  if (!fs.existsSync(path.join(MMYOLO_SRC, 'mmyolo/tools/train.py')))
    return `no MMYOLO checkout at ${MMYOLO_SRC}/mmyolo (set MMYOLO_SRC to the folder holding mmyolo, mmdetection, mmengine, mmcv)`;
  if (spawnSync(TORCH_PYTHON, ['-c', 'import torch, torchvision']).status !== 0)
    return `${TORCH_PYTHON} cannot import torch and torchvision`;
  return false;
}
