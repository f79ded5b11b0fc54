// The `type=` names the built-in trainer accepts, offered by completion: the
// trainer's registry (models, optimizers, hooks...) and the data layer's
// transforms and datasets, each with its role.

import { KNOWN_DATASETS } from '../data/dataset';
import { KNOWN_TRANSFORMS } from '../data/pipeline';
import { knownTypes } from '../train/registry';

function collect(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [role, names] of Object.entries(knownTypes)) for (const n of names) out[n] ??= role.replace(/_/g, ' ');
  for (const n of KNOWN_TRANSFORMS) out[n] ??= 'transform';
  for (const n of KNOWN_DATASETS) out[n] ??= 'dataset';
  return out;
}

export const KNOWN_TYPES: Record<string, string> = collect();
