// buildDataset: the dataset dict of a config -> a DetDataset that reads annotations once,
// and per sample decodes the image and runs the pipeline. One bad sample becomes a
// warning and `null` (the loader skips it) unless ctx.strict is set.
import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../errors';
import { DataError } from './errors';
import type { Rng } from './rng';
import type { DetSample, GroundTruth } from './types';
import type { AnnotationRecord } from './records';
import { loadVocRecords } from './voc-dataset';
import { loadCocoRecords } from './coco-dataset';
import {
  bareTypeName,
  buildPipeline,
  initialResults,
  runPipeline,
  toDetSample,
  type PipelineEnv,
  type Transform,
} from './pipeline';

export interface DetDataset {
  classes: string[];
  length: number;
  /** Runs the pipeline on sample i; null = skipped after a warning (see `warnings`). */
  load(i: number, rng: Rng): Promise<DetSample | null>;
  /** Annotations of sample i in original-image pixels, for the evaluator. */
  groundTruth(i: number): GroundTruth;
  warnings: string[];
  /** How to rebuild this dataset in a worker thread (set by buildDataset). */
  spec?: { cfg: unknown; cwd: string; strict: boolean };
  /** Records a warning raised elsewhere (e.g. in a loader worker). */
  addWarning?(msg: string): void;
  /** Why load(i) last returned null, as `file: reason` (for the loader's "no batch" error). */
  skipReason?(i: number): string | undefined;
  /** Records why sample i was skipped when it was loaded elsewhere (a loader worker). */
  noteSkip?(i: number, reason: string): void;
}

export interface DatasetContext {
  cwd: string;
  /** file:line of a setting, given its path inside the dataset dict (e.g. ['pipeline', 2, 'type']). */
  where?: (path: (string | number)[]) => string | undefined;
  /** Turn data warnings into errors (a bad sample throws instead of being skipped). */
  strict?: boolean;
  /**
   * Called for each warning as it happens (they are also collected in `warnings`). Each
   * distinct message reaches a given callback once, however many datasets built with it
   * meet the problem: a run's train and val sets often share files, and a pipeline switch
   * rebuilds the train set.
   */
  onWarning?: (msg: string) => void;
}

// Messages each onWarning callback has already been given (see DatasetContext.onWarning).
const heardBy = new WeakMap<(msg: string) => void, Set<string>>();

/** Calls `sink` with `msg` unless this sink has heard exactly this message before. */
function tellOnce(sink: ((msg: string) => void) | undefined, msg: string): void {
  if (!sink) return;
  let heard = heardBy.get(sink);
  if (!heard) heardBy.set(sink, (heard = new Set()));
  if (heard.has(msg)) return;
  heard.add(msg);
  sink(msg);
}

/** A skip warning ("FILE: warning: REASON; sample ID skipped") as "FILE: REASON". */
function skipText(warning: string): string {
  return warning.replace(': warning: ', ': ').replace(/; (sample|image) \S+ skipped$/, '');
}

export const VOC_CLASSES = [
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
];

const VOC_TYPES = ['YOLOv5VOCDataset', 'VOCDataset'];
const COCO_TYPES = ['YOLOv5CocoDataset', 'CocoDataset'];
export const KNOWN_DATASETS = [...VOC_TYPES, ...COCO_TYPES, 'ConcatDataset', 'RepeatDataset'];

const MAX_WARNINGS = 1000;

class RecordDataset implements DetDataset {
  warnings: string[];
  constructor(
    public classes: string[],
    private records: AnnotationRecord[],
    private pipeline: Transform[],
    private strict: boolean,
    warnings: string[],
    private onWarning?: (msg: string) => void,
  ) {
    this.warnings = warnings;
  }

  get length(): number {
    return this.records.length;
  }

  addWarning(msg: string): void {
    this.warn(msg);
  }

  private reported = new Set<string>();

  warn = (msg: string): void => {
    if (this.strict) throw new DataError(msg.replace(': warning: ', ': error: '));
    // A bad sample fails again every epoch: report each problem once.
    if (this.reported.has(msg)) return;
    this.reported.add(msg);
    if (this.warnings.length < MAX_WARNINGS) this.warnings.push(msg);
    else if (this.warnings.length === MAX_WARNINGS)
      this.warnings.push('warning: more than 1000 data warnings; further ones are not kept');
    tellOnce(this.onWarning, msg);
  };

  private skipped = new Map<number, string>();

