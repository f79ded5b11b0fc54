// yololab test CONFIG CHECKPOINT [--tta] [--show-dir DIR] [--work-dir DIR] [--backend NAME] [--cfg-options ...]
import { numberValue, parseArgs, UsageError } from './args';
import { errorLine } from './error-line';

export const summary = "evaluate a checkpoint on the config's test set (mAP), optionally with TTA and drawn boxes";

const usage =
  'usage: yololab test CONFIG CHECKPOINT [--tta] [--show-dir DIR] [--work-dir DIR] [--backend NAME] [--cfg-options KEY=VALUE ...]';

export async function run(argv: string[]): Promise<number> {
  try {
    const p = parseArgs(argv, {
      values: ['show-dir', 'work-dir', 'backend', 'score-thr'],
      flags: ['tta', 'help'],
      lists: ['cfg-options'],
    });
    if (p.flags.has('help')) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (p.positional.length !== 2) throw new UsageError(usage);
    const { runTest } = await import('../train/test-run');
    await runTest({
      config: p.positional[0],
      checkpoint: p.positional[1],
      tta: p.flags.has('tta'),
      showDir: p.values.get('show-dir'),
      workDir: p.values.get('work-dir'),
      backend: p.values.get('backend'),
      cfgOptions: p.lists.get('cfg-options') ?? [],
      scoreThr: numberValue(p, 'score-thr'),
    });
    return 0;
  } catch (e) {
    process.stderr.write(errorLine('test', e) + '\n');
    if (process.env.YOLOLAB_DEBUG) process.stderr.write(String((e as Error)?.stack) + '\n');
    return e instanceof UsageError ? 2 : 1;
  }
}
