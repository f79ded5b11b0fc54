// What no other tool checks: the file name against the merged content
// (8xb16 vs the batch size, 500e vs max_epochs, syncbn vs the norm layers,
// coco/voc vs the dataset type, the size letter vs deepen/widen factors).

import { entryAt, type Diagnostic } from '../config';
import { PyDict, PyList, PyTuple, type PyValue } from '../config/values';
import type { FilenameParts } from './filename';
import type { Range } from '../config/source';

/** deepen/widen factors per size letter (MMYOLO's YOLOv5/YOLOv8 tables). x: MMYOLO's YOLOv8-x uses 1.0 deep, YOLOv5-x 1.33. */
const SIZE_FACTORS: Record<string, { deepen: number[]; widen: number[] }> = {
  n: { deepen: [0.33], widen: [0.25] },
  s: { deepen: [0.33], widen: [0.5] },
  m: { deepen: [0.67], widen: [0.75] },
  l: { deepen: [1.0], widen: [1.0] },
  x: { deepen: [1.33, 1.0], widen: [1.25] },
};

function num(v: PyValue | undefined): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return v;
  return undefined;
}

function close(a: number, b: number): boolean {
  return Math.abs(a - b) < 0.006;
}

function collectTypes(v: PyValue, key: string, out: string[] = []): string[] {
  if (v instanceof PyList || v instanceof PyTuple) v.items.forEach((x) => collectTypes(x, key, out));
  else if (v instanceof PyDict) {
    for (const e of v) {
      if (e.key === 'type' && typeof e.value === 'string' && key === '*') out.push(e.value);
      else if (e.key === key && e.value instanceof PyDict) {
        const t = e.value.get('type');
        if (typeof t === 'string') out.push(t);
      }
      collectTypes(e.value, key, out);
    }
  }
  return out;
}

export function lintNameAgainstContent(
  parts: FilenameParts,
  config: PyDict,
  file: string,
  nameRange: Range,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const warn = (code: string, message: string) =>
    out.push({ file, range: nameRange, severity: 'warning', message, code });
  const where = (p: (string | number)[]) => {
    const prov = entryAt(config, p)?.prov;
    return prov ? ` (set in ${prov.file.split(/[\\/]/).pop()}:${prov.range.start.line + 1})` : '';
  };

  if (parts.batch !== undefined) {
    const bs = num(entryAt(config, ['train_dataloader', 'batch_size'])?.value);
    if (bs !== undefined && bs !== parts.batch) {
      warn(
        'filename-batch-mismatch',
        `the name says ${parts.gpus}xb${parts.batch} (batch ${parts.batch} per GPU) but train_dataloader.batch_size is ${bs}${where(['train_dataloader', 'batch_size'])}`,
      );
    }
  }
  if (parts.epochs !== undefined) {
    const me = num(entryAt(config, ['train_cfg', 'max_epochs'])?.value) ?? num(entryAt(config, ['max_epochs'])?.value);
    const p = entryAt(config, ['train_cfg', 'max_epochs']) ? ['train_cfg', 'max_epochs'] : ['max_epochs'];
    if (me !== undefined && me !== parts.epochs)
      warn(
        'filename-epochs-mismatch',
        `the name says ${parts.schedule} (${parts.epochs} epochs) but ${p.join('.')} is ${me}${where(p)}`,
      );
  }
  if (parts.iters !== undefined) {
    const mi = num(entryAt(config, ['train_cfg', 'max_iters'])?.value);
    if (mi !== undefined && mi !== parts.iters)
      warn(
        'filename-epochs-mismatch',
        `the name says ${parts.schedule} (${parts.iters} iterations) but train_cfg.max_iters is ${mi}${where(['train_cfg', 'max_iters'])}`,
      );
  }
  if (parts.norm) {
    const norms = collectTypes(entryAt(config, ['model'])?.value ?? null, 'norm_cfg');
    if (norms.length) {
      const ok =
        parts.norm === 'gn'
          ? norms.some((t) => /GN|GroupNorm/.test(t))
          : parts.norm === 'syncbn'
            ? norms.some((t) => /BN|BatchNorm/.test(t))
            : norms.some((t) => /^(BN|BatchNorm2d|mmdet\.BN)$/.test(t));
      if (!ok)
        warn(
          'filename-norm-mismatch',
          `the name says '${parts.norm}' but the model's norm layers are ${[...new Set(norms)].join(', ')}`,
        );
    }
  }
  const data = parts.trainData;
  if (data === 'coco' || data?.startsWith('voc')) {
    const types = collectTypes(entryAt(config, ['train_dataloader', 'dataset'])?.value ?? null, '*');
    const t = entryAt(config, ['train_dataloader', 'dataset', 'type'])?.value;
    const dsType = typeof t === 'string' ? t : undefined;
    const all = [dsType, ...types].filter((t): t is string => !!t && /Dataset$/.test(t));
    // MMDetection's `voc0712-cocofmt`: VOC images with COCO-format annotations, read by a COCO dataset.
    const want = data === 'coco' || /-coco/.test(data) ? /coco/i : /voc/i;
    if (all.length && !all.some((t) => want.test(t)))
      warn(
        'filename-dataset-mismatch',
        `the name says '${data}' but the training dataset is ${all[0]}${where(['train_dataloader', 'dataset', 'type'])}`,
      );
  }
  const factors = parts.size ? SIZE_FACTORS[parts.size] : undefined;
  if (
    factors &&
    ['yolov5', 'yolov8', 'yolov6', 'ppyoloe', 'ppyoloe_plus', 'rtmdet', 'yolox'].includes(parts.algorithm ?? '')
  ) {
    for (const [key, want] of [
      ['deepen_factor', factors.deepen],
      ['widen_factor', factors.widen],
    ] as const) {
      const p = ['model', 'backbone', key];
      const v = num(entryAt(config, p)?.value);
      if (v !== undefined && !want.some((w) => close(v, w))) {
        warn(
          'filename-size-mismatch',
          `size '${parts.size}' means ${key} ${want[0]} but model.backbone.${key} is ${v}${where(p)}`,
        );
      }
    }
  }
  return out;
}