  skipReason(i: number): string | undefined {
    return this.skipped.get(i);
  }

  noteSkip(i: number, reason: string): void {
    this.skipped.set(i, reason);
  }

  private env: PipelineEnv = {
    length: 0,
    loadRaw: (index, steps, rng) => this.run(index, steps, rng),
    warn: (msg) => this.warn(msg),
  };

  /** Runs `steps` on sample `index`; a DataError becomes a warning and null (`onSkip` hears why). */
  private async run(index: number, steps: Transform[], rng: Rng, onSkip?: (reason: string) => void) {
    const record = this.records[index];
    try {
      return await runPipeline(steps, initialResults(index, record), rng, { ...this.env, length: this.records.length });
    } catch (e) {
      if (e instanceof DataError && !this.strict) {
        const msg = `${e.message.replace(': error: ', ': warning: ')}; sample ${record.imageId} skipped`;
        this.warn(msg);
        onSkip?.(skipText(msg));
        return null;
      }
      throw e;
    }
  }

  async load(i: number, rng: Rng): Promise<DetSample | null> {
    if (!(i >= 0 && i < this.records.length))
      throw new RangeError(`sample index ${i} out of range 0..${this.records.length - 1}`);
    const r = await this.run(i, this.pipeline, rng, (reason) => this.skipped.set(i, reason));
    if (r) this.skipped.delete(i);
    return r ? toDetSample(r) : null;
  }

  groundTruth(i: number): GroundTruth {
    const r = this.records[i];
    if (!r) throw new RangeError(`sample index ${i} out of range 0..${this.records.length - 1}`);
    const gt: GroundTruth & { areas?: Float32Array } = {
      imageId: r.imageId,
      width: r.width,
      height: r.height,
      bboxes: r.bboxes,
      labels: r.labels,
      ignore: r.ignore,
    };
    if (r.areas) gt.areas = r.areas;
    return gt;
  }
}

function joinRoot(root: string, p: string): string {
  return isAbsolute(p) ? p : join(root, p);
}

function readClasses(cfg: any, where: DatasetContext['where']): string[] | undefined {
  const classes = cfg.metainfo?.classes;
  if (classes === undefined) return undefined;
  if (!Array.isArray(classes) || !classes.length || !classes.every((c) => typeof c === 'string')) {
    throw new ConfigError(`metainfo.classes must be a non-empty list of class names`, where?.(['metainfo', 'classes']));
  }
  return classes;
}

/**
 * Drops images without annotations (difficult/crowd ones count, as in MMDetection) when
 * filter_empty_gt is set, and images whose shorter side is below min_size.
 */
function applyFilter(records: AnnotationRecord[], cfg: any): AnnotationRecord[] {
  const f = cfg.filter_cfg;
  if (!f || cfg.test_mode) return records;
  const minSize = typeof f.min_size === 'number' ? f.min_size : 0;
  return records.filter((r) => {
    if (f.filter_empty_gt && r.labels.length === 0) return false;
    return Math.min(r.width, r.height) >= minSize;
  });
}

export function buildDataset(cfg: any, ctx: DatasetContext): DetDataset {
  const ds = buildAny(cfg, ctx);
  ds.spec = { cfg, cwd: ctx.cwd, strict: ctx.strict === true };
  return ds;
}

