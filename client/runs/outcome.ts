// How a training run ended, in the words the status bar, the output channel, the notification and
// the metrics view all use. A run the user stopped is "stopped" whatever the runner's exit convention
// (the built-in trainer exits 0 after its checkpoint; Python re-raises SIGINT after a KeyboardInterrupt
// and so ends by signal); a run that ended on its own with anything but 0 is "failed", with the reason.

export type RunOutcome =
  | { kind: 'done' }
  | { kind: 'stopped'; killed: boolean } // killed: it ignored Ctrl-C for the grace period
  | { kind: 'failed'; code: number | null; signal: NodeJS.Signals | null };

export interface StopRecord {
  requested: boolean; // the user (or the editor closing) asked the run to stop
  killed: boolean; // the grace period ran out and it got SIGKILL
}

export function runOutcome(code: number | null, signal: NodeJS.Signals | null, stop: StopRecord): RunOutcome {
  if (stop.requested) return { kind: 'stopped', killed: stop.killed };
  if (code === 0 && !signal) return { kind: 'done' };
  return { kind: 'failed', code, signal };
}

// 'done', 'stopped', 'stopped (killed)', 'failed (exit 1)', 'failed (SIGSEGV)'
export function outcomeText(o: RunOutcome): string {
  switch (o.kind) {
    case 'done':
      return 'done';
    case 'stopped':
      return o.killed ? 'stopped (killed)' : 'stopped';
    case 'failed':
      return `failed (${o.signal ?? `exit ${o.code}`})`;
  }
}

// The line the output channel gets when the process has gone.
export function outcomeLogLine(o: RunOutcome, code: number | null, signal: NodeJS.Signals | null): string {
  const how = signal ? `ended by ${signal}` : `exited with code ${code}`;
  switch (o.kind) {
    case 'done':
      return `training finished (${how})`;
    case 'stopped':
      return o.killed
        ? `training stopped: it did not stop in time and was killed (${how})`
        : `training stopped by the user (the process ${how})`;
    case 'failed':
      return `training failed: the process ${how}`;
  }
}
