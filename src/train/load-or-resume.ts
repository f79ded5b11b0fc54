// Runner.load_or_resume (mmengine/runner/runner.py): before the loop, either resume a run
// (--resume, or resume=True in the config: model, optimizer, counters, EMA, loss scale) or
// start from load_from's weights (matching tensors only; the rest are listed as MMEngine lists
// them). Either may be a .pth (ours or MMYOLO's), an old .ckpt, or an http(s) URL, downloaded
// once into torch's cache ($TORCH_HOME/hub/checkpoints).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCheckpointPath } from './checkpoint-cache';
import { openCheckpoint } from './checkpoint';
import { describeLoad, loadPretrained, restoreTraining } from './state';
import type { TrainRun } from './train-run';

/** The checkpoint `last_checkpoint` in a work dir points at, if it still exists. */
export function lastCheckpoint(workDir: string): string | undefined {
  const f = join(workDir, 'last_checkpoint');
  if (!existsSync(f)) return undefined;
  const p = readFileSync(f, 'utf8').trim();
  return existsSync(p) ? p : undefined;
}

/** Module paths (two levels, e.g. backbone.stage1) whose parameters are all frozen. */
function frozenModules(run: TrainRun): string[] {
  const prefix = (n: string) => n.split('.').slice(0, 2).join('.');
  const all = new Map<string, boolean>();
  for (const n of run.store.params.keys()) all.set(prefix(n), (all.get(prefix(n)) ?? true) && run.store.frozen.has(n));
  return [...all].filter(([, f]) => f).map(([m]) => m);
}

/** `resume`: true for --resume without a path (the work dir's last checkpoint), or a path or URL. */
export async function loadOrResume(run: TrainRun, resume: string | true | undefined): Promise<void> {
  const { cfg, log } = run;
  const wantLast = resume === true || (resume === undefined && cfg.resume === true);
  const from = typeof resume === 'string' ? resume : wantLast ? lastCheckpoint(run.workDir) : undefined;
  if (resume === true && !from) log.warn(`--resume: no checkpoint in ${run.workDir}; starting from scratch`);
  const progress = (s: string) => log.info(s);
  if (from) {
    const ck = await openCheckpoint(await resolveCheckpointPath(from, { log: progress }));
    try {
      const at = await restoreTraining(ck, {
        store: run.store,
        opt: run.opt,
        scaler: run.scaler,
        optimWrapper: cfg.optim_wrapper,
      });
      run.epoch = at.epoch;
      run.skipInEpoch = at.iterInEpoch;
      run.iter = at.iter;
      run.bestMetric = at.bestMetric;
      for (const w of at.warnings) log.warn(`--resume: ${w}`);
      await run.hooks.call('afterLoadCheckpoint', run, ck, true);
    } finally {
      await ck.close();
    }
    log.info(`resumed from ${from}: epoch ${run.epoch}, iteration ${run.iter}`);
  } else if (cfg.load_from) {
    const src = String(cfg.load_from);
    const ck = await openCheckpoint(
      await resolveCheckpointPath(src, { log: progress, where: run.loaded.where(['load_from']) }),
    );
    try {
      const r = await loadPretrained(ck, run.store);
      await run.hooks.call('afterLoadCheckpoint', run, ck, false);
      log.info(`load_from ${src}: loaded ${r.loaded.length} of ${run.store.stateDict().size} tensors`);
      for (const line of describeLoad(r)) log.warn(`load_from: ${line}`);
    } finally {
      await ck.close();
    }
    const frozen = frozenModules(run);
    if (frozen.length) log.info(`frozen (frozen_stages / freeze_all): ${frozen.join(', ')}`);
  }
  run.startIter = run.iter;
}
