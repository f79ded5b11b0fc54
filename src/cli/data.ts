// `yololab data make-demo|split|download`: dataset tools.
import { resolve } from 'node:path';
import { makeDemoDataset } from '../data/demo-dataset';
import { DataError } from '../data/errors';
import { intValue, parseArgs, ParsedArgs, UsageError } from './args';

export const summary =
  'dataset tools: make-demo DIR, split DIR --val 0.2 --seed N, download voc2012|voc2007|coco2017 DIR';

const USAGE = `usage:
  yololab data make-demo DIR [--seed N] [--train N] [--val N] [--size PX]
  yololab data split DIR [--val 0.2] [--seed N] [--from trainval]
  yololab data download voc2012|voc2007|coco2017 DIR [--url-base URL]
`;

/** An integer option with a default, checked against `min`. */
function intOpt(a: ParsedArgs, key: string, dflt: number, min = 0): number {
  return intValue(a, key, min) ?? dflt;
}

async function makeDemo(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { values: ['seed', 'train', 'val', 'size'] });
  if (a.positional.length !== 1) throw new UsageError('make-demo takes one DIR');
  const t0 = Date.now();
  const dir = resolve(a.positional[0]);
  const r = await makeDemoDataset(dir, {
    seed: intOpt(a, 'seed', 0),
    train: intOpt(a, 'train', 240),
    val: intOpt(a, 'val', 60),
    size: intOpt(a, 'size', 160, 32),
  });
  process.stdout.write(
    `wrote ${r.train} train + ${r.val} val images (${r.classes.join(', ')}) to ${dir}/VOC2007 in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`,
  );
  return 0;
}

async function split(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { values: ['val', 'seed', 'from'] });
  if (a.positional.length !== 1) throw new UsageError('split takes one DIR');
  const given = a.values.get('val');
  const val = given === undefined ? 0.2 : Number(given);
  if (!(val >= 0 && val < 1) && !(Number.isInteger(val) && val >= 1)) {
    throw new UsageError(`--val must be a fraction in [0,1) or a count, got '${given}'`);
  }
  const { splitVocDataset } = await import('../data/split');
  const r = await splitVocDataset(resolve(a.positional[0]), {
    val,
    seed: intOpt(a, 'seed', 0),
    from: a.values.get('from'),
  });
  process.stdout.write(`${r.dir}: ${r.train} train, ${r.val} val (from ${r.source})\n`);
  for (const w of r.warnings) process.stderr.write(w + '\n');
  return 0;
}

async function download(argv: string[]): Promise<number> {
  const a = parseArgs(argv, { values: ['url-base'] });
  if (a.positional.length !== 2) throw new UsageError('download takes a dataset name and a DIR');
  const { downloadDataset } = await import('../data/download');
  await downloadDataset(a.positional[0], resolve(a.positional[1]), {
    urlBase: a.values.get('url-base'),
    log: (s) => process.stderr.write(s + '\n'),
  });
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
