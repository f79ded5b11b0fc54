// `yololab test`: evaluates a checkpoint on the config's test set, optionally with TTA,
// and with --show-dir writes each image with its predicted boxes drawn.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildDataset } from '../data/dataset';
import { createLoader } from '../data/loader';
import { decodeImage, encodePng } from '../data/image';
import { Detections, DetSample } from '../data/types';
import { resolveCheckpointPath } from './checkpoint-cache';
import { openCheckpoint } from './checkpoint';
import { drawDetections } from '../data/draw';
import { evaluate } from './evaluate';
import { buildModel, datasetCtx, prepareRun } from './prepare';
import { loadForInference } from './state';
import { expandTtaPipeline, mergeViews, ttaCfgOf } from './tta';
import { buildEvaluator } from '../metrics';

export interface TestOptions {
  config: string;
  checkpoint: string;
  tta?: boolean;
  showDir?: string;
  workDir?: string;
  backend?: string;
  cfgOptions?: string[];
  echo?: (s: string) => void;
  scoreThr?: number; // for drawing only
}

export async function runTest(
  opts: TestOptions,
): Promise<{ metrics: Record<string, number>; withoutTta?: Record<string, number>; runDir: string }> {
  const { loaded, cfg, log } = await prepareRun({ ...opts, tty: false });
  const { store, det } = buildModel(loaded, 0);
  // As MMEngine's load_checkpoint: state_dict, which holds the EMA weights of a run with EMAHook.
  const ck = await openCheckpoint(await resolveCheckpointPath(opts.checkpoint, { log: (s) => log.info(s) }));
  try {
    await loadForInference(ck, store);
  } finally {
    await ck.close();
  }
  log.info(
    `checkpoint: ${opts.checkpoint} (${ck.format === 'pth' ? 'PyTorch' : 'YOLO Lab .ckpt'}, epoch ${ck.meta.epoch ?? '?'}${ck.resumeEma ? ', EMA weights' : ''})`,
  );
  const dl = cfg.test_dataloader ?? cfg.val_dataloader;
  const root = cfg.test_dataloader ? 'test_dataloader' : 'val_dataloader';
  const evaluatorCfg = cfg.test_evaluator ?? cfg.val_evaluator;
  if (!dl?.dataset || !evaluatorCfg)
    throw new Error(`${opts.config}: needs test_dataloader (or val_dataloader) and test_evaluator (or val_evaluator)`);
  const onWarning = (m: string) => log.warn(m);
  const dataset = buildDataset(dl.dataset, { ...datasetCtx(loaded, [root, 'dataset']), onWarning });
  if (det.numClasses !== dataset.classes.length)
    throw Object.assign(
      new Error(
        `model.bbox_head.head_module.num_classes is ${det.numClasses} but the test set has ${dataset.classes.length} classes`,
      ),
      { where: loaded.where(['model', 'bbox_head', 'head_module', 'num_classes']) },
    );
  const bs = dl.batch_size ?? 1;
  const all = new Map<string, Detections>();
  const files = new Map<string, string>();
  const keepAll = (batch: DetSample[]) => {
    batch.forEach((s) => files.set(s.meta.imageId, s.meta.file));
    const dets = det.predict(batch);
    dets.forEach((d) => all.set(d.imageId, d));
    return dets;
  };
  let metrics: Record<string, number>;
  // With --tta the plain evaluation runs too, so the gain (or loss) of TTA is shown beside it.
  let withoutTta: Record<string, number> | undefined;
  if (!opts.tta) {
    metrics = await evaluate(det, dataset, evaluatorCfg, bs, keepAll, 0, (m) => log.info(m));
  } else {
    if (!cfg.tta_model || !cfg.tta_pipeline)
      throw new Error(
        `${opts.config}: --tta needs tta_model and tta_pipeline (e.g. _base_ = ['../_base_/det_p5_tta.py'])`,
      );
    withoutTta = await evaluate(det, dataset, evaluatorCfg, bs, (batch) => det.predict(batch));
    const ttaCfg = ttaCfgOf(cfg.tta_model);
    const views = expandTtaPipeline(cfg.tta_pipeline);
    log.info(
      `TTA: ${views.length} views per image, merged by NMS (iou ${ttaCfg.iouThr}, max_per_img ${ttaCfg.maxPerImg})`,
    );
    const perImage = new Map<string, Detections[]>();
    for (const pipeline of views) {
      const viewSet = buildDataset({ ...dl.dataset, pipeline }, { ...datasetCtx(loaded, ['tta_pipeline']), onWarning });
      for await (const batch of createLoader(viewSet, { batchSize: bs, shuffle: false, seed: 0, epoch: 0 })) {
        batch.forEach((s) => files.set(s.meta.imageId, s.meta.file));
        det.predict(batch).forEach((d) => perImage.set(d.imageId, [...(perImage.get(d.imageId) ?? []), d]));
      }
    }
    const evaluator = buildEvaluator(evaluatorCfg, dataset.classes);
    for (let i = 0; i < dataset.length; i++) {
      const gt = dataset.groundTruth(i);
      const merged = mergeViews(perImage.get(gt.imageId) ?? [], ttaCfg);
      merged.imageId = gt.imageId;
      all.set(gt.imageId, merged);
      evaluator.process(gt, merged);
    }
    metrics = evaluator.compute();
    for (const m of evaluator.summary?.() ?? []) log.info(m);
  }
  const plainScalars = Object.fromEntries(Object.entries(withoutTta ?? {}).map(([k, v]) => [`no_tta/${k}`, v]));
  log.scalars({ ...metrics, ...plainScalars, step: ck.meta.epoch ?? 0 });
  const show = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, v]) => `${k}: ${v.toFixed(4)}`)
      .join('  ');
  log.info(`Epoch(test) [${dataset.length}/${dataset.length}]${opts.tta ? ' (TTA)' : ''}  ${show(metrics)}`);
  if (withoutTta) log.info(`Epoch(test) [${dataset.length}/${dataset.length}] (without TTA)  ${show(withoutTta)}`);
  if (opts.showDir) {
    mkdirSync(opts.showDir, { recursive: true });
    const thr = opts.scoreThr ?? 0.3;
    for (const [id, d] of all) {
      const file = files.get(id);
      if (!file) continue;
      const img = decodeImage(file);
      const drawn = drawDetections(img.data, img.width, img.height, d, dataset.classes, { scoreThr: thr });
      writeFileSync(join(opts.showDir, `${id}.png`), encodePng(drawn, img.width, img.height));
    }
    log.info(`drawn ${all.size} images with boxes scoring >= ${thr} to ${resolve(opts.showDir)}`);
  }
  return { metrics, withoutTta, runDir: log.runDir };
}
