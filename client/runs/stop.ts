// Stops a training process the way a user at a terminal would: Ctrl-C first, and only after a grace
// period a hard kill. What Ctrl-C saves is the trainer's business: the built-in trainer finishes its
// step and writes a checkpoint; MMEngine's tools/train.py has no handler and stops at once, saving
// nothing (each runner's stopNotice in command-line.ts tells the user which). Signals go to the whole
// process group, so torchrun's workers and srun's tasks get them too.

export type StopStyle = 'interrupt' | 'slurm';
export type StopOutcome = 'already-exited' | 'graceful' | 'killed';

export interface Stoppable {
  pid: number | undefined;
  exited: Promise<unknown>; // settles when the process has exited
  hasExited(): boolean;
}

export interface StopStep {
  signal: NodeJS.Signals;
  afterMs: number; // delay after the previous step
}

// srun treats one SIGINT as "report status"; a second within a second cancels the job step.
export function stopSteps(style: StopStyle, graceMs: number): StopStep[] {
  const steps: StopStep[] = [{ signal: 'SIGINT', afterMs: 0 }];
  if (style === 'slurm') steps.push({ signal: 'SIGINT', afterMs: 300 });
  steps.push({ signal: 'SIGKILL', afterMs: graceMs });
  return steps;
}

export type SignalSender = (pid: number, signal: NodeJS.Signals) => void;

// Signal the group (-pid) when the child leads one (spawned detached), else the process itself.
export const signalGroup: SignalSender = (pid, signal) => {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
};

export async function stopProcess(
  proc: Stoppable,
  style: StopStyle,
  graceMs: number,
  send: SignalSender = signalGroup,
  onStep?: (step: StopStep) => void,
): Promise<StopOutcome> {
  if (proc.pid === undefined || proc.hasExited()) return 'already-exited';
  const exited = proc.exited.then(() => true as const);
  for (const step of stopSteps(style, graceMs)) {
    if (step.afterMs > 0) {
      const done = await Promise.race([exited, delay(step.afterMs).then(() => false as const)]);
      if (done) return 'graceful';
    }
    if (proc.hasExited()) return 'graceful';
    onStep?.(step);
    send(proc.pid, step.signal);
    if (step.signal === 'SIGKILL') {
      await exited;
      return 'killed';
    }
  }
  await exited;
  return 'graceful';
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    t.unref?.();
  });
}
