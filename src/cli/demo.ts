// yololab demo (npm run demo): generate data/demo if absent, train configs/demo/*.py,
// report the val mAP and where the curves and checkpoints are.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { intValue, parseArgs, UsageError } from './args';
import { errorLine } from './error-line';
import { stopOnSigint } from './stop-on-sigint';

export const summary = 'generate the demo shapes dataset (if absent) and train the demo config on it';

const usage =
  'usage: yololab demo [--data DIR] [--work-dir DIR] [--seed N] [--backend NAME] [--cfg-options KEY=VALUE ...]';

export async function run(argv: string[]): Promise<number> {
  try {
    const p = parseArgs(argv, {
      values: ['data', 'work-dir', 'seed', 'backend', 'max-iters'],
      flags: ['help'],
      lists: ['cfg-options'],
    });
    if (p.flags.has('help')) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (p.positional.length) throw new UsageError(usage);
    const configDir = resolve('configs', 'demo');
    const configs = existsSync(configDir) ? readdirSync(configDir).filter((f) => f.endsWith('.py')) : [];
    if (configs.length !== 1)
      throw new Error(
        `expected exactly one demo config in ${configDir}, found ${configs.length} (run from the repository root)`,
      );
    const config = join(configDir, configs[0]);
    const dataDir = p.values.get('data') ?? 'data/demo';
    const cfgOptions = [...(p.lists.get('cfg-options') ?? [])];
    if (p.values.get('data'))
      cfgOptions.push(
        `train_dataloader.dataset.data_root=${dataDir}/`,
        `val_dataloader.dataset.data_root=${dataDir}/`,
        `test_dataloader.dataset.data_root=${dataDir}/`,
      );
    if (!existsSync(join(dataDir, 'VOC2007', 'ImageSets', 'Main', 'train.txt'))) {
      process.stdout.write(`demo: generating the shapes dataset in ${resolve(dataDir)} ...\n`);
      const { makeDemoDataset } = await import('../data/demo-dataset');
      const r = await makeDemoDataset(dataDir);
      process.stdout.write(`demo: ${r.train} train / ${r.val} val images, classes ${r.classes.join(', ')}\n`);
    }
    const { train } = await import('../train/runner');
    const t0 = Date.now();
    const workDir = p.values.get('work-dir') ?? join('work_dirs', 'demo');
    const stop = stopOnSigint();
    const r = await train({
      config,
      workDir,
      seed: intValue(p, 'seed'),
      backend: p.values.get('backend'),
      cfgOptions,
      maxIters: intValue(p, 'max-iters', 1),
      signal: stop.signal,
    }).finally(stop.dispose);
    const minutes = ((Date.now() - t0) / 60000).toFixed(1);
    const map = r.metrics['pascal_voc/mAP'];
    process.stdout.write(
      [
        '',
        `demo finished in ${minutes} min${map !== undefined ? `: val mAP@0.5 = ${map.toFixed(3)}` : ''}`,
        `  curves (MMEngine scalars.json): ${r.runDir}/vis_data/scalars.json`,
        `  log: ${r.runDir}`,
        `  checkpoints: ${r.workDir}${r.bestCheckpoint ? ` (best: ${r.bestCheckpoint})` : ''}`,
        `  evaluate: npx yololab test ${config} ${r.bestCheckpoint ?? r.lastCheckpoint ?? '<checkpoint>'} --show-dir ${join(r.workDir, 'show')}`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (e) {
    process.stderr.write(errorLine('demo', e) + '\n');
    if (process.env.YOLOLAB_DEBUG) process.stderr.write(String((e as Error)?.stack) + '\n');
    return e instanceof UsageError ? 2 : 1;
  }
}
