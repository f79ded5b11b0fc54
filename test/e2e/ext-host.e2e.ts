// Runs the extension-host suite (test/e2e/suite) inside code-server: the workbench is opened with the
// repository as extensionDevelopmentPath and the bundled suite as extensionTestsPath; VS Code reports
// the suite's result through window.codeAutomationExit. Started by scripts/e2e/run.sh.
import { chromium } from 'playwright-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';

const PORT = process.env.E2E_PORT;
const WS = process.env.E2E_WS;
const ROOT = path.resolve(__dirname, '../..');
if (!PORT || !WS) {
  console.error('ext-host.e2e.ts: run it through `npm run test:e2e` (scripts/e2e/run.sh), which starts code-server');
  process.exit(2);
}

(async () => {
  const t0 = Date.now();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  let done: (code: unknown) => void = () => {};
  const exited = new Promise((r) => (done = r));
  await page.exposeFunction('codeAutomationExit', (code: unknown) => done(code));
  // In development mode the extension host's console reaches the page as ('%c INFO', 'color: …', fmt, ...args)
  page.on('console', async (m) => {
    const a = await Promise.all(m.args().map((h) => h.jsonValue().catch(() => '?')));
    if (/^%c\s*(INFO|WARN|ERR)/.test(String(a[0])) && a.length > 2) {
      const line = format(...(a.slice(2) as [unknown, ...unknown[]]));
      if (/^\s*[✔✖]|passing|failing/.test(line)) console.log(line);
    }
  });
  const remote = (p: string) => `vscode-remote://127.0.0.1:${PORT}${p}`;
  const payload = JSON.stringify([
    ['extensionDevelopmentPath', remote(ROOT)],
    ['extensionTestsPath', remote(path.join(ROOT, '.vscode-test/suite/index.js'))],
  ]);
  await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(WS)}&payload=${encodeURIComponent(payload)}`);
  const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('timeout after 300 s'), 300000))]);
  console.log(`extension-host suite exit code: ${code} after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
  process.exit(code === 0 ? 0 : 1);
})();
