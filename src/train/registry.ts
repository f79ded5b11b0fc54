// The trainer's registry of MMYOLO/MMDetection type names. Every `type=` the trainer
// reads goes through checkType, so an unsupported one fails with its name, the file:line
// of the winning config and the types that would work.
import { ConfigError } from '../errors';

export const knownTypes = {
  model: ['YOLODetector'],
  data_preprocessor: ['YOLOv5DetDataPreprocessor', 'DetDataPreprocessor'],
  backbone: ['YOLOv8CSPDarknet', 'YOLOv5CSPDarknet'],
  neck: ['YOLOv8PAFPN', 'YOLOv5PAFPN'],
  head: ['YOLOv8Head', 'YOLOv8HeadModule'],
  assigner: ['BatchTaskAlignedAssigner'],
  loss: ['CrossEntropyLoss', 'IoULoss', 'DistributionFocalLoss'],
  plugin: ['ContextBlock', 'NonLocal2d'],
  optim_wrapper: ['OptimWrapper', 'AmpOptimWrapper'],
  optimizer: ['SGD', 'AdamW'],
  optim_constructor: ['YOLOv5OptimizerConstructor', 'DefaultOptimWrapperConstructor'],
  hook: [
    'YOLOv5ParamSchedulerHook',
    'EMAHook',
    'CheckpointHook',
    'PipelineSwitchHook',
    'IterTimerHook',
    'LoggerHook',
    'ParamSchedulerHook',
    'DistSamplerSeedHook',
    'DetVisualizationHook',
  ],
  ema: ['ExpMomentumEMA'],
  loop: ['EpochBasedTrainLoop', 'ValLoop', 'TestLoop'],
  tta: ['DetTTAModel'],
};

export const allKnownTypes: string[] = [...new Set(Object.values(knownTypes).flat())];

let locate: ((path: (string | number)[]) => string | undefined) | undefined;

/** Lets errors name file:line; set by the runner from the loaded config. */
export function setTypeLocator(fn: typeof locate): void {
  locate = fn;
}

export function where(path: (string | number)[]): string | undefined {
  return locate?.(path);
}

/** 'mmdet.SGD' / 'mmyolo::X' / '_scope_' prefixes name the same type here. */
export function baseType(t: unknown): string {
  return String(t ?? '').replace(/^[a-z_]+(\.|::)/, '');
}

export function checkType(raw: unknown, path: (string | number)[], ...known: string[]): string {
  const cfg = raw as { type?: unknown } | null | undefined;
  if (!cfg || typeof cfg !== 'object')
    throw new ConfigError(`${path.join('.')}: expected a dict with a 'type' key`, where(path));
  const t = baseType(cfg.type);
  if (!known.includes(t))
    throw new ConfigError(
      `${path.join('.')}.type: unsupported type '${cfg.type}' (the built-in trainer knows: ${known.join(', ')})`,
      where([...path, 'type']) ?? where(path),
    );
  return t;
}
