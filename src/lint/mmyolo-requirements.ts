// Configs that load but that the real MMYOLO (v0.6.0, MMEngine 0.10) refuses to train: each
// rule is a check MMYOLO, MMEngine or PyTorch makes when the run starts, with the source line
// it follows. Only configs meant to train are checked: those with model, train_dataloader,
// train_cfg and optim_wrapper (sketches usually lack some), outside `_base_/` folders (bases
// are not trained themselves; their children are checked).

import * as path from 'node:path';
import { entryAt, type Diagnostic, type FileUnit } from '../config';
import { PyDict, PyList, PyTuple, type PyValue } from '../config/values';

type KeyPath = (string | number)[];

export const MMYOLO_RULES: Record<string, string> = {
  'mmyolo-collate': "YOLOv5DetDataPreprocessor and collate_fn=dict(type='yolov5_collate') need each other in training",
  'mmyolo-optim-paramwise': 'YOLOv5OptimizerConstructor needs base_total_batch_size in paramwise_cfg',
  'mmyolo-obj-level-weights': 'YOLOv5Head needs one obj_level_weights entry per featmap stride',
  'mmyolo-iou-loss': "IoULoss takes iou_mode 'ciou', 'giou' or 'siou' and bbox_format 'xyxy' or 'xywh'",
  'mmyolo-return-iou': 'YOLOv5Head needs loss_bbox.return_iou=True',
  'mmyolo-assigner-classes': "the assigner's num_classes must equal the head's",
  'mmyolo-persistent-workers': 'persistent_workers=True needs num_workers > 0',
  'mmyolo-loop-parts':
    'val_dataloader/val_cfg/val_evaluator and test_dataloader/test_cfg/test_evaluator: each all set or all None',
  'mmyolo-dataloader-sampler': 'every dataloader needs a sampler',
};

const bare = (t: PyValue | undefined) => (typeof t === 'string' ? t.replace(/^[a-z_]+(\.|::)/, '') : undefined);
const isNone = (v: PyValue | undefined) => v === undefined || v === null;

function num(v: PyValue | undefined): number | undefined {
  if (typeof v === 'bigint') return Number(v);
  return typeof v === 'number' ? v : undefined;
}

