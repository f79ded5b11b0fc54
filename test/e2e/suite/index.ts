// Extension-host test suite: runs inside VS Code with the same `run()` contract as @vscode/test-electron's
// extensionTestsPath, so one suite serves both launchers (electron.ts where VS Code can be downloaded,
// scripts/e2e/run.sh's code-server route here). A tiny sequential runner instead of mocha: no extra dependency.
// Each *.checks.ts exports `checks` (trusted workspace, run in order) and may export `untrustedChecks`
// (Restricted Mode, scripts/e2e/run.sh's part C). A new area adds its file to this list.
import * as core from './extension.checks';
import * as training from './training.checks';
import type { Check } from './helpers';

const areas: { checks: Check[]; untrustedChecks?: Check[] }[] = [core, training];

export async function run(): Promise<void> {
  const untrusted = process.env.YOLOLAB_E2E_UNTRUSTED === '1';
  const checks = areas.flatMap((a) => (untrusted ? (a.untrustedChecks ?? []) : a.checks));
  let failed = 0;
  for (const [name, fn] of checks) {
    const t = Date.now();
    try {
      const detail = await fn();
      console.log(`  ✔ ${name} (${Date.now() - t} ms)${detail ? ': ' + detail : ''}`);
    } catch (e) {
      failed++;
      console.log(`  ✖ ${name} (${Date.now() - t} ms): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  console.log(`${checks.length - failed} passing, ${failed} failing`);
  if (failed) throw new Error(`${failed} extension-host check(s) failed`);
}
