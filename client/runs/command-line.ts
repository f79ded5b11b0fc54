// Builds the command line that starts one training run, for each runner the extension supports.
// Pure: no vscode import, so every runner's command line is unit-tested directly.
import * as path from 'node:path';

export type RunnerKind = 'builtin' | 'mmyolo';
export type Launcher = 'none' | 'pytorch' | 'slurm';

export interface TrainRequest {
  config: string; // absolute path of the config file
  workDir: string;
  amp: boolean;
  seed?: number;
  backend?: string; // builtin only: 'wasm' | 'cpu' | 'tensorflow' ...; undefined = the trainer's own choice
  resume?: string; // a checkpoint to continue from (both runners take `--resume CKPT`)
}

export interface BuiltinRunner {
  kind: 'builtin';
  node: string; // the node executable (in desktop VS Code: its Electron binary run as node)
  cli: string; // absolute path of bin/yololab.js
  cwd: string; // the workspace folder: configs name data relative to where training is started, as in MMYOLO
}

export interface MmyoloRunner {
  kind: 'mmyolo';
  python: string;
  root: string; // the MMYOLO checkout: tools/train.py lives there
  gpus: number;
  launcher: Launcher;
  partition?: string; // slurm only
  masterPort?: number; // torchrun only: distinct ports let several runs share a machine
}

export type Runner = BuiltinRunner | MmyoloRunner;

export interface CommandLine {
  command: string;
  args: string[];
  cwd: string;
  // Which signals stop this process gracefully; see stop.ts
  stopStyle: 'interrupt' | 'slurm';
  // What the stop signals make this runner do, said to the user when they press Stop
  stopNotice: string;
}

// The built-in trainer handles SIGINT (src/train/runner.ts): it finishes the step and saves.
const BUILTIN_STOP = 'the built-in trainer finishes its step, saves a checkpoint and exits';
// MMEngine installs no SIGINT handler: Python raises KeyboardInterrupt wherever the main process is
// (often mid-backward), the CheckpointHook never runs, and the dataloader workers get the signal too.
const MMENGINE_STOP =
  'MMEngine has no handler for it, so tools/train.py stops at once with a KeyboardInterrupt and saves nothing; what is on disk is what its CheckpointHook saved at the last interval';

export class RunnerSetupError extends Error {}

export function buildTrainCommand(runner: Runner, req: TrainRequest): CommandLine {
  if (req.seed !== undefined && (!Number.isInteger(req.seed) || req.seed < 0)) {
    throw new RunnerSetupError(`seed must be a non-negative integer, got ${req.seed}`);
  }
  return runner.kind === 'builtin' ? builtinCommand(runner, req) : mmyoloCommand(runner, req);
}

function builtinCommand(r: BuiltinRunner, req: TrainRequest): CommandLine {
  const args = [r.cli, 'train', req.config, '--work-dir', req.workDir];
  if (req.amp) args.push('--amp');
  if (req.seed !== undefined) args.push('--seed', String(req.seed));
  if (req.backend) args.push('--backend', req.backend);
  if (req.resume) args.push('--resume', req.resume);
  return { command: r.node, args, cwd: r.cwd, stopStyle: 'interrupt', stopNotice: `sending SIGINT: ${BUILTIN_STOP}` };
}

function mmyoloCommand(r: MmyoloRunner, req: TrainRequest): CommandLine {
  if (!r.root)
    throw new RunnerSetupError(
      'yololab.mmyolo.root is not set: point it at your MMYOLO checkout (the folder with tools/train.py)',
    );
  if (!Number.isInteger(r.gpus) || r.gpus < 1)
    throw new RunnerSetupError(`yololab.mmyolo.gpus must be a positive integer, got ${r.gpus}`);
  const trainPy = path.join('tools', 'train.py');
  // tools/train.py has no --seed: MMEngine reads the seed from the config's randomness dict
  const trainArgs = [req.config, '--work-dir', req.workDir];
  if (req.amp) trainArgs.push('--amp');
  if (req.resume) trainArgs.push('--resume', req.resume);
  // --cfg-options last: it takes every argument up to the next option
  if (req.seed !== undefined) trainArgs.push('--cfg-options', `randomness.seed=${req.seed}`);

  if (r.launcher === 'slurm') {
    if (!r.partition) throw new RunnerSetupError('yololab.mmyolo.partition is required with the slurm launcher');
    // Mirrors MMYOLO's tools/slurm_train.sh: one task per GPU, at most 8 per node
    const args = [
      '-p',
      r.partition,
      `--job-name=${path.basename(req.config, '.py')}`,
      `--gres=gpu:${Math.min(r.gpus, 8)}`,
      `--ntasks=${r.gpus}`,
      `--ntasks-per-node=${Math.min(r.gpus, 8)}`,
      '--cpus-per-task=5',
      '--kill-on-bad-exit=1',
      r.python,
      '-u',
      trainPy,
      ...trainArgs,
      '--launcher',
      'slurm',
    ];
    return {
      command: 'srun',
      args,
      cwd: r.root,
      stopStyle: 'slurm',
      stopNotice: `sending SIGINT twice (srun then cancels the job step): ${MMENGINE_STOP}`,
    };
  }
  if (r.launcher === 'pytorch' || r.gpus > 1) {
    const args = [`--nproc_per_node=${r.gpus}`];
    if (r.masterPort !== undefined) args.push(`--master_port=${r.masterPort}`);
    args.push(trainPy, ...trainArgs, '--launcher', 'pytorch');
    return {
      command: torchrunBeside(r.python),
      args,
      cwd: r.root,
      stopStyle: 'interrupt',
      stopNotice: `sending SIGINT to torchrun and its workers: ${MMENGINE_STOP}`,
    };
  }
  if (r.launcher !== 'none')
    throw new RunnerSetupError(`unknown yololab.mmyolo.launcher '${r.launcher}' (expected none, pytorch or slurm)`);
  return {
    command: r.python,
    args: [trainPy, ...trainArgs],
    cwd: r.root,
    stopStyle: 'interrupt',
    stopNotice: `sending SIGINT: ${MMENGINE_STOP}`,
  };
}

// torchrun is installed next to the python that has torch; a bare 'python' means PATH decides for both.
export function torchrunBeside(python: string): string {
  if (!python.includes('/') && !python.includes('\\')) return 'torchrun';
  return path.join(path.dirname(python), process.platform === 'win32' ? 'torchrun.exe' : 'torchrun');
}

// A shell-like rendering for the output channel, so users can copy the exact command.
export function renderCommandLine(c: { command: string; args: string[] }): string {
  return [c.command, ...c.args].map(shellQuote).join(' ');
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
