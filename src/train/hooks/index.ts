// The hooks of a run, from the config's default_hooks and custom_hooks. Hook types the
// trainer accepts but has nothing to do for (timers, samplers, visualisation) get no object.
import type { HookCfg, TrainConfig } from '../config-types';
import { unwrap } from '../not-applied';
import { baseType } from '../registry';
import type { TrainRun } from '../train-run';
import { CheckpointHook } from './checkpoint-hook';
import { EMAHook } from './ema-hook';
import { Hook, HookList } from './hook';
import { LoggerHook } from './logger-hook';
import { ParamSchedulerHook, YOLOv5ParamSchedulerHook } from './param-scheduler-hook';
import { PipelineSwitchHook } from './pipeline-switch-hook';

/** The hook configs in registration order: default_hooks (dict order), then custom_hooks. */
export function hookConfigs(cfg: TrainConfig): HookCfg[] {
  return [...Object.values(cfg.default_hooks ?? {}), ...(cfg.custom_hooks ?? [])].filter(
    (h): h is HookCfg => !!h && typeof h === 'object',
  );
}

/** Where a hook config sits in the config: default_hooks.NAME or custom_hooks.I. */
function hookPath(cfg: TrainConfig, h: HookCfg): (string | number)[] {
  for (const [k, v] of Object.entries(cfg.default_hooks ?? {}))
    if (unwrap(v) === unwrap(h)) return ['default_hooks', k];
  const i = (cfg.custom_hooks ?? []).findIndex((v) => unwrap(v) === unwrap(h));
  return ['custom_hooks', i];
}

export function buildHooks(run: TrainRun): HookList {
  const configs = hookConfigs(run.cfg);
  const hooks: Hook[] = [];
  for (const h of configs) {
    switch (baseType(h.type)) {
      case 'YOLOv5ParamSchedulerHook':
        hooks.push(new YOLOv5ParamSchedulerHook(h, run));
        break;
      case 'ParamSchedulerHook':
        hooks.push(new ParamSchedulerHook(h, run));
        break;
      case 'EMAHook':
        hooks.push(new EMAHook(h, run));
        break;
      case 'CheckpointHook':
        hooks.push(new CheckpointHook(h));
        break;
      case 'LoggerHook':
        hooks.push(new LoggerHook(h, run.cfg.log_processor));
        break;
      case 'PipelineSwitchHook':
        hooks.push(new PipelineSwitchHook(h, run, hookPath(run.cfg, h)));
        break;
    }
  }
  // MMEngine's Runner registers ParamSchedulerHook unless default_hooks sets it to None
  // (mmengine/runner/runner.py register_default_hooks); it steps a param_scheduler list.
  const dropped = run.cfg.default_hooks?.param_scheduler === null;
  if (!dropped && !hooks.some((h) => h instanceof ParamSchedulerHook || h instanceof YOLOv5ParamSchedulerHook))
    hooks.push(new ParamSchedulerHook({}, run));
  // MMEngine's Runner always registers these two (mmengine/runner/runner.py register_default_hooks).
  if (!hooks.some((h) => h.name === 'CheckpointHook')) hooks.push(new CheckpointHook({ interval: 1 }));
  if (!hooks.some((h) => h.name === 'LoggerHook')) hooks.push(new LoggerHook({}, run.cfg.log_processor));
  return new HookList(hooks);
}
