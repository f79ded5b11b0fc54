// Extension-host test suite: runs inside VS Code with the same `run()` contract as @vscode/test-electron's
// extensionTestsPath, so one suite serves both launchers (electron/run.ts where VS Code can be downloaded,
// scripts/e2e/run.sh's code-server route here). A tiny sequential runner instead of mocha: no extra dependency.
import { checks as trustedChecks, untrustedChecks } from './extension.checks';

export async function run(): Promise<void> {
  // scripts/e2e/run.sh's part C opens the workspace without trusting it
  const checks = process.env.YOLOLAB_E2E_UNTRUSTED === '1' ? untrustedChecks : trustedChecks;
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
