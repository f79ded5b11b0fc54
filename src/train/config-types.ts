// Typed views of the config sections the trainer reads (MMYOLO's keys and meanings). A config
// is plain data from the engine; once loadTrainConfig has checked that each section is a dict
// (or a list where MMEngine wants one), the trainer sees these types, never `any`. Every key
// is optional here because configs leave most of them to MMYOLO's defaults; the code that
// reads a key applies the default and validates the value.

export interface TypedCfg {
  type?: string;
  _scope_?: string;
}

export interface NormCfg extends TypedCfg {
  momentum?: number;
  eps?: number;
  requires_grad?: boolean;
}

export interface ActCfg extends TypedCfg {
  inplace?: boolean;
}

export interface DataPreprocessorCfg extends TypedCfg {
  mean?: number[];
  std?: number[];
  bgr_to_rgb?: boolean;
  pad_size_divisor?: number;
  pad_value?: number;
}

export interface PluginCfg {
  /** ContextBlock (ratio, pooling_type, fusion_types) or NonLocal2d (reduction, use_scale, mode, sub_sample). */
  cfg: TypedCfg & {
    ratio?: number;
    pooling_type?: string;
    fusion_types?: string[];
    reduction?: number;
    use_scale?: boolean;
    mode?: string;
    sub_sample?: boolean;
  };
  stages?: boolean[];
}

export interface BackboneCfg extends TypedCfg {
  arch?: string;
  deepen_factor?: number;
  widen_factor?: number;
  last_stage_out_channels?: number;
  out_indices?: number[];
  frozen_stages?: number;
  norm_eval?: boolean;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
  plugins?: PluginCfg[];
  input_channels?: number;
  init_cfg?: unknown;
}

export interface NeckCfg extends TypedCfg {
  in_channels: number[];
  out_channels: number[] | number;
  deepen_factor?: number;
  widen_factor?: number;
  num_csp_blocks?: number;
  freeze_all?: boolean;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
  upsample_cfg?: TypedCfg & { scale_factor?: number; mode?: string };
  init_cfg?: unknown;
}

export interface HeadModuleCfg extends TypedCfg {
  num_classes: number;
  in_channels: number[] | number;
  widen_factor?: number;
  num_base_priors?: number;
  featmap_strides?: number[];
  reg_max?: number;
  norm_cfg?: NormCfg;
  act_cfg?: ActCfg;
  init_cfg?: unknown;
}

export interface LossCfg extends TypedCfg {
  loss_weight?: number;
  use_sigmoid?: boolean;
  reduction?: string;
  iou_mode?: string;
  bbox_format?: string;
  eps?: number;
  return_iou?: boolean;
  class_weight?: unknown;
}

export interface PriorGeneratorCfg extends TypedCfg {
  offset?: number;
  strides?: number[];
  base_sizes?: Array<Array<[number, number]>>;
}

export interface HeadCfg extends TypedCfg {
  head_module: HeadModuleCfg;
  prior_generator?: PriorGeneratorCfg;
  bbox_coder?: TypedCfg;
  loss_cls?: LossCfg;
  loss_bbox?: LossCfg;
  loss_obj?: LossCfg;
  loss_dfl?: LossCfg;
  prior_match_thr?: number;
  near_neighbor_thr?: number;
  ignore_iof_thr?: number;
  obj_level_weights?: number[];
}

export interface AssignerCfgDict extends TypedCfg {
  num_classes?: number;
  use_ciou?: boolean;
  topk?: number;
  alpha?: number;
  beta?: number;
  eps?: number;
}

export interface TestCfgDict {
  multi_label?: boolean;
  nms_pre?: number;
  score_thr?: number;
  nms?: TypedCfg & { iou_threshold?: number };
  max_per_img?: number;
  yolox_style?: boolean;
}

export interface ModelCfg extends TypedCfg {
  data_preprocessor?: DataPreprocessorCfg;
  backbone: BackboneCfg;
  neck: NeckCfg;
  bbox_head: HeadCfg;
  train_cfg?: { assigner?: AssignerCfgDict };
  test_cfg?: TestCfgDict;
  init_cfg?: unknown;
}

export interface OptimizerCfg extends TypedCfg {
  lr?: number;
  momentum?: number;
  weight_decay?: number;
  nesterov?: boolean;
  batch_size_per_gpu?: number;
  betas?: [number, number];
  eps?: number;
}

export interface ParamwiseCfg {
  base_total_batch_size?: number;
  custom_keys?: Record<string, { lr_mult?: number; decay_mult?: number }>;
  norm_decay_mult?: number;
  bias_decay_mult?: number;
  bias_lr_mult?: number;
}

export interface OptimWrapperCfg extends TypedCfg {
  optimizer?: OptimizerCfg;
  constructor?: unknown; // a type name; typed loosely because every JS object has a `constructor`
  paramwise_cfg?: ParamwiseCfg;
  clip_grad?: { max_norm?: number; norm_type?: number } | null;
  loss_scale?: number | 'dynamic' | Record<string, number>;
  accumulative_counts?: number;
}

export interface HookCfg extends TypedCfg {
  priority?: number | string;
  [k: string]: unknown;
}

export interface EMAHookCfg extends HookCfg {
  ema_type?: string;
  momentum?: number;
  gamma?: number;
  update_buffers?: boolean;
  strict_load?: boolean;
}

export interface LoggerHookCfg extends HookCfg {
  interval?: number;
  ignore_last?: boolean;
}

export interface SchedulerHookCfg extends HookCfg {
  scheduler_type?: string;
  lr_factor?: number;
  max_epochs?: number;
  warmup_epochs?: number;
  warmup_bias_lr?: number;
  warmup_momentum?: number;
  warmup_mim_iter?: number;
}

export interface ParamSchedulerCfg extends TypedCfg {
  by_epoch?: boolean;
  begin?: number;
  end?: number;
  convert_to_iter_based?: boolean;
  [k: string]: unknown;
}

export interface DataloaderCfg {
  batch_size?: number;
  num_workers?: number;
  drop_last?: boolean;
  sampler?: TypedCfg & { shuffle?: boolean };
  collate_fn?: TypedCfg;
  dataset?: TypedCfg & Record<string, unknown>;
  persistent_workers?: boolean;
  pin_memory?: boolean;
}

export interface TrainLoopCfg extends TypedCfg {
  max_epochs?: number;
  val_interval?: number;
  val_begin?: number;
  dynamic_intervals?: Array<[number, number]>;
}

/** The top-level sections of a merged config, as the trainer reads them. */
export interface TrainConfig {
  model: ModelCfg;
  train_cfg?: TrainLoopCfg;
  optim_wrapper?: OptimWrapperCfg;
  param_scheduler?: ParamSchedulerCfg | ParamSchedulerCfg[] | null;
  default_hooks?: Record<string, HookCfg | null>;
  custom_hooks?: HookCfg[];
  train_dataloader?: DataloaderCfg;
  val_dataloader?: DataloaderCfg;
  test_dataloader?: DataloaderCfg;
  val_evaluator?: TypedCfg & Record<string, unknown>;
  test_evaluator?: TypedCfg & Record<string, unknown>;
  randomness?: { seed?: number; deterministic?: boolean };
  load_from?: string | null;
  resume?: boolean;
  work_dir?: string;
  tta_model?: TypedCfg & Record<string, unknown>;
  tta_pipeline?: unknown[];
  log_processor?: { window_size?: number; by_epoch?: boolean };
  [k: string]: unknown;
}
