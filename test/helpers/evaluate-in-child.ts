// Evaluates an expression in a fresh node process with a hard timeout. For calls that could block
// the thread for good (a blocking open of a FIFO): in the test runner's own process that would hang
// the whole run; here it is a failed test.
import { spawnSync } from 'node:child_process';

/**
 * The JSON value of `expression`, evaluated with tsx loaded, so it may `require()` TypeScript
 * modules by absolute path. Throws when it does not finish within `timeoutMs` or fails.
 */
export function evaluateInChild(expression: string, timeoutMs = 10_000): unknown {
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '-e', `process.stdout.write(JSON.stringify(${expression}))`],
    { encoding: 'utf8', timeout: timeoutMs },
  );
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT')
    throw new Error(`still running after ${timeoutMs / 1000} s (blocked?): ${expression}`);
  if (r.status !== 0) throw new Error(`failed (${r.status ?? r.signal}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}
