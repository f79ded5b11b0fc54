// Builds a data pipeline from MMYOLO transform dicts (`type` names with an optional
// `mmdet.` prefix or `_scope_` key) and runs it. Unknown names are ConfigErrors naming
// the type, where it was written and the known names.
import { ConfigError } from '../errors';
import type { Rng } from './rng';
import type { AnnotationRecord } from './records';
import type { DetSample } from './types';
import type { PipelineEnv, Results, Transform } from './transforms/results';
import { loadAnnotations, loadImageFromFile } from './transforms/loading';
import { keepRatioResize, letterResize, resize } from './transforms/resize';
import { randomFlip } from './transforms/flip';
import { mosaic } from './transforms/mosaic';
import { randomAffine } from './transforms/affine';
import { hsvRandomAug } from './transforms/hsv';
import { mixUp } from './transforms/mixup';

export type { Transform, PipelineEnv, Results } from './transforms/results';

type Where = (path: (string | number)[]) => string | undefined;
type Bad = (msg: string) => never;

interface BuildCtx {
  where?: Where;
  warn: (msg: string) => void;
}

const noop = (name: string): Transform => ({ name, apply: (r) => r });

const BUILDERS: Record<string, (cfg: any, bad: Bad, ctx: BuildCtx, path: (string | number)[]) => Transform> = {
  LoadImageFromFile: () => loadImageFromFile(),
  LoadAnnotations: (cfg) => loadAnnotations(cfg),
  YOLOv5KeepRatioResize: (cfg, bad) => keepRatioResize(cfg, bad),
  LetterResize: (cfg, bad) => letterResize(cfg, bad),
  Resize: (cfg, bad) => resize(cfg, bad),
  RandomFlip: (cfg, bad) => randomFlip(cfg, bad),
  Mosaic: (cfg, bad, ctx, path) => {
    const pre = cfg.pre_transform ?? [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations', with_bbox: true }];
    if (!Array.isArray(pre)) bad('pre_transform must be a list of transforms');
    return mosaic(
      cfg,
      bad,
      buildPipeline(pre, { ...ctx, where: (p) => ctx.where?.([...path, 'pre_transform', ...p]) }),
    );
  },
  YOLOv5RandomAffine: (cfg, bad) => randomAffine(cfg, bad),
  YOLOv5MixUp: (cfg, bad, ctx, path) => {
    const pre = cfg.pre_transform ?? [{ type: 'LoadImageFromFile' }, { type: 'LoadAnnotations', with_bbox: true }];
    if (!Array.isArray(pre)) bad('pre_transform must be a list of transforms');
    return mixUp(cfg, bad, buildPipeline(pre, { ...ctx, where: (p) => ctx.where?.([...path, 'pre_transform', ...p]) }));
  },
  YOLOv5HSVRandomAug: (cfg, bad) => hsvRandomAug(cfg, bad),
  PackDetInputs: () => noop('PackDetInputs'),
  // Photometric extras from MMYOLO's YOLOv8 pipelines (blur, grey, CLAHE at p=0.01):
  // accepted so those configs load, but not applied; the dataset warns once.
  Albu: (_cfg, _bad, ctx, path) => {
    const where = ctx.where?.([...path, 'type']);
    ctx.warn(
      `${where ? where + ': ' : ''}warning: mmdet.Albu is accepted but not applied by the built-in pipeline (its transforms are skipped)`,
    );
    return noop('Albu');
  },
};

export const KNOWN_TRANSFORMS = Object.keys(BUILDERS);

/** 'mmdet.RandomFlip' and dict(type='RandomFlip', _scope_='mmdet') both name RandomFlip. */
export function bareTypeName(type: string): string {
  const dot = type.lastIndexOf('.');
  return dot >= 0 ? type.slice(dot + 1) : type;
}

export function buildPipeline(list: unknown, ctx: BuildCtx): Transform[] {
  if (list === undefined || list === null) return [loadImageFromFile(), loadAnnotations({})];
  if (!Array.isArray(list)) {
    throw new ConfigError(`pipeline must be a list of transform dicts, got ${typeof list}`, ctx.where?.([]));
  }
  return list.map((t, i) => {
    const where = ctx.where?.([i, 'type']) ?? ctx.where?.([i]);
    if (!t || typeof t !== 'object' || typeof (t as any).type !== 'string') {
      throw new ConfigError(`pipeline step ${i} is not a dict with a string 'type'`, where);
    }
    const type = (t as any).type as string;
    const build = BUILDERS[bareTypeName(type)];
    if (!build) {
      throw new ConfigError(`unknown transform type '${type}' (known: ${KNOWN_TRANSFORMS.join(', ')})`, where);
    }
    const bad: Bad = (msg) => {
      throw new ConfigError(`${type}: ${msg}`, where);
    };
    return build(t, bad, ctx, [i]);
  });
}

export function initialResults(index: number, record: AnnotationRecord): Results {
  return {
    index,
    record,
    width: record.width,
    height: record.height,
    bboxes: new Float32Array(0),
    labels: new Int32Array(0),
    ignore: new Uint8Array(0),
    annotationsLoaded: false,
    meta: {
      file: record.file,
      imageId: record.imageId,
      oriHeight: record.height,
      oriWidth: record.width,
      scaleFactor: [1, 1],
      pad: [0, 0, 0, 0],
      flip: false,
    },
  };
}

export async function runPipeline(steps: Transform[], r: Results, rng: Rng, env: PipelineEnv): Promise<Results | null> {
  let cur: Results | null = r;
  for (const step of steps) {
    cur = await step.apply(cur, rng, env);
    if (!cur) return null;
  }
  return cur;
}

export function toDetSample(r: Results): DetSample {
  if (!r.img) throw new Error(`${r.record.file}: pipeline produced no image (is LoadImageFromFile missing?)`);
  return {
    img: r.img,
    height: r.height,
    width: r.width,
    bboxes: r.bboxes,
    labels: r.labels,
    ignore: r.ignore,
    meta: r.meta,
  };
}
