// norm_cfg and act_cfg of the MMYOLO modules: the trainer builds BatchNorm + SiLU (what every
// YOLOv5/YOLOv8 config asks for); another type is reported as not applied, not silently swapped.
import type { ActCfg, NormCfg as NormCfgDict } from '../config-types';
import { honour, notApplied } from '../not-applied';
import { NormCfg, defaultNorm } from './layers';

const BATCH_NORMS = ['BN', 'SyncBN', 'BN2d'];

export function normOf(cfg: NormCfgDict | undefined): NormCfg {
  if (cfg?.type !== undefined && !BATCH_NORMS.includes(cfg.type)) notApplied(cfg, 'type', 'BatchNorm is used');
  else if (cfg) honour(cfg);
  return { momentum: cfg?.momentum ?? defaultNorm.momentum, eps: cfg?.eps ?? defaultNorm.eps };
}

export function checkAct(cfg: ActCfg | undefined): void {
  if (!cfg) return;
  if (cfg.type !== undefined && cfg.type !== 'SiLU') notApplied(cfg, 'type', 'SiLU is used');
  else honour(cfg);
}
