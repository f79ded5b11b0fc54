// yololab train CONFIG [--work-dir DIR] [--seed N] [--resume [CKPT]] [--cfg-options K=V ...] [--amp] [--backend NAME]
import { intValue, parseArgs, UsageError } from './args';
import { errorLine } from './error-line';
import { stopOnSigint } from './stop-on-sigint';

export const summary = 'train a detector from a config with the built-in TensorFlow.js trainer';

const usage =
  'usage: yololab train CONFIG [--work-dir DIR] [--seed N] [--resume [CKPT]] [--cfg-options KEY=VALUE ...] [--amp] [--backend tensorflow-gpu|tensorflow|wasm|cpu] [--max-iters N]';

export async function run(argv: string[]): Promise<number> {
  try {
    const p = parseArgs(argv, {
      values: ['work-dir', 'seed', 'backend', 'max-iters'],
      flags: ['amp', 'help'],
      optional: ['resume'],
      lists: ['cfg-options'],
      positionals: 1,
    });
    if (p.flags.has('help')) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(usage);
    const resume = p.values.get('resume');
    const { train } = await import('../train/runner');
    const stop = stopOnSigint();
    const r = await train({
      signal: stop.signal,
      config: p.positional[0],
      workDir: p.values.get('work-dir'),
      seed: intValue(p, 'seed'),
      resume: resume === '' ? true : resume,
      cfgOptions: p.lists.get('cfg-options') ?? [],
      amp: p.flags.has('amp'),
      backend: p.values.get('backend'),
      maxIters: intValue(p, 'max-iters', 1),
    }).finally(stop.dispose);
    if (r.interrupted)
      process.stdout.write(
        `interrupted; resume with: yololab train ${p.positional[0]} --resume ${r.lastCheckpoint ?? ''}\n`,
      );
    return 0;
  } catch (e) {
    process.stderr.write(errorLine('train', e) + '\n');
    if (process.env.YOLOLAB_DEBUG) process.stderr.write(String((e as Error)?.stack) + '\n');
    return e instanceof UsageError ? 2 : 1;
  }
}
