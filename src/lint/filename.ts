// The OpenMMLab config filename convention (docs/filename-convention.md):
// {algorithm}_{components}-[version]_[norm]_[preprocessor]_{gpus}xb{batch}-{schedule}_{train data}_[test data].py
// parseFilename splits a name into its parts and says what does not fit.

export interface FilenameParts {
  algorithm?: string;
  /** Size and parts, e.g. ['s'], ['s-v61'], ['r50', 'fpn']. */
  components: string[];
  /** The model size letter or word when the first component names one (n, s, m, l, x, tiny). */
  size?: string;
  norm?: 'bn' | 'syncbn' | 'gn';
  preprocessor?: 'fast';
  gpus?: number;
  batch?: number;
  /** Training length as written: `500e`, `300k`, `1x`. */
  schedule?: string;
  epochs?: number;
  iters?: number;
  trainData?: string;
  testData?: string;
  /** Offsets of each part in the stem, for precise diagnostics. */
  spans: Record<string, [number, number]>;
}

export interface FilenameIssue {
  rule: 'filename-missing-part' | 'filename-separator' | 'filename-misspelling' | 'filename-unknown-token';
  severity: 'warning' | 'information';
  message: string;
  /** Offsets within the stem. */
  span: [number, number];
  /** A corrected file name (with .py) when one is certain. */
  fix?: string;
}

export const KNOWN_ALGORITHMS = [
  'yolov5',
  'yolov6',
  'yolov7',
  'yolov8',
  'yolox',
  'rtmdet',
  'ppyoloe',
  'ppyoloe_plus',
  'yolo-nas',
  'damo-yolo',
  'faster-rcnn',
  'mask-rcnn',
  'cascade-rcnn',
  'retinanet',
  'fcos',
  'atss',
  'detr',
  'deformable-detr',
  'dino',
  'ssd',
  'yolov3',
  'centernet',
  'tood',
  'gfl',
  'vfnet',
  'rtmdet-ins',
  'solov2',
  'sparse-rcnn',
  'yolof',
  'paa',
  'autoassign',
];
export const KNOWN_DATASETS = [
  'coco',
  'voc',
  'voc0712',
  'voc07',
  'voc12',
  'cat',
  'crowdhuman',
  'lvis',
  'cityscapes',
  'objects365',
  'openimages',
  'widerface',
  'balloon',
  'dota',
  'demo',
];
/** A dataset part YOLO Lab knows: a known name, alone or with a variant after '-' as OpenMMLab
 * names them (MMDetection's coco-panoptic, lvis-v1, dota-ms, voc0712-cocofmt). */
function isKnownDataset(part: string): boolean {
  return KNOWN_DATASETS.includes(part) || KNOWN_DATASETS.includes(part.split('-')[0]);
}
const SIZES = ['n', 's', 'm', 'l', 'x', 'tiny', 't', 'nano', 'p5', 'p6'];
const NORMS = ['bn', 'syncbn', 'gn'];

const SCHEDULE = /^(\d+)xb(\d+)-(\d+)(e|k)$/;
const SCHEDULE_NO_LEN = /^(\d+)xb(\d+)$/;
const MISSPELLED = /^(\d+)x(\d+)b(-\d+[ek])?$/;
const MMDET_SCHEDULE = /^(\d+)x$|^(\d+)e$/;

