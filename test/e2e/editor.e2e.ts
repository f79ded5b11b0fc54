// The real-editor test of the editor features on an MMYOLO-like checkout (part D of
// scripts/e2e/run.sh): the packaged extension in code-server, driven in Chromium like a user.
// The workspace is test/fixtures/workspace-checkout (a package `mmyolo/` beside `configs/`,
// metafile, READMEs, a project config using `mmyolo::`) with the configs of
// test/fixtures/workspace-traps added. Each step leaves a screenshot in E2E_ART (editor-*.png).
// Every wait polls for UI state with a bound; there are no fixed sleeps.
import { chromium, type Page } from 'playwright-core';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { poll } from './ui/driver';

const PORT = process.env.E2E_PORT;
const WS = process.env.E2E_WS;
const ART = process.env.E2E_ART ?? os.tmpdir();
if (!PORT || !WS) {
  console.error('editor.e2e.ts: run it through `npm run test:e2e` (scripts/e2e/run.sh), which starts code-server');
  process.exit(2);
}

const CAT = 'configs/yolov8/yolov8_s_fast_1xb12-40e_cat.py';
const t0 = Date.now();
const lap = (m: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${m}`);
const results: { name: string; ok: boolean }[] = [];
let onFailure: (n: number) => Promise<unknown> = async () => undefined;

async function step(name: string, fn: () => Promise<string | void>): Promise<boolean> {
  try {
    const detail = (await fn()) ?? '';
    results.push({ name, ok: true });
    lap(`PASS ${name}${detail ? ': ' + detail : ''}`);
    return true;
  } catch (e) {
    results.push({ name, ok: false });
    await onFailure(results.length);
    lap(`FAIL ${name}: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`);
    return false;
  }
}

// Editor steps keep their own quick-input gesture: the shared one first clicks into the editor
// to take focus back from webviews, which would move the cursor these steps place with Go to Line.
async function withQuickInput(
  page: Page,
  open: () => Promise<void>,
  text: string,
  pick: string | RegExp,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('Escape');
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

const flat = (t: string) => t.replace(/\u00a0/g, ' ');
/** The visible text of the editor group whose active tab has `tab` in its title. */
const editorText = async (page: Page, tab: string) =>
  flat(
    (
      await page
        .locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: tab }) })
        .locator('.view-lines')
        .allInnerTexts()
    ).join('\n'),
  );

async function openFile(page: Page, rel: string, expectText: string): Promise<void> {
  await withQuickInput(page, () => page.keyboard.press('Control+P'), rel, path.basename(rel));
  await page.locator('.editor-instance .view-lines', { hasText: expectText }).first().waitFor({ timeout: 30000 });
}

async function runCommand(page: Page, title: string): Promise<void> {
  await withQuickInput(page, () => page.keyboard.press('F1'), '>' + title, title);
}

/** Puts the cursor on the first line of `rel` (as saved) that contains `text`, with Go to Line. */
async function goToLine(page: Page, rel: string, text: string): Promise<number> {
  const n = fs
    .readFileSync(path.join(WS!, rel), 'utf8')
    .split('\n')
    .findIndex((l) => l.includes(text));
  if (n < 0) throw new Error(`no line with ${text} in ${rel}`);
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10000 });
  await input.fill(`:${n + 1}`);
  await page.keyboard.press('Enter');
  await poll(
    `the cursor on line ${n + 1}`,
    async () =>
      new RegExp(`Ln ${n + 1},`).test(
        await page
          .locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ })
          .first()
          .innerText(),
      ),
    10000,
  );
  return n;
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
  const shot = (name: string) => page.screenshot({ path: path.join(ART, `editor-${name}`) }).catch(() => undefined);
  onFailure = (n) => shot(`failed-step-${n}.png`);

  try {
    await step('workbench loads the checkout', async () => {
      await page.goto(`http://127.0.0.1:${PORT}/?folder=${encodeURIComponent(WS)}`);
      await page.locator('.monaco-workbench').waitFor({ timeout: 90000 });
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90000 });
      await openFile(page, CAT, 'close_mosaic_epochs');
    });

    await step('the status bar shows the index: configs counted, the checkout’s own scope in the tooltip', async () => {
      const item = page.locator('.statusbar-item', { hasText: /YOLO Lab: \d+ configs/ }).first();
      const text = await poll(
        'the index state in the status bar',
        async () => ((await item.count()) ? item.innerText() : ''),
        60000,
      );
      await item.hover();
      const tip = await poll(
        'the status bar tooltip',
        async () => (await page.locator('.monaco-hover, .custom-hover, .workbench-hover').allInnerTexts()).join(' '),
        10000,
      );
      await shot('status-bar.png');
      if (!/mmyolo:: → .*configs \(this checkout\)/.test(tip)) throw new Error(`tooltip: ${tip}`);
      return `${text.replace(/\s+/g, ' ')} | ${tip.replace(/\s+/g, ' ').slice(0, 120)}`;
    });

    await step(
      'clicking it shows the YOLO Lab output: server started, configs indexed in what time, scopes',
      async () => {
        await page
          .locator('.statusbar-item', { hasText: /YOLO Lab: \d+ configs/ })
          .first()
          .click();
        const out = await poll(
          'the index report in the output channel',
          async () => {
            const t = flat(
              (await page.locator('.panel .view-lines, .part.panel .view-lines').allInnerTexts()).join('\n'),
            );
            return /language server 0\.1\.0 started/.test(t) &&
              /indexed \d+ configs in \d+ ms/.test(t) &&
              /scope mmyolo::/.test(t)
              ? t
              : '';
          },
          30000,
        );
        await shot('output-channel.png');
        await page.keyboard.press('Escape');
        return out
          .split('\n')
          .filter((l) => /yololab: (language|indexed|scope)/.test(l))
          .map((l) => l.replace(/^.*yololab: /, ''))
          .join(' | ');
      },
    );

    await step('inlay hints show the values of names where they are used', async () => {
      await openFile(page, CAT, 'close_mosaic_epochs');
      const hinted = await poll(
        'an inlay hint after max_epochs=max_epochs',
        async () => {
          const hints = await page
            .locator(
              '.editor-group-container .view-lines [class*="dyn-rule"], .editor-group-container .view-lines .inlay-hint, .editor-group-container .view-lines span[class*="inlay"]',
            )
            .allInnerTexts();
          const t = await editorText(page, path.basename(CAT));
          return /max_epochs=max_epochs\s*40/.test(t)
            ? `${hints.length} hint spans; "${t
                .split('\n')
                .find((l) => /max_epochs=max_epochs\s*40/.test(l))
                ?.trim()}"`
            : '';
        },
        30000,
      );
      await shot('inlay-hints.png');
      return hinted;
    });

    await step('the propagation-trap quick fix names its keys and writes the base’s expression', async () => {
      await goToLine(page, CAT, 'close_mosaic_epochs = 5');
      await page.keyboard.press('Home');
      const title =
        /Recompute stage2_epoch, custom_hooks\[1\]\.switch_epoch, train_cfg\.dynamic_intervals here, as the base does/;
      await poll(
        'the quick fix in the lightbulb menu',
        async () => {
          await page.keyboard.press('Escape');
          await page.keyboard.press('Control+.');
          const menu = page.locator('.action-widget, .context-view');
          await menu.first().waitFor({ timeout: 3000 });
          return (await menu.allInnerTexts()).some((t) => title.test(t));
        },
        30000,
        1000,
      );
      await shot('quick-fix.png');
      await page.locator('.action-widget .monaco-list-row, .action-widget li', { hasText: title }).first().click();
      // Saved, the text is read from disk (on screen, inlay hints sit between the words).
      const fixed = await poll(
        'the fixed text saved',
        async () => {
          await page.keyboard.press('Control+S');
          const t = fs.readFileSync(path.join(WS!, CAT), 'utf8');
          return t.includes(
            'train_cfg = dict(dynamic_intervals=[((max_epochs - close_mosaic_epochs), _base_.val_interval_stage2)], max_epochs=max_epochs, val_interval=10)',
          )
            ? t
            : '';
        },
        15000,
        1000,
      );
      await shot('quick-fix-applied.png');
      return fixed
        .split('\n')
        .filter((l) => /stage2_epoch =|dynamic_intervals|switch_epoch/.test(l))
        .map((l) => l.trim())
        .join(' | ');
    });

    await step(
      'the merged preview opens with what the config changes, old → new with where the old value came from',
      async () => {
        await runCommand(page, 'YOLO Lab: Show Merged Config');
        const tab = page.locator('.tab', { hasText: 'yolov8_s_fast_1xb12-40e_cat (merged)' }).first();
        await tab.waitFor({ timeout: 30000 });
        const text = await poll(
          'the focused part at the top of the preview',
          async () => {
            const t = await editorText(page, '(merged)');
            return /sets \d+ keys/.test(t) &&
              /max_epochs = 40 {2}# was 500 \(yolov8_s_syncbn_fast_8xb16-500e_coco\.py:10\)/.test(t)
              ? t
              : '';
          },
          30000,
        );
        await shot('merged-preview.png');
        const underlined = await page
          .locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: '(merged)' }) })
          .locator('.detected-link')
          .count();
        return `${text.split('\n')[0]}; ${underlined} links on screen`;
      },
    );

    await step('Go to Where This Is Set jumps from a preview line to the line that set it', async () => {
      const group = page.locator('.editor-group-container', {
        has: page.locator('.tab.active', { hasText: '(merged)' }),
      });
      const line = group.locator('.view-line', { hasText: /^max_epochs\s=\s40/ }).first();
      await line.click();
      await runCommand(page, 'YOLO Lab: Go to Where This Is Set');
      const want =
        fs
          .readFileSync(path.join(WS!, CAT), 'utf8')
          .split('\n')
          .findIndex((l) => l.startsWith('max_epochs = 40')) + 1;
      let seen = '';
      const at = await poll(
        `the cursor on line ${want} (max_epochs = 40) of the config`,
        async () => {
          const status = flat(
            await page
              .locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ })
              .first()
              .innerText(),
          );
          const active = flat(
            await page.locator('.editor-group-container.active .tab.active').first().innerText(),
          ).replace(/\s+/g, ' ');
          seen = `${active} at ${status}`;
          return active.includes('yolov8_s_fast_1xb12-40e_cat') &&
            !active.includes('merged') &&
            new RegExp(`Ln ${want},`).test(status)
            ? seen
            : '';
        },
        20000,
      ).catch((e) => {
        throw new Error(`${e.message}; last seen: ${seen}`);
      });
      await shot('go-to-source.png');
      return at;
    });

    await step(
      'type= completion offers the types that fit, each with what it is; _base_. offers the bases’ names',
      async () => {
        await openFile(page, CAT, 'close_mosaic_epochs');
        // The config is in the first group; the cursor to its end (the status bar says where it is).
        await page.keyboard.press('Control+1');
        const lastLine =
          (await editorText(page, path.basename(CAT))).length &&
          fs.readFileSync(path.join(WS!, CAT), 'utf8').split('\n').length;
        await poll(
          'the cursor at the end of the config',
          async () => {
            await page.keyboard.press('Control+End');
            return new RegExp(`Ln (${lastLine}|${lastLine + 1}|${lastLine + 2}|${lastLine + 3}),`).test(
              flat(
                await page
                  .locator('.statusbar-item', { hasText: /Ln \d+, Col \d+/ })
                  .first()
                  .innerText(),
              ),
            );
          },
          10000,
          500,
        );
        await page.keyboard.type("\nmodel = dict(backbone=dict(type='");
        const items = await poll(
          'backbones in the suggest widget',
          async () => {
            const rows = await page.locator('.suggest-widget .monaco-list-row').allInnerTexts();
            if (!rows.length) await page.keyboard.press('Control+Space');
            return rows.some((r) => r.includes('YOLOv8CSPDarknet')) ? rows : undefined;
          },
          20000,
          500,
        );
        await shot('completion-type.png');
        if (items.some((r) => /SGD|LoadImageFromFile/.test(r)))
          throw new Error(`unfitting types offered: ${items.join(' / ')}`);
        await page.keyboard.press('Escape');
        await page.keyboard.type("')\nx = _base_.close");
        const names = await poll(
          'base names in the suggest widget',
          async () => {
            const rows = await page.locator('.suggest-widget .monaco-list-row').allInnerTexts();
            if (!rows.length) await page.keyboard.press('Control+Space');
            return rows.some((r) => r.includes('close_mosaic_epochs')) ? rows : undefined;
          },
          20000,
          500,
        );
        await shot('completion-base.png');
        await page.keyboard.press('Escape');
        return `${items.map((r) => r.replace(/\s+/g, ' ')).join(' / ')} || ${names.map((r) => r.replace(/\s+/g, ' ')).join(' / ')}`;
      },
    );

    await step(
      'renaming a config in the explorer updates the mmyolo:: project config, the metafile and the READMEs',
      async () => {
        const from = 'configs/yolov7/yolov7_l_syncbn_fast_8x16b-300e_coco.py';
        await openFile(page, from, 'max_epochs');
        await runCommand(page, 'File: Reveal Active File in Explorer View');
        const row = page
          .locator('.explorer-folders-view .monaco-list-row', { hasText: 'yolov7_l_syncbn_fast_8x16b-300e_coco.py' })
          .first();
        await row.waitFor({ timeout: 15000 });
        await row.click();
        await page.keyboard.press('F2');
        const input = page.locator('.explorer-folders-view .monaco-inputbox input');
        await input.waitFor({ timeout: 10000 });
        await input.fill('yolov7_l_syncbn_fast_8xb16-300e_coco.py');
        await page.keyboard.press('Enter');
        // VS Code asks before an extension changes other files on a move.
        const ask = page.locator('.monaco-dialog-box', { hasText: 'wants to make refactoring changes' });
        await ask.waitFor({ timeout: 15000 });
        await shot('rename-confirm.png');
        await ask.locator('.monaco-button', { hasText: /^OK$/ }).click();
        const read = (rel: string) => fs.readFileSync(path.join(WS!, rel), 'utf8');
        const done = await poll(
          'the references rewritten on disk',
          async () => {
            // Edits of files that were not open are saved by the rename (files.refactoring.autoSave, on by default).
            const project = read('projects/misc/ionogram_detection/yolov7/yolov7_l_fast_1xb16-100e_ionogram.py').split(
              '\n',
            )[0];
            const meta = read('configs/yolov7/metafile.yml');
            const readme = read('configs/yolov7/README.md');
            return project.includes('mmyolo::yolov7/yolov7_l_syncbn_fast_8xb16-300e_coco.py') &&
              meta.includes('Config: configs/yolov7/yolov7_l_syncbn_fast_8xb16-300e_coco.py') &&
              readme.includes('[config](yolov7_l_syncbn_fast_8xb16-300e_coco.py)')
              ? project
              : '';
          },
          30000,
          500,
        );
        await shot('rename.png');
        return done;
      },
    );
  } finally {
    await shot('final.png');
    if (results.some((r) => !r.ok))
      fs.writeFileSync(path.join(ART, 'editor-dom.html'), await page.content().catch(() => ''));
    await ctx.close();
    fs.rmSync(profile, { recursive: true, force: true });
    const failed = results.filter((r) => !r.ok);
    lap(`${results.length - failed.length}/${results.length} editor steps passed`);
    process.exit(failed.length ? 1 : 0);
  }
})();
