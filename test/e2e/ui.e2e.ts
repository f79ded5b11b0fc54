// The real-editor test: drives VS Code (code-server) in Chromium like a user. Started by
// scripts/e2e/run.sh (npm run test:e2e), which provides E2E_PORT, E2E_WS and E2E_ART.
// Every wait polls for UI state with a bound; there are no fixed sleeps.
import { chromium, Page, FrameLocator } from 'playwright-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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

// Polls fn until it returns a truthy value; the last value is in the error when it never does.
async function poll<T>(what: string, fn: () => Promise<T>, ms = 30000, every = 250): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await fn().catch(() => undefined);
    if (last) return last as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000}s waiting for ${what}${last !== undefined ? ` (last: ${JSON.stringify(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

// Keyboard shortcuts typed while a webview has focus go to its iframe, and a quick input opened then
// may close again on blur: put the focus in the first editor first, and retry the whole gesture.
async function focusWorkbench(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.editor-group-container').first().locator('.view-lines').first().click({ position: { x: 5, y: 5 }, timeout: 5000 }).catch(() => undefined);
}

async function withQuickInput(page: Page, open: () => Promise<void>, text: string, pick: string | RegExp): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await focusWorkbench(page);
      await open();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ timeout: 10000 });
      await input.fill(text, { timeout: 5000 });
      await page.locator('.quick-input-list .monaco-list-row', { hasText: pick }).first().waitFor({ timeout: 15000 });
      await page.keyboard.press('Enter');
      return;
    } catch (e) {
      if (attempt === 3) throw e;
    }
  }
}

async function openFile(page: Page, rel: string, expectText: string): Promise<void> {
  await withQuickInput(page, () => page.keyboard.press('Control+P'), rel, path.basename(rel));
  await page.locator('.editor-instance .view-lines', { hasText: expectText }).first().waitFor({ timeout: 30000 });
}

async function runCommand(page: Page, title: string): Promise<void> {
  await withQuickInput(page, () => page.keyboard.press('F1'), '>' + title, title);
}

async function hoverText(page: Page, word: RegExp, want: (t: string) => boolean): Promise<string> {
  const target = page.locator('.editor-instance.active .view-line span, .editor-group-container.active .view-line span', { hasText: word }).first();
  return poll(
    `a hover matching on ${word}`,
    async () => {
      await page.mouse.move(5, 5);
      await target.hover();
      const t = (await page.locator('.monaco-hover .hover-contents').allInnerTexts()).join(' | ');
      return want(t) ? t : '';
    },
    45000,
    700,
  );
}

function metricsFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'yololab-chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1600, height: 1000 },
  });
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  const external = new Set<string>();
  ctx.on('request', (r) => {
    const u = new URL(r.url());
    // Webview resources use a *.vscode-resource.vscode-cdn.net URL that the webview's service worker
    // answers from the local server; it never reaches the network
    if (u.hostname.endsWith('.vscode-resource.vscode-cdn.net')) return;
    if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:', 'vscode-webview:'].includes(u.protocol)) external.add(r.url());
  });
  const cspViolations: string[] = [];
  page.on('console', (m) => {
    const t = m.text();
    if (/Content Security Policy|Refused to (load|execute|apply)/i.test(t)) cspViolations.push(t.slice(0, 200));
  });
  const shot = (name: string) => page.screenshot({ path: path.join(ART, name) }).catch(() => undefined);

  try {
    await step('workbench loads the fixture workspace', async () => {
      await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(WS)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90000 });
      await page.locator('.monaco-workbench').click({ position: { x: 800, y: 500 } }).catch(() => undefined);
    });

    await step('hover a key of the child config shows the value inherited from its base', async () => {
      await openFile(page, 'configs/e2e/tiny_child.py', 'widen_factor');
      await poll('the Python language mode', async () => (await page.locator('.statusbar-item', { hasText: 'Python' }).count()) > 0, 30000);
      // `backbone` is set in the child with widen_factor only; deepen_factor=0.33 comes from tiny_base.py
      const t = await hoverText(page, /^backbone$/, (s) => s.includes('0.33'));
      await shot('hover.png');
      return JSON.stringify(t.slice(0, 160));
    });

    await step('Show Merged Config opens a read-only preview with the inherited and overridden values', async () => {
      await runCommand(page, 'YOLO Lab: Show Merged Config');
      const tab = page.locator('.tab', { hasText: 'tiny_child (merged)' }).first();
      await tab.waitFor({ timeout: 30000 });
      const text = await poll('merged text in the preview', async () => {
        const t = (await page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: '(merged)' }) }).locator('.view-lines').allInnerTexts()).join('\n');
        const flat = t.replace(/\u00a0/g, ' ');
        return /deepen_factor\s*=\s*0\.33/.test(flat) && /widen_factor\s*=\s*0\.5/.test(flat) ? flat : '';
      });
      await shot('merged-preview.png');
      return `${text.split('\n').length} lines visible`;
    });

    await step('the preview follows unsaved edits of the config', async () => {
      await page.locator('.tab', { hasText: 'tiny_child.py' }).first().click();
      await page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: 'tiny_child.py' }) }).locator('.view-lines').click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('max_epochs = 7\n');
      const line = await poll('max_epochs = 7 in the preview', async () => {
        const t = (await page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: '(merged)' }) }).locator('.view-lines').allInnerTexts()).join('\n');
        return /max_epochs\s*=\s*7\b/.test(t.replace(/\u00a0/g, ' ')) ? 'max_epochs = 7' : '';
      });
      return `${line} shown before saving`;
    });

    const started = await step('Start Training from the palette (defaults in every quick pick)', async () => {
      await openFile(page, 'configs/e2e/train_tiny.py', 'max_epochs');
      await runCommand(page, 'YOLO Lab: Start Training');
      for (let i = 1; i <= 4; i++) {
        await page.locator('.quick-input-widget', { hasText: `(${i}/4)` }).waitFor({ timeout: 15000 });
        await page.keyboard.press('Enter');
      }
      await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().waitFor({ timeout: 30000 });
      return await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().innerText();
    });

    if (started) {
      await step('the metrics webview draws the loss curve while training runs', async () => {
        const frame = metricsFrame(page);
        const points = await poll(
          'loss points in the webview',
          // three logged iterations make a curve, not a dot
          async () => {
            const n = Number(await frame.locator('section.chart[data-scalar="loss"]').getAttribute('data-points', { timeout: 1000 }));
            return n >= 3 ? n : 0;
          },
          240000,
          1000,
        );
        const charts = await frame.locator('section.chart').count();
        await shot('metrics-live.png');
        const status = await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().innerText();
        return `${points} loss points, ${charts} charts; status bar: ${status.replace(/\s+/g, ' ')}`;
      });

      await step('PNG export of a chart writes an image through the save dialog', async () => {
        await metricsFrame(page).locator('section.chart[data-scalar="loss"] button').click();
        // code-server's save dialog is a quick input prefilled with WORKSPACE/loss.png
        const input = page.locator('.quick-input-widget input');
        await poll('the save dialog', async () => /loss\.png$/.test(await input.inputValue({ timeout: 1000 })), 15000);
        await page.keyboard.press('Enter');
        const file = path.join(WS, 'loss.png');
        const size = await poll('loss.png on disk', async () => (fs.existsSync(file) ? fs.statSync(file).size : 0), 15000);
        const magic = fs.readFileSync(file).subarray(1, 4).toString('ascii');
        if (magic !== 'PNG') throw new Error(`loss.png is not a PNG (starts with ${magic})`);
        return `${size} bytes`;
      });

      await step('closing the metrics panel loses nothing: reopened, it shows the whole run so far', async () => {
        const frame = metricsFrame(page);
        const before = Number(await frame.locator('section.chart[data-scalar="loss"]').getAttribute('data-points'));
        const tab = page.locator('.tab', { hasText: 'YOLO Lab Metrics' });
        await tab.click();
        await tab.hover();
        await tab.locator('.tab-actions .action-label').first().click();
        await poll('the panel to close', async () => (await page.locator('.tab', { hasText: 'YOLO Lab Metrics' }).count()) === 0, 15000);
        await runCommand(page, 'YOLO Lab: Show Training Metrics');
        const after = await poll('the loss curve in the reopened panel', async () => {
          const n = Number(await metricsFrame(page).locator('section.chart[data-scalar="loss"]').getAttribute('data-points', { timeout: 1000 }));
          return n >= before ? n : 0;
        });
        return `${before} points before closing, ${after} after reopening`;
      });

      await step('Stop Training stops the run gracefully', async () => {
        await runCommand(page, 'YOLO Lab: Stop Training');
        const note = await poll(
          'the stop notification',
          async () => (await page.locator('.notifications-toasts .notification-toast', { hasText: /train_tiny (stopped|did not stop)/ }).allInnerTexts()).join(' '),
          60000,
        );
        await poll('the status bar to leave the running state', async () => !(await page.locator('.statusbar-item .codicon-sync').count()), 30000);
        await shot('stopped.png');
        if (/did not stop/.test(note)) throw new Error('the trainer had to be killed: ' + note);
        const status = await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().innerText();
        return `${note.replace(/\s+/g, ' ')}; status bar: ${status.trim()}`;
      });

      // Left running on purpose: scripts/e2e/run.sh then closes code-server and checks the process is gone
      await step('a second training is running when the editor is closed', async () => {
        await openFile(page, 'configs/e2e/train_tiny.py', 'max_epochs');
        await runCommand(page, 'YOLO Lab: Start Training');
        for (let i = 1; i <= 4; i++) {
          await page.locator('.quick-input-widget', { hasText: `(${i}/4)` }).waitFor({ timeout: 15000 });
          await page.keyboard.press('Enter');
        }
        await page.locator('.statusbar-item .codicon-sync').first().waitFor({ timeout: 30000 });
        const frame = metricsFrame(page);
        const runs = await poll('two runs listed in the webview', async () => ((await frame.locator('#runs label').count()) >= 2 ? await frame.locator('#runs').innerText() : ''), 60000);
        await shot('two-runs.png');
        // the run toggles overlay and hide runs: unticking the stopped run drops its points from the loss chart
        const loss = frame.locator('section.chart[data-scalar="loss"]');
        const before = Number(await loss.getAttribute('data-points'));
        await frame.locator('#runs label').first().locator('input').uncheck();
        const after = await poll('fewer loss points with the first run hidden', async () => {
          const n = Number(await loss.getAttribute('data-points'));
          return n < before ? String(n) : '';
        }, 10000);
        await frame.locator('#runs label').first().locator('input').check();
        return `${runs.replace(/\s+/g, ' ')}; loss points ${before} -> ${after} with the first run hidden`;
      });

      await step('Open Run… adds a run made by real MMYOLO, with its COCO mAP per epoch', async () => {
        await runCommand(page, 'YOLO Lab: Open Run…');
        const row = page.locator('.quick-input-list .monaco-list-row', { hasText: '20230115_093012' }).first();
        await row.waitFor({ timeout: 15000 });
        await row.click();
        const frame = metricsFrame(page);
        const map = frame.locator('section.chart[data-scalar="coco/bbox_mAP"]');
        const n = await poll('the mAP chart', async () => Number(await map.getAttribute('data-points', { timeout: 1000 })), 30000);
        const title = await map.locator('header span').innerText();
        await map.scrollIntoViewIfNeeded();
        await shot('mmyolo-run.png');
        return `${title}: ${n} points; charts: ${await frame.locator('section.chart').count()}`;
      });
    }
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
