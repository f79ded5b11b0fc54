// MMEngine's hook points, as the training loop calls them (mmengine/hooks/hook.py). Each
// behaviour around the loop (lr schedule, EMA, checkpoints, pipeline switch, logging) is one
// hook in this folder, so the loop itself stays a loop.
import type { DetSample } from '../../data/types';
import type { LoadedCheckpoint, SaveOptions } from '../checkpoint';
import type { TrainRun } from '../train-run';
import type { StepResult } from '../train-step';

/** MMEngine's priority names and values (mmengine/runner/priority.py): lower runs first. */
export const priorities: Record<string, number> = {
  HIGHEST: 0,
  VERY_HIGH: 10,
  HIGH: 30,
  ABOVE_NORMAL: 40,
  NORMAL: 50,
  BELOW_NORMAL: 60,
  LOW: 70,
  VERY_LOW: 90,
  LOWEST: 100,
};

export interface Hook {
  readonly name: string;
  /** Lower runs first; ties keep the order the hooks were registered in (default_hooks, then custom_hooks). */
  readonly priority: number;
  beforeRun?(run: TrainRun): void | Promise<void>;
  beforeTrain?(run: TrainRun): void | Promise<void>;
  beforeTrainEpoch?(run: TrainRun): void | Promise<void>;
  beforeTrainIter?(run: TrainRun, batchIdx: number, batch: DetSample[]): void;
  afterTrainIter?(
    run: TrainRun,
    batchIdx: number,
    batch: DetSample[],
    outputs: StepResult,
    times: { time: number; dataTime: number },
  ): void;
  afterTrainEpoch?(run: TrainRun): void | Promise<void>;
  beforeValEpoch?(run: TrainRun): void;
  afterValEpoch?(run: TrainRun, metrics: Record<string, number>): void | Promise<void>;
  /** After the loop ends, normally, at max_iters, or stopped by the run's AbortSignal. */
  afterTrain?(run: TrainRun): void | Promise<void>;
  afterRun?(run: TrainRun): void | Promise<void>;
  /** Hooks add what they own to the checkpoint being written (the EMA hook its copy). */
  beforeSaveCheckpoint?(run: TrainRun, draft: SaveOptions): void;
  /** `resumed` is true for --resume / resume=True, false for load_from; tensors are read on demand. */
  afterLoadCheckpoint?(run: TrainRun, checkpoint: LoadedCheckpoint, resumed: boolean): void | Promise<void>;
}

/** A hook config's `priority` (an int or one of MMEngine's names), else the hook's default. */
export function priorityOf(cfg: { priority?: unknown } | undefined, fallback: number): number {
  const p = cfg?.priority;
  if (typeof p === 'number') return p;
  if (typeof p === 'string' && p.toUpperCase() in priorities) return priorities[p.toUpperCase()];
  return fallback;
}

/** The hooks of a run in calling order (stable sort by priority). */
export class HookList {
  readonly hooks: Hook[];
  constructor(hooks: Hook[]) {
    this.hooks = hooks
      .map((h, i) => ({ h, i }))
      .sort((a, b) => a.h.priority - b.h.priority || a.i - b.i)
      .map(({ h }) => h);
  }

  async call<K extends keyof Hook>(
    point: K,
    ...args: Parameters<NonNullable<Hook[K]> & ((...a: any[]) => any)>
  ): Promise<void> {
    for (const h of this.hooks) {
      const f = h[point] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof f === 'function') await f.apply(h, args);
    }
  }

  /** The synchronous points (iteration and checkpoint hooks run inside the hot loop). */
  callSync<K extends 'beforeTrainIter' | 'afterTrainIter' | 'beforeValEpoch' | 'beforeSaveCheckpoint'>(
    point: K,
    ...args: Parameters<NonNullable<Hook[K]>>
  ): void {
    for (const h of this.hooks) {
      const f = h[point] as ((...a: unknown[]) => unknown) | undefined;
      if (typeof f === 'function') f.apply(h, args);
    }
  }

  find<T extends Hook>(name: string): T | undefined {
    return this.hooks.find((h) => h.name === name) as T | undefined;
  }
}
