// MMEngine's EpochBasedTrainLoop and ValLoop (mmengine/runner/loops.py): epochs of
// iterations, hooks called at MMEngine's points, validation after the epochs it is due.
// Everything around the step (schedule, EMA, checkpoints, logging) lives in hooks/.
import { availableParallelism } from 'node:os';
import { createLoader } from '../data/loader';
import { evaluate } from './evaluate';
import type { TrainRun } from './train-run';
import { trainStep } from './train-step';

/**
 * Whether validation runs after `epochsDone` epochs: train_cfg's val_begin, val_interval, and
 * dynamic_intervals, where the interval in force is chosen for epochsDone + 1
 * (EpochBasedTrainLoop._decide_current_val_interval, loops.py:141).
 */
export function validationDue(run: Pick<TrainRun, 'cfg' | 'maxEpochs' | 'valSet'>, epochsDone: number): boolean {
  const loop = run.cfg.train_cfg ?? {};
  if (!run.valSet || !run.cfg.val_evaluator) return false;
  // All three settings are read on every call (the not-applied report counts reads).
  const begin = loop.val_begin ?? 1;
  let interval: number = loop.val_interval ?? 1;
  const dynamic = loop.dynamic_intervals ?? [];
  if (epochsDone < begin) return false;
  for (const [milestone, value] of dynamic) if (milestone <= epochsDone + 1) interval = value;
  return epochsDone % interval === 0 || epochsDone === run.maxEpochs;
}

export async function runTrainLoop(run: TrainRun): Promise<void> {
  const { hooks } = run;
  await hooks.call('beforeTrain', run);
  while (run.epoch < run.maxEpochs && !run.stopped) {
    await hooks.call('beforeTrainEpoch', run);
    run.innerIter = 0;
    let batches = 0;
    let tData = Date.now();
    const loader = createLoader(run.trainSet, {
      batchSize: run.batchSize,
      shuffle: run.shuffle,
      seed: run.seed,
      epoch: run.epoch,
      dropLast: run.dropLast,
      workers: run.loaderWorkers,
    });
    for await (const batch of loader) {
      batches++;
      if (run.innerIter < run.skipInEpoch) {
        run.innerIter++;
        tData = Date.now();
        continue;
      }
      const dataTime = (Date.now() - tData) / 1000;
      const tStep = Date.now();
      hooks.callSync('beforeTrainIter', run, run.innerIter, batch);
      const out = trainStep(run.det, run.opt, batch, run.scaler);
      if (!isFinite(out.loss) && !run.scaler)
        throw new Error(`loss became ${out.loss} at iteration ${run.iter + 1}; lower the learning rate or use --amp`);
      hooks.callSync('afterTrainIter', run, run.innerIter, batch, out, {
        time: (Date.now() - tStep) / 1000 + dataTime,
        dataTime,
      });
      run.iter++;
      run.innerIter++;
      run.result.losses.push(out.loss);
      // With the next batches already loaded, `for await` resumes through microtasks only and the
      // event loop never reaches its poll phase, where the CLI's SIGINT handler (which aborts
      // run.signal) runs: a Ctrl-C would wait for the end of the epoch, and a Stop from the editor
      // ran into its kill timeout. Yield to the event loop once per step.
      await new Promise<void>((r) => setImmediate(r));
      tData = Date.now();
      if (run.signal.aborted) run.stopped = 'signal';
      else if (run.iter >= run.maxIters) run.stopped = 'max-iters';
      if (run.stopped) break;
    }
    if (batches === 0)
      throw new Error(
        `epoch ${run.epoch + 1} yielded no batch of ${run.batchSize}: the training set has ${run.trainSet.length} images; lower train_dataloader.batch_size or check the data warnings above`,
      );
    run.skipInEpoch = 0;
    if (run.stopped && run.innerIter < run.itersPerEpoch) break; // mid-epoch: the epoch did not end
    await hooks.call('afterTrainEpoch', run);
    run.epoch++;
    if (validationDue(run, run.epoch)) await runValidation(run);
  }
  run.result.interrupted = run.stopped === 'signal';
  await hooks.call('afterTrain', run);
}

/** ValLoop.run: the validation epoch between before_val_epoch and after_val_epoch. */
export async function runValidation(run: TrainRun): Promise<Record<string, number>> {
  run.hooks.callSync('beforeValEpoch', run);
  const vdl = run.cfg.val_dataloader;
  // val_dataloader's own num_workers, under the same one-core-for-the-model cap as training.
  const workers = Math.min(Number(vdl?.num_workers ?? 0), availableParallelism() - 1);
  const metrics = await evaluate(
    run.det,
    run.valSet!,
    run.cfg.val_evaluator,
    run.valBatchSize,
    undefined,
    Math.max(0, workers),
    (m) => run.log.info(m),
  );
  run.result.metrics = metrics;
  await run.hooks.call('afterValEpoch', run, metrics);
  return metrics;
}
