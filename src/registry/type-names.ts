// Every `type=` name the built-in trainer and data layer build, with what kind
// of part it is and a one-line description. A plain table with no imports:
// the editor (completion, hover) reads it without pulling the trainer in, and
// test/server/type-names.test.ts fails when it drifts from the registries the
// trainer (src/train/registry.ts), the data layer (src/data/pipeline.ts,
// src/data/dataset.ts) and the metrics (src/metrics/index.ts) really use.
// Add a name here when you add it to one of those.

export type TypeKind =
  | 'model'
  | 'data_preprocessor'
  | 'backbone'
  | 'neck'
  | 'head'
  | 'head_module'
  | 'assigner'
  | 'loss'
  | 'plugin'
  | 'optim_wrapper'
  | 'optimizer'
  | 'optim_constructor'
  | 'hook'
  | 'ema'
  | 'loop'
  | 'tta'
  | 'transform'
  | 'dataset'
  | 'metric';

export interface TypeName {
  name: string;
  kind: TypeKind;
  description: string;
}

export const TYPE_NAMES: readonly TypeName[] = [
  { name: 'YOLODetector', kind: 'model', description: 'single-stage YOLO detector: backbone, neck and head' },
  {
    name: 'YOLOv5DetDataPreprocessor',
    kind: 'data_preprocessor',
    description: 'normalises and batches images (mean/std, BGR to RGB) as MMYOLO does',
  },
  {
    name: 'DetDataPreprocessor',
    kind: 'data_preprocessor',
    description: "MMDetection's batch normalisation and padding of images",
  },
  {
    name: 'YOLOv8CSPDarknet',
    kind: 'backbone',
    description: 'YOLOv8 CSP-Darknet with C2f blocks and SPPF, scaled by deepen/widen factors',
  },
  {
    name: 'YOLOv5CSPDarknet',
    kind: 'backbone',
    description: 'YOLOv5 CSP-Darknet with C3 blocks and SPPF, scaled by deepen/widen factors',
  },
  { name: 'YOLOv8PAFPN', kind: 'neck', description: 'YOLOv8 path-aggregation FPN with C2f blocks' },
  { name: 'YOLOv5PAFPN', kind: 'neck', description: 'YOLOv5 path-aggregation FPN with C3 blocks' },
  {
    name: 'YOLOv8Head',
    kind: 'head',
    description: 'YOLOv8 anchor-free decoupled head: classification, box distribution (DFL) and losses',
  },
  {
    name: 'YOLOv8HeadModule',
    kind: 'head_module',
    description: 'the convolution layers of the YOLOv8 head, per feature level',
  },
  {
    name: 'BatchTaskAlignedAssigner',
    kind: 'assigner',
    description: 'task-aligned assignment of predictions to ground-truth boxes (TOOD), batched',
  },
  {
    name: 'CrossEntropyLoss',
    kind: 'loss',
    description: 'cross-entropy, or binary cross-entropy with use_sigmoid=True',
  },
  { name: 'IoULoss', kind: 'loss', description: 'IoU-family box loss (iou_mode ciou/giou/siou)' },
  { name: 'DistributionFocalLoss', kind: 'loss', description: 'distribution focal loss over box-side bins (DFL)' },
  { name: 'ContextBlock', kind: 'plugin', description: 'global context block (GCNet) plugged after a backbone stage' },
  { name: 'NonLocal2d', kind: 'plugin', description: 'non-local attention block plugged after a backbone stage' },
  {
    name: 'OptimWrapper',
    kind: 'optim_wrapper',
    description: 'runs the optimizer step (gradient clipping, accumulation)',
  },
  {
    name: 'AmpOptimWrapper',
    kind: 'optim_wrapper',
    description: 'optimizer step with loss scaling for mixed precision',
  },
  { name: 'SGD', kind: 'optimizer', description: 'stochastic gradient descent with momentum and Nesterov option' },
  { name: 'AdamW', kind: 'optimizer', description: 'Adam with decoupled weight decay' },
  {
    name: 'YOLOv5OptimizerConstructor',
    kind: 'optim_constructor',
    description: 'parameter groups as YOLOv5: no decay on norms and biases, decay scaled by batch size',
  },
  {
    name: 'DefaultOptimWrapperConstructor',
    kind: 'optim_constructor',
    description: "MMEngine's default: one parameter group, paramwise_cfg multipliers",
  },
  {
    name: 'YOLOv5ParamSchedulerHook',
    kind: 'hook',
    description: 'linear or cosine learning-rate decay per epoch with warm-up (the YOLO scheduler)',
  },
  {
    name: 'EMAHook',
    kind: 'hook',
    description: 'keeps an exponential moving average of the weights for validation and checkpoints',
  },
  {
    name: 'CheckpointHook',
    kind: 'hook',
    description: 'saves checkpoints every interval, keeps the last max_keep_ckpts, and the best',
  },
  {
    name: 'PipelineSwitchHook',
    kind: 'hook',
    description: 'switches the train pipeline at switch_epoch (mosaic off for the last epochs)',
  },
  { name: 'IterTimerHook', kind: 'hook', description: 'times data loading and iterations for the log' },
  { name: 'LoggerHook', kind: 'hook', description: 'writes losses, lr and metrics to the log every interval' },
  { name: 'ParamSchedulerHook', kind: 'hook', description: 'steps the param_scheduler entries' },
  { name: 'DistSamplerSeedHook', kind: 'hook', description: 'reseeds the sampler each epoch (a no-op on one process)' },
  { name: 'DetVisualizationHook', kind: 'hook', description: 'draws predictions on validation and test images' },
  {
    name: 'ExpMomentumEMA',
    kind: 'ema',
    description: "exponential moving average whose momentum ramps up over iterations (MMYOLO's EMA)",
  },
  {
    name: 'EpochBasedTrainLoop',
    kind: 'loop',
    description: 'trains for max_epochs, validating every val_interval (dynamic_intervals)',
  },
  { name: 'ValLoop', kind: 'loop', description: 'one pass over val_dataloader with val_evaluator' },
  { name: 'TestLoop', kind: 'loop', description: 'one pass over test_dataloader with test_evaluator' },
  {
    name: 'DetTTAModel',
    kind: 'tta',
    description: 'test-time augmentation: merges the detections of flipped and resized views',
  },
  { name: 'LoadImageFromFile', kind: 'transform', description: 'reads the image file' },
  { name: 'LoadAnnotations', kind: 'transform', description: 'reads the boxes and labels (with_bbox)' },
  {
    name: 'YOLOv5KeepRatioResize',
    kind: 'transform',
    description: 'resizes keeping the aspect ratio so the long side is scale',
  },
  { name: 'LetterResize', kind: 'transform', description: 'resizes with padding to the target size (letterbox)' },
  { name: 'Resize', kind: 'transform', description: 'resizes to scale, keeping the ratio with keep_ratio=True' },
  { name: 'RandomFlip', kind: 'transform', description: 'flips horizontally with probability prob' },
  { name: 'Mosaic', kind: 'transform', description: 'pastes four images into one, around a random centre' },
  {
    name: 'YOLOv5RandomAffine',
    kind: 'transform',
    description: 'random rotation, scaling, shear and translation, boxes clipped and filtered',
  },
  { name: 'YOLOv5MixUp', kind: 'transform', description: 'blends the image with another mosaic image' },
  { name: 'YOLOv5HSVRandomAug', kind: 'transform', description: 'random hue, saturation and value gains' },
  { name: 'PackDetInputs', kind: 'transform', description: 'packs the image and annotations into the model input' },
  {
    name: 'Albu',
    kind: 'transform',
    description: 'Albumentations transforms (accepted, not applied by the built-in trainer)',
  },
  { name: 'YOLOv5VOCDataset', kind: 'dataset', description: 'Pascal VOC (VOCdevkit layout) with YOLOv5 batch shapes' },
  { name: 'VOCDataset', kind: 'dataset', description: 'Pascal VOC (VOCdevkit layout)' },
  { name: 'YOLOv5CocoDataset', kind: 'dataset', description: 'COCO-format annotations with YOLOv5 batch shapes' },
  { name: 'CocoDataset', kind: 'dataset', description: 'COCO-format annotations' },
  { name: 'ConcatDataset', kind: 'dataset', description: 'several datasets with the same classes, one after another' },
  { name: 'RepeatDataset', kind: 'dataset', description: 'a dataset repeated times times per epoch' },
  { name: 'VOCMetric', kind: 'metric', description: 'Pascal VOC mAP (11-point or area) at iou_thrs' },
  { name: 'CocoMetric', kind: 'metric', description: 'COCO bbox mAP at IoU 0.50:0.95, by object size' },
];

/** The entry for a `type=` value, with `mmdet.`-style scope prefixes ignored. */
export function typeNamed(type: string): TypeName | undefined {
  const bare = type.replace(/^[a-z_]+(\.|::)/, '');
  return TYPE_NAMES.find((t) => t.name === bare);
}
