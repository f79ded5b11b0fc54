// Runner.load_or_resume (mmengine/runner/runner.py): before the loop, either resume a run
// (--resume, or resume=True in the config: model, optimizer, counters, EMA, loss scale) or
// start from load_from's weights (matching tensors only; the rest are listed).
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readCheckpoint } from './checkpoint';
import { loadPartial, restoreState } from './state';
import type { TrainRun } from './train-run';

/** The checkpoint `last_checkpoint` in a work dir points at, if it still exists. */
export function lastCheckpoint(workDir: string): string | undefined {
  const f = join(workDir, 'last_checkpoint');
  if (!existsSync(f)) return undefined;
  const p = readFileSync(f, 'utf8').trim();
  return existsSync(p) ? p : undefined;
}

/** `resume`: true for --resume without a path (the work dir's last checkpoint), or a path. */
export function loadOrResume(run: TrainRun, resume: string | true | undefined): void {
  const { cfg, log } = run;
  const wantLast = resume === true || (resume === undefined && cfg.resume === true);
  const from = typeof resume === 'string' ? resume : wantLast ? lastCheckpoint(run.workDir) : undefined;
  if (resume === true && !from) log.warn(`--resume: no checkpoint in ${run.workDir}; starting from scratch`);
  if (from) {
    const ck = readCheckpoint(from);
    restoreState(ck, run.store, run.opt);
    run.epoch = ck.meta.epoch ?? 0;
    run.skipInEpoch = ck.meta.iter_in_epoch ?? 0;
    run.iter = ck.meta.iter ?? 0;
    run.bestMetric = ck.meta.best_metric ?? -Infinity;
    if (run.scaler && ck.meta.loss_scaler) run.scaler.load(ck.meta.loss_scaler);
    run.hooks.callSync('afterLoadCheckpoint', run, ck, true);
    log.info(`resumed from ${from}: epoch ${run.epoch}, iteration ${run.iter}`);
  } else if (cfg.load_from) {
    const ck = readCheckpoint(resolve(String(cfg.load_from)));
    const r = loadPartial(ck, run.store);
    run.hooks.callSync('afterLoadCheckpoint', run, ck, false);
    log.info(`load_from ${cfg.load_from}: ${r.loaded} tensors loaded`);
    if (r.skipped.length) log.warn(`load_from: skipped ${r.skipped.length} tensors: ${r.skipped.join(', ')}`);
  }
  run.startIter = run.iter;
}