export function parseFilename(fileName: string): { parts: FilenameParts; issues: FilenameIssue[] } {
  const stem = fileName.replace(/\.py$/, '');
  const issues: FilenameIssue[] = [];
  const parts: FilenameParts = { components: [], spans: {} };
  // Tokens with their offsets.
  const tokens: { text: string; start: number }[] = [];
  let off = 0;
  for (const t of stem.split('_')) {
    tokens.push({ text: t, start: off });
    off += t.length + 1;
  }
  const span = (t: { text: string; start: number }): [number, number] => [t.start, t.start + t.text.length];
  let i = 0;
  // Algorithm: `ppyoloe_plus` is the one name that contains `_`.
  if (tokens[0]?.text === 'ppyoloe' && tokens[1]?.text === 'plus') {
    parts.algorithm = 'ppyoloe_plus';
    parts.spans.algorithm = [0, tokens[1].start + 4];
    i = 2;
  } else if (tokens[0]) {
    parts.algorithm = tokens[0].text;
    parts.spans.algorithm = span(tokens[0]);
    i = 1;
    if (!KNOWN_ALGORITHMS.includes(parts.algorithm)) {
      issues.push({
        rule: 'filename-unknown-token',
        severity: 'information',
        message: `'${parts.algorithm}' is not an algorithm YOLO Lab knows (${KNOWN_ALGORITHMS.slice(0, 8).join(', ')}, ...)`,
        span: span(tokens[0]),
      });
    }
  }
  // Find the training part (gpus x batch - schedule), or MMDetection's `1x` / `20e`.
  let sched = -1;
  for (let j = i; j < tokens.length; j++) {
    const t = tokens[j].text;
    if (SCHEDULE.test(t) || SCHEDULE_NO_LEN.test(t) || MISSPELLED.test(t) || MMDET_SCHEDULE.test(t)) {
      sched = j;
      break;
    }
  }
  const middle = tokens.slice(i, sched < 0 ? tokens.length : sched);
  const after = sched < 0 ? [] : tokens.slice(sched + 1);
  // Components, then optional norm and preprocessor.
  for (const t of middle) {
    if (NORMS.includes(t.text)) {
      parts.norm = t.text as FilenameParts['norm'];
      parts.spans.norm = span(t);
    } else if (t.text === 'fast') {
      parts.preprocessor = 'fast';
      parts.spans.preprocessor = span(t);
    } else {
      if (parts.norm || parts.preprocessor) {
        issues.push({
          rule: 'filename-separator',
          severity: 'warning',
          message: `'${t.text}' comes after the norm/preprocessor part; components go right after the algorithm (words inside a part are joined by '-')`,
          span: span(t),
        });
      }
      parts.components.push(t.text);
      parts.spans.components = [parts.spans.components?.[0] ?? t.start, t.start + t.text.length];
    }
  }
  const size = parts.components[0]?.split('-')[0];
  if (size && SIZES.includes(size)) parts.size = size;
  if (!parts.components.length) {
    issues.push({
      rule: 'filename-missing-part',
      severity: 'warning',
      message: 'missing the components part (model size such as n/s/m/l/x, or e.g. r50_fpn) after the algorithm',
      span: parts.spans.algorithm ?? [0, stem.length],
    });
  }
  if (sched < 0) {
    issues.push({
      rule: 'filename-missing-part',
      severity: 'warning',
      message: "missing the training part '{gpus}xb{batch}-{schedule}' (e.g. 8xb16-500e)",
      span: [0, stem.length],
    });
  } else {
    const t = tokens[sched];
    parts.spans.schedule = span(t);
    let m = SCHEDULE.exec(t.text);
    const mis = MISSPELLED.exec(t.text);
    if (mis) {
      const fixed = `${mis[1]}xb${mis[2]}${mis[3] ?? ''}`;
      issues.push({
        rule: 'filename-misspelling',
        severity: 'warning',
        message: `'${t.text}' should be written '${fixed}' ({gpus}xb{batch}: 'b' goes before the batch size)`,
        span: span(t),
        fix: `${stem.slice(0, t.start)}${fixed}${stem.slice(t.start + t.text.length)}.py`,
      });
      m = SCHEDULE.exec(fixed);
      if (!m) {
        parts.gpus = Number(mis[1]);
        parts.batch = Number(mis[2]);
      }
    }
    if (m) {
      parts.gpus = Number(m[1]);
      parts.batch = Number(m[2]);
      parts.schedule = `${m[3]}${m[4]}`;
      if (m[4] === 'e') parts.epochs = Number(m[3]);
      else parts.iters = Number(m[3]) * 1000;
    } else if (SCHEDULE_NO_LEN.test(t.text)) {
      const n = SCHEDULE_NO_LEN.exec(t.text)!;
      parts.gpus = Number(n[1]);
      parts.batch = Number(n[2]);
      const next = after[0]?.text;
      if (next && /^\d+[ek]$/.test(next)) {
        issues.push({
          rule: 'filename-separator',
          severity: 'warning',
          message: `the schedule joins the batch part with '-': '${t.text}-${next}', not '${t.text}_${next}'`,
          span: [t.start, after[0].start + next.length],
          fix: `${stem.slice(0, t.start)}${t.text}-${next}${stem.slice(after[0].start + next.length)}.py`,
        });
        parts.schedule = next;
        if (next.endsWith('e')) parts.epochs = Number(next.slice(0, -1));
        else parts.iters = Number(next.slice(0, -1)) * 1000;
        after.shift();
      } else if (!mis) {
        issues.push({
          rule: 'filename-missing-part',
          severity: 'warning',
          message: `'${t.text}' has no schedule: write '${t.text}-<N>e' (epochs) or '-<N>k' (iterations)`,
          span: span(t),
        });
      }
    } else if (!mis) {
      const mm = MMDET_SCHEDULE.exec(t.text)!;
      parts.schedule = t.text;
      parts.epochs = mm[1] ? Number(mm[1]) * 12 : Number(mm[2]);
    }
  }
  if (sched >= 0) {
    if (!after.length) {
      issues.push({
        rule: 'filename-missing-part',
        severity: 'warning',
        message: 'missing the training dataset part after the schedule (e.g. _coco)',
        span: parts.spans.schedule ?? [0, stem.length],
      });
    } else {
      parts.trainData = after[0].text;
      parts.spans.trainData = span(after[0]);
      if (after[1]) {
        parts.testData = after[1].text;
        parts.spans.testData = span(after[1]);
      }
      for (const t of after.slice(0, 2)) {
        if (!isKnownDataset(t.text)) {
          issues.push({
            rule: 'filename-unknown-token',
            severity: 'information',
            message: `'${t.text}' is not a dataset name YOLO Lab knows (fine for your own data)`,
            span: span(t),
          });
        }
      }
      for (const t of after.slice(2)) {
        issues.push({
          rule: 'filename-separator',
          severity: 'warning',
          message: `unexpected part '${t.text}' after the datasets; words inside a part are joined by '-'`,
          span: span(t),
        });
      }
    }
  }
  // A name that does not try the convention at all (unknown algorithm, no training
  // part) gets one note instead of a list of missing parts.
  if (parts.algorithm && !KNOWN_ALGORITHMS.includes(parts.algorithm) && sched < 0) {
    return {
      parts,
      issues: [
        {
          rule: 'filename-unknown-token',
          severity: 'information',
          message: `does not follow the OpenMMLab naming convention {algorithm}_{components}_..._{gpus}xb{batch}-{schedule}_{dataset}.py ('${parts.algorithm}' is not a known algorithm)`,
          span: [0, stem.length],
        },
      ],
    };
  }
  return { parts, issues };
}

/** Files under a `_base_/` folder are building blocks, not experiments: no naming rules. */
export function isFilenameExempt(filePath: string): boolean {
  return /(^|[\\/])_base_([\\/])/.test(filePath);
}
