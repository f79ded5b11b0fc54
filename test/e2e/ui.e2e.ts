// The real-editor test: drives VS Code (code-server) in Chromium like a user. Started by
// scripts/e2e/run.sh (npm run test:e2e), which provides E2E_PORT, E2E_WS and E2E_ART.
// The steps live in ui/*.steps.ts, one file per area, run in the order listed below; ui/driver.ts
// has what they share. A new area adds its file to `areas`.
import { chromium } from 'playwright-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Ui } from './ui/driver';
import { editorSteps } from './ui/editor.steps';
import { trainingSteps } from './ui/training.steps';

const areas: ((ui: Ui) => Promise<void>)[] = [editorSteps, trainingSteps];

const PORT = process.env.E2E_PORT;
const WS = process.env.E2E_WS;
const ART = process.env.E2E_ART ?? os.tmpdir();
if (!PORT || !WS) {
  console.error('ui.e2e.ts: run it through `npm run test:e2e` (scripts/e2e/run.sh), which starts code-server');
  process.exit(2);
}

const t0 = Date.now();
const lap = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const results: { name: string; ok: boolean; detail: string }[] = [];

async function step(name: string, fn: () => Promise<string | void>): Promise<boolean> {
  try {
    const detail = (await fn()) ?? '';
    results.push({ name, ok: true, detail });
    lap(`PASS ${name}${detail ? ': ' + detail : ''}`);
    return true;
  } catch (e) {
    const detail = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    results.push({ name, ok: false, detail });
    lap(`FAIL ${name}: ${detail}`);
    return false;
  }
}

(async () => {
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
    viewport: { width: 1600, height: 1000 },
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const external = new Set<string>();
  ctx.on('request', (r) => {
    const u = new URL(r.url());
    // Webview resources use a *.vscode-resource.vscode-cdn.net URL that the webview's service worker
    // answers from the local server; it never reaches the network
    if (u.hostname.endsWith('.vscode-resource.vscode-cdn.net')) return;
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:', 'vscode-webview:'].includes(u.protocol))
      external.add(r.url());
  });
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(t)) cspViolations.push(t.slice(0, 200));
  });
  const shot = async (name: string) => {
    const file = path.join(ART, name);
    await page.screenshot({ path: file }).catch(() => undefined);
    return file;
  };
  const ui: Ui = { page, ws: WS, art: ART, step, shot };

  try {
    const loaded = await step('workbench loads the fixture workspace', async () => {
      await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(WS)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90000 });
      await page
        .locator('.monaco-workbench')
        .click({ position: { x: 800, y: 500 } })
        .catch(() => undefined);
    });
    if (loaded) for (const area of areas) await area(ui);
  } finally {
    await shot('final.png');
    if (results.some((r) => !r.ok)) fs.writeFileSync(path.join(ART, 'dom.html'), await page.content().catch(() => ''));
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
    const failed = results.filter((r) => !r.ok);
    console.log(`external requests from the browser: ${external.size ? [...external].join(', ') : 'none'}`);
    if (cspViolations.length) console.log(`CSP violations:\n  ${cspViolations.join('\n  ')}`);
    lap(`${results.length - failed.length}/${results.length} steps passed`);
    process.exit(failed.length || external.size || cspViolations.length ? 1 : 0);
  }
})();