export function mmyoloRequirements(unit: FileUnit): Diagnostic[] {
  const config = unit.result;
  if (unit.path.split(/[\\/]/).includes('_base_')) return [];
  if (!config || !['model', 'train_dataloader', 'train_cfg', 'optim_wrapper'].every((k) => !isNone(config.get(k))))
    return [];
  const out: Diagnostic[] = [];
  const get = (p: KeyPath) => entryAt(config, p)?.value;
  /** The finding sits on the key where the entry file sets it, else on line 1 naming the file that does. */
  const report = (code: string, at: KeyPath, message: string) => {
    const prov = entryAt(config, at)?.prov;
    const own = prov && prov.file === unit.path;
    const elsewhere =
      prov && !own && !prov.file.startsWith('<')
        ? ` (set in ${path.basename(prov.file)}:${prov.range.start.line + 1})`
        : '';
    out.push({
      file: unit.path,
      range: own ? prov!.range : { start: { line: 0, col: 0 }, end: { line: 0, col: 0 } },
      severity: 'warning',
      code,
      message: `${message}${elsewhere}; MMYOLO would refuse to train this config`,
    });
  };
  const show = (p: KeyPath) => p.join('.');

  // mmyolo/models/data_preprocessors/data_preprocessor.py L75-77 (YOLOv5DetDataPreprocessor.forward
  // asserts the batch's data_samples is the dict yolov5_collate builds); a plain preprocessor
  // cannot take that dict either (mmdet DetDataPreprocessor iterates the samples).
  const dp = bare(get(['model', 'data_preprocessor', 'type']));
  const collate = bare(get(['train_dataloader', 'collate_fn', 'type']));
  if (dp === 'YOLOv5DetDataPreprocessor' && collate !== 'yolov5_collate')
    report(
      'mmyolo-collate',
      collate ? ['train_dataloader', 'collate_fn', 'type'] : ['train_dataloader'],
      `model.data_preprocessor is YOLOv5DetDataPreprocessor but train_dataloader has ${collate ? `collate_fn=dict(type='${collate}')` : 'no collate_fn'}: add collate_fn=dict(type='yolov5_collate')`,
    );
  else if (collate === 'yolov5_collate' && dp !== 'YOLOv5DetDataPreprocessor')
    report(
      'mmyolo-collate',
      ['train_dataloader', 'collate_fn', 'type'],
      `train_dataloader uses yolov5_collate but model.data_preprocessor is ${dp ?? 'not set'}: yolov5_collate's batches need YOLOv5DetDataPreprocessor`,
    );

  // mmyolo/engine/optimizers/yolov5_optim_constructor.py L86-88.
  if (bare(get(['optim_wrapper', 'constructor'])) === 'YOLOv5OptimizerConstructor') {
    const pw = get(['optim_wrapper', 'paramwise_cfg']);
    if (pw instanceof PyDict && !pw.has('base_total_batch_size'))
      report(
        'mmyolo-optim-paramwise',
        ['optim_wrapper', 'paramwise_cfg'],
        'optim_wrapper.paramwise_cfg has no base_total_batch_size, which YOLOv5OptimizerConstructor asserts (it reads nothing else from paramwise_cfg)',
      );
  }

  const head = get(['model', 'bbox_head']);
  const headType = bare(get(['model', 'bbox_head', 'type']));
  if (head instanceof PyDict) {
    // mmyolo/models/dense_heads/yolov5_head.py L239-240 (special_init asserts).
    if (headType === 'YOLOv5Head') {
      const w = get(['model', 'bbox_head', 'obj_level_weights']);
      const strides = get(['model', 'bbox_head', 'head_module', 'featmap_strides']);
      const nw = w instanceof PyList || w instanceof PyTuple ? w.items.length : 3;
      const ns = strides instanceof PyList || strides instanceof PyTuple ? strides.items.length : 3;
      if (nw !== ns)
        report(
          'mmyolo-obj-level-weights',
          ['model', 'bbox_head', 'obj_level_weights'],
          `model.bbox_head.obj_level_weights has ${nw} entries for ${ns} featmap strides`,
        );
      // yolov5_head.py L607: `loss_box_i, iou = self.loss_bbox(...)` unpacks the IoU.
      if (get(['model', 'bbox_head', 'loss_bbox', 'return_iou']) === false)
        report(
          'mmyolo-return-iou',
          ['model', 'bbox_head', 'loss_bbox', 'return_iou'],
          'model.bbox_head.loss_bbox.return_iou=False: YOLOv5Head unpacks (loss, iou) from it',
        );
    }
    // mmyolo/models/losses/iou_loss.py L161-162 (IoULoss.__init__ asserts).
    for (const name of ['loss_bbox']) {
      const p: KeyPath = ['model', 'bbox_head', name];
      if (bare(get([...p, 'type'])) !== 'IoULoss') continue;
      const mode = get([...p, 'iou_mode']);
      const format = get([...p, 'bbox_format']);
      if (typeof mode === 'string' && !['ciou', 'giou', 'siou'].includes(mode))
        report(
          'mmyolo-iou-loss',
          [...p, 'iou_mode'],
          `${show([...p, 'iou_mode'])}='${mode}' is not 'ciou', 'giou' or 'siou'`,
        );
      if (typeof format === 'string' && !['xyxy', 'xywh'].includes(format))
        report(
          'mmyolo-iou-loss',
          [...p, 'bbox_format'],
          `${show([...p, 'bbox_format'])}='${format}' is not 'xyxy' or 'xywh'`,
        );
    }
    // batch_task_aligned_assigner.py get_targets one-hot encodes with the assigner's num_classes;
    // the class loss then compares it with the head's logits, which must have the same width.
    const asg = num(get(['model', 'train_cfg', 'assigner', 'num_classes']));
    const nc = num(get(['model', 'bbox_head', 'head_module', 'num_classes']));
    if (headType === 'YOLOv8Head' && asg !== undefined && nc !== undefined && asg !== nc)
      report(
        'mmyolo-assigner-classes',
        ['model', 'train_cfg', 'assigner', 'num_classes'],
        `model.train_cfg.assigner.num_classes is ${asg} but model.bbox_head.head_module.num_classes is ${nc}`,
      );
  }

  // mmengine/runner/runner.py L338-358: each group all set or all None (the train group is
  // complete, or the config is not checked at all).
  for (const [phase, group] of [
    ['val', ['val_dataloader', 'val_cfg', 'val_evaluator']],
    ['test', ['test_dataloader', 'test_cfg', 'test_evaluator']],
  ] as const) {
    const set = group.filter((k) => !isNone(get([k])));
    if (set.length && set.length < group.length) {
      const missing = group.filter((k) => isNone(get([k])));
      report(
        'mmyolo-loop-parts',
        [set[0]],
        `${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set but ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not: MMEngine's Runner wants the ${phase} parts all set or all None`,
      );
    }
  }

  for (const dl of ['train_dataloader', 'val_dataloader', 'test_dataloader']) {
    const d = get([dl]);
    if (!(d instanceof PyDict)) continue;
    // mmengine/runner/runner.py L1387: dataloader_cfg.pop('sampler').
    if (!d.has('sampler'))
      report(
        'mmyolo-dataloader-sampler',
        [dl],
        `${dl} has no sampler (e.g. sampler=dict(type='DefaultSampler', shuffle=${dl === 'train_dataloader' ? 'True' : 'False'}))`,
      );
    // torch/utils/data/dataloader.py L245-246.
    if (d.get('persistent_workers') === true && (num(d.get('num_workers')) ?? 0) === 0)
      report(
        'mmyolo-persistent-workers',
        [dl, 'persistent_workers'],
        `${dl}.persistent_workers=True with num_workers=${num(d.get('num_workers')) ?? 0}: PyTorch's DataLoader needs num_workers > 0 for it`,
      );
  }
  return out;
}
