// Runs the detector over a dataset and scores it with the config's evaluator (the
// validation loop of a training run, and `yololab test`).
import type { DetDataset } from '../data/dataset';
import { createLoader } from '../data/loader';
import type { DetSample } from '../data/types';
import { buildEvaluator } from '../metrics';
import type { YOLODetector } from './model/detector';

/** `workers`: loader worker threads that decode ahead of the model (as in training); `log` gets
 * what the metric logs beside its numbers (VOCMetric's per-class table), as MMDetection's does. */
export async function evaluate(
  det: YOLODetector,
  dataset: DetDataset,
  evaluatorCfg: unknown,
  batchSize: number,
  predict?: (batch: DetSample[]) => ReturnType<YOLODetector['predict']>,
  workers = 0,
  log?: (message: string) => void,
): Promise<Record<string, number>> {
  const evaluator = buildEvaluator(evaluatorCfg, dataset.classes);
  const index = new Map<string, number>();
  for (let i = 0; i < dataset.length; i++) index.set(dataset.groundTruth(i).imageId, i);
  for await (const batch of createLoader(dataset, { batchSize, shuffle: false, seed: 0, epoch: 0, workers })) {
    const dets = (predict ?? ((b) => det.predict(b)))(batch);
    batch.forEach((s, k) => evaluator.process(dataset.groundTruth(index.get(s.meta.imageId)!), dets[k]));
  }
  const metrics = evaluator.compute();
  if (log) for (const m of evaluator.summary?.() ?? []) log(m);
  return metrics;
}
