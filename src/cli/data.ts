// `yololab data make-demo|split|download`: dataset tools.
import { resolve } from 'node:path';
import { makeDemoDataset } from '../data/demo-dataset';
import { DataError } from '../data/errors';

export const summary = 'dataset tools: make-demo DIR, split DIR --val 0.2 --seed N, download voc2012|voc2007|coco2017 DIR';

const USAGE = `usage:
  yololab data make-demo DIR [--seed N] [--train N] [--val N] [--size PX]
  yololab data split DIR [--val 0.2] [--seed N] [--from trainval]
  yololab data download voc2012|voc2007|coco2017 DIR [--url-base URL]
`;

class UsageError extends Error {}

/** Splits argv into positionals and --key value / --key=value options. */
function parseArgs(argv: string[], known: string[]): { pos: string[]; opts: Record<string, string> } {
  const pos: string[] = [];
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      pos.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const key = a.slice(2, eq < 0 ? undefined : eq);
    if (!known.includes(key)) throw new UsageError(`unknown option --${key}`);
    if (eq >= 0) opts[key] = a.slice(eq + 1);
    else if (i + 1 < argv.length) opts[key] = argv[++i];
    else throw new UsageError(`--${key} needs a value`);
  }
  return { pos, opts };
}

function intOpt(opts: Record<string, string>, key: string, dflt: number, min = 0): number {
  if (opts[key] === undefined) return dflt;
  const v = Number(opts[key]);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`--${key} must be an integer >= ${min}, got '${opts[key]}'`);
  return v;
}

async function makeDemo(argv: string[]): Promise<number> {
  const { pos, opts } = parseArgs(argv, ['seed', 'train', 'val', 'size']);
  if (pos.length !== 1) throw new UsageError('make-demo takes one DIR');
  const t0 = Date.now();
  const dir = resolve(pos[0]);
  const r = await makeDemoDataset(dir, {
    seed: intOpt(opts, 'seed', 0),
    train: intOpt(opts, 'train', 240),
    val: intOpt(opts, 'val', 60),
    size: intOpt(opts, 'size', 160, 32),
  });
  process.stdout.write(
    `wrote ${r.train} train + ${r.val} val images (${r.classes.join(', ')}) to ${dir}/VOC2007 in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

async function split(argv: string[]): Promise<number> {
  const { pos, opts } = parseArgs(argv, ['val', 'seed', 'from']);
  if (pos.length !== 1) throw new UsageError('split takes one DIR');
  const val = opts.val === undefined ? 0.2 : Number(opts.val);
  if (!(val >= 0 && val < 1) && !(Number.isInteger(val) && val >= 1)) {
    throw new UsageError(`--val must be a fraction in [0,1) or a count, got '${opts.val}'`);
  }
  const { splitVocDataset } = await import('../data/split');
  const r = await splitVocDataset(resolve(pos[0]), { val, seed: intOpt(opts, 'seed', 0), from: opts.from });
  process.stdout.write(`${r.dir}: ${r.train} train, ${r.val} val (from ${r.source})\n`);
  for (const w of r.warnings) process.stderr.write(w + '\n');
  return 0;
}

async function download(argv: string[]): Promise<number> {
  const { pos, opts } = parseArgs(argv, ['url-base']);
  if (pos.length !== 2) throw new UsageError('download takes a dataset name and a DIR');
  const { downloadDataset } = await import('../data/download');
  await downloadDataset(pos[0], resolve(pos[1]), { urlBase: opts['url-base'], log: (s) => process.stderr.write(s + '\n') });
  return 0;
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    switch (sub) {
      case 'make-demo':
        return await makeDemo(rest);
      case 'split':
        return await split(rest);
      case 'download':
        return await download(rest);
      case undefined:
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return sub ? 0 : 2;
      default:
        throw new UsageError(`unknown subcommand '${sub}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`yololab data: ${e.message}\n${USAGE}`);
      return 2;
    }
    if (e instanceof DataError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException)?.code;
    if (code && (e as NodeJS.ErrnoException).path) {
      process.stderr.write(`${(e as NodeJS.ErrnoException).path}: error: ${code}\n`);
      return 1;
    }
    throw e;
  }
}