function buildAny(cfg: any, ctx: DatasetContext): DetDataset {
  const where = ctx.where;
  if (!cfg || typeof cfg !== 'object') throw new ConfigError('dataset must be a dict', where?.([]));
  if (typeof cfg.type !== 'string')
    throw new ConfigError(`dataset has no 'type' (known: ${KNOWN_DATASETS.join(', ')})`, where?.([]));
  const type = bareTypeName(cfg.type);
  const sub = (path: (string | number)[]) => (p: (string | number)[]) => where?.([...path, ...p]);

  if (type === 'ConcatDataset' || type === 'RepeatDataset') {
    const parts: DetDataset[] =
      type === 'ConcatDataset'
        ? (Array.isArray(cfg.datasets) ? cfg.datasets : []).map((d: any, k: number) =>
            buildDataset(d, { ...ctx, where: sub(['datasets', k]) }),
          )
        : [buildDataset(cfg.dataset, { ...ctx, where: sub(['dataset']) })];
    if (!parts.length) throw new ConfigError('ConcatDataset needs a non-empty datasets list', where?.(['datasets']));
    for (const p of parts.slice(1)) {
      if (p.classes.join('\u0000') !== parts[0].classes.join('\u0000')) {
        throw new ConfigError('ConcatDataset parts have different classes', where?.(['datasets']));
      }
    }
    const times = type === 'RepeatDataset' ? cfg.times : 1;
    if (!Number.isInteger(times) || times < 1)
      throw new ConfigError('RepeatDataset needs an integer times >= 1', where?.(['times']));
    return concatDatasets(parts, times);
  }

  const warnings: string[] = [];
  const strict = ctx.strict === true;
  const warn = (msg: string) => {
    if (strict) throw new DataError(msg.replace(': warning: ', ': error: '));
    if (warnings.length < MAX_WARNINGS) warnings.push(msg);
    tellOnce(ctx.onWarning, msg);
  };
  const dataRoot = resolve(ctx.cwd, typeof cfg.data_root === 'string' ? cfg.data_root : '');
  const prefix = cfg.data_prefix ?? {};
  let classes = readClasses(cfg, where);
  let records: AnnotationRecord[];
  if (typeof cfg.ann_file !== 'string' || !cfg.ann_file)
    throw new ConfigError(`${cfg.type} needs ann_file`, where?.(['ann_file']) ?? where?.([]));
  const annFile = joinRoot(dataRoot, cfg.ann_file);

  if (VOC_TYPES.includes(type)) {
    classes ??= VOC_CLASSES;
    records = loadVocRecords(
      {
        annFile,
        subDataRoot: joinRoot(dataRoot, prefix.sub_data_root ?? prefix.img ?? ''),
        imgSubdir: cfg.img_subdir ?? 'JPEGImages',
        annSubdir: cfg.ann_subdir ?? 'Annotations',
        classes,
      },
      warn,
    );
  } else if (COCO_TYPES.includes(type)) {
    const r = loadCocoRecords({ annFile, imgPrefix: joinRoot(dataRoot, prefix.img ?? ''), classes }, warn);
    classes = r.classes;
    records = r.records;
  } else {
    throw new ConfigError(
      `unknown dataset type '${cfg.type}' (known: ${KNOWN_DATASETS.join(', ')})`,
      where?.(['type']),
    );
  }
  records = applyFilter(records, cfg);
  if (!records.length)
    throw new DataError(
      `${annFile}: error: no usable images (all were skipped or filtered; see the warnings)`,
      annFile,
    );

  // Notes about the config (e.g. a transform accepted but not applied) stay warnings even when strict.
  const note = (msg: string) => {
    if (warnings.length < MAX_WARNINGS) warnings.push(msg);
    tellOnce(ctx.onWarning, msg);
  };
  const pipeline = buildPipeline(cfg.pipeline, { where: sub(['pipeline']), warn: note });
  if (cfg.batch_shapes_cfg) {
    const w = where?.(['batch_shapes_cfg']);
    note(
      `${w ? w + ': ' : ''}warning: batch_shapes_cfg is not applied: validation images are letterboxed to the full scale (mAP can differ slightly from MMYOLO's)`,
    );
  }
  if (!pipeline.some((t) => t.name === 'LoadImageFromFile')) {
    throw new ConfigError('pipeline has no LoadImageFromFile step', where?.(['pipeline']));
  }
  return new RecordDataset(classes, records, pipeline, strict, warnings, ctx.onWarning);
}

function concatDatasets(parts: DetDataset[], times: number): DetDataset {
  const offsets: number[] = [];
  let total = 0;
  for (const p of parts) {
    offsets.push(total);
    total += p.length;
  }
  const locate = (i: number): [DetDataset, number] => {
    if (!(i >= 0 && i < total * times)) throw new RangeError(`sample index ${i} out of range 0..${total * times - 1}`);
    const j = i % total;
    let k = parts.length - 1;
    while (offsets[k] > j) k--;
    return [parts[k], j - offsets[k]];
  };
  return {
    classes: parts[0].classes,
    length: total * times,
    load: (i, rng) => {
      const [d, j] = locate(i);
      return d.load(j, rng);
    },
    groundTruth: (i) => {
      const [d, j] = locate(i);
      return d.groundTruth(j);
    },
    get warnings() {
      return parts.flatMap((p) => p.warnings);
    },
    addWarning: (msg: string) => parts[0].addWarning?.(msg),
    skipReason: (i) => {
      const [d, j] = locate(i);
      return d.skipReason?.(j);
    },
    noteSkip: (i, reason) => {
      const [d, j] = locate(i);
      d.noteSkip?.(j, reason);
    },
  };
}
