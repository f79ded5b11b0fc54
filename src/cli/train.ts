// yololab train CONFIG [--work-dir DIR] [--seed N] [--resume [CKPT]] [--cfg-options K=V ...] [--amp] [--backend NAME]
import { errorLine, intFlag, parseArgs, strFlag, UsageError } from '../train/cli-args';
import { stopOnSigint } from './stop-on-sigint';

export const summary = 'train a detector from a config with the built-in TensorFlow.js trainer';

const usage = 'usage: yololab train CONFIG [--work-dir DIR] [--seed N] [--resume [CKPT]] [--cfg-options KEY=VALUE ...] [--amp] [--backend tensorflow-gpu|tensorflow|wasm|cpu] [--max-iters N]';

export async function run(argv: string[]): Promise<number> {
  try {
    const p = parseArgs(argv, ['work-dir', 'seed', 'backend', 'max-iters'], ['amp', 'help'], ['resume']);
    if (p.flags.has('help')) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (p.positional.length !== 1) throw new UsageError(usage);
    const { train } = await import('../train/runner');
    const stop = stopOnSigint();
    const r = await train({
      signal: stop.signal,
      config: p.positional[0],
      workDir: strFlag(p, 'work-dir'),
      seed: intFlag(p, 'seed'),
      resume: p.flags.get('resume') as string | true | undefined,
      cfgOptions: p.cfgOptions,
      amp: p.flags.has('amp'),
      backend: strFlag(p, 'backend'),
      maxIters: intFlag(p, 'max-iters'),
    }).finally(stop.dispose);
    if (r.interrupted) process.stdout.write(`interrupted; resume with: yololab train ${p.positional[0]} --resume ${r.lastCheckpoint ?? ''}\n`);
    return 0;
  } catch (e) {
    process.stderr.write(errorLine('train', e) + '\n');
    if (process.env.YOLOLAB_DEBUG) process.stderr.write(String((e as Error)?.stack) + '\n');
    return e instanceof UsageError ? 2 : 1;
  }
}
