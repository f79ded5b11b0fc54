// Training as a user does it: Start Training from the palette, the metrics view while it runs, PNG
// export, closing and reopening the panel, Stop, a second run compared with the first, a run made by
// real MMYOLO opened from disk; then the metrics view itself, checked in screenshots: grouped charts
// with axis titles, epoch marks, the summary per run, and the runs drawn on the same axes.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { metricsFrame, openFile, poll, runCommand, Ui } from './driver';
import { Box, countColor, dominantColor, parseColor, readPng, verticalLines } from './pixels';

const losses = (page: Page) => metricsFrame(page).locator('section.chart[data-chart="losses"]');

// Start Training with the default in every quick pick, or another seed (the third pick)
async function startFromPalette(page: Page, seed?: string): Promise<void> {
  await openFile(page, 'configs/e2e/train_tiny.py', 'max_epochs');
  await runCommand(page, 'YOLO Lab: Start Training');
  for (let i = 1; i <= 4; i++) {
    await page.locator('.quick-input-widget', { hasText: `(${i}/4)` }).waitFor({ timeout: 15000 });
    if (i === 3 && seed) {
      await page.locator('.quick-input-widget input').fill(seed);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: seed }).first().waitFor({ timeout: 5000 });
    }
    await page.keyboard.press('Enter');
  }
}

// The pixels of each run's colour on a chart, with only that run shown (runs drawn later cover
// earlier ones where their curves meet)
async function pixelsPerRun(ui: Ui, chart: string): Promise<number[]> {
  const frame = metricsFrame(ui.page);
  const rows = frame.locator('#runs .run');
  const n = await rows.count();
  const counts: number[] = [];
  for (let k = 0; k < n; k++) {
    for (let j = 0; j < n; j++)
      await rows
        .nth(j)
        .locator('input')
        .setChecked(j === k);
    await poll(
      `only run ${k + 1} on the ${chart} chart`,
      async () => (await frame.locator(`section.chart[data-chart="${chart}"]`).getAttribute('data-runs')) === '1',
      10000,
    );
    const color = parseColor(
      await rows
        .nth(k)
        .locator('.swatch')
        .evaluate((e) => getComputedStyle(e).backgroundColor),
    );
    const { png, plot } = await chartShot(ui, chart, `${chart}-run${k + 1}.png`);
    counts.push(countColor(readPng(png), color, plot));
  }
  for (let j = 0; j < n; j++) await rows.nth(j).locator('input').check();
  return counts;
}

// A chart's screenshot, and its plot area inside it (data-plot, set by the webview)
async function chartShot(ui: Ui, chart: string, file: string): Promise<{ png: string; plot: Box }> {
  const loc = metricsFrame(ui.page).locator(`section.chart[data-chart="${chart}"]`);
  await loc.scrollIntoViewIfNeeded();
  const png = path.join(ui.art, file);
  await loc.screenshot({ path: png });
  const [x0, y0, x1, y1] = (await loc.getAttribute('data-plot'))!.split(',').map(Number);
  return { png, plot: { x0, y0, x1, y1 } };
}

// The best value of the fixture run's primary metric and its epoch, read from the file itself
function fixtureBest(ws: string): { value: number; epoch: number } {
  const file = path.join(
    ws,
    'work_dirs/yolov5_s-v61_syncbn_fast_8xb16-300e_coco/20230115_093012/vis_data/scalars.json',
  );
  let best = { value: -Infinity, epoch: 0 };
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.includes('coco/bbox_mAP"')) continue;
    const r = JSON.parse(line);
    if (r['coco/bbox_mAP'] > best.value) best = { value: r['coco/bbox_mAP'], epoch: r.step };
  }
  return best;
}

export async function trainingSteps(ui: Ui): Promise<void> {
  const { page, step, shot } = ui;
  const started = await step('Start Training from the palette (defaults in every quick pick)', async () => {
    await startFromPalette(page);
    await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().waitFor({ timeout: 30000 });
    return await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().innerText();
  });
  if (!started) return;

  await step('the metrics webview draws the losses together while training runs', async () => {
    // three logged iterations of each of the four loss terms make curves, not dots
    const points = await poll(
      'loss points in the webview',
      async () => {
        const n = Number(await losses(page).getAttribute('data-points', { timeout: 1000 }));
        return n >= 12 ? n : 0;
      },
      240000,
      1000,
    );
    const scalars = await losses(page).getAttribute('data-scalars');
    if (scalars !== 'loss loss_bbox loss_cls loss_dfl') throw new Error(`the losses chart holds ${scalars}`);
    const charts = await metricsFrame(page).locator('section.chart').count();
    await shot('metrics-live.png');
    const status = await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().innerText();
    return `${points} loss points (${scalars}), ${charts} charts; status bar: ${status.replace(/\s+/g, ' ')}`;
  });

  await step('PNG export of a chart writes an image through the save dialog', async () => {
    await losses(page).locator('button').click();
    // code-server's save dialog is a quick input prefilled with WORKSPACE/losses.png
    const input = page.locator('.quick-input-widget input');
    await poll('the save dialog', async () => /losses\.png$/.test(await input.inputValue({ timeout: 1000 })), 15000);
    await page.keyboard.press('Enter');
    const file = path.join(ui.ws, 'losses.png');
    const size = await poll(
      'losses.png on disk',
      async () => (fs.existsSync(file) ? fs.statSync(file).size : 0),
      15000,
    );
    const magic = fs.readFileSync(file).subarray(1, 4).toString('ascii');
    if (magic !== 'PNG') throw new Error(`losses.png is not a PNG (starts with ${magic})`);
    return `${size} bytes`;
  });

  await step('closing the metrics panel loses nothing: reopened, it shows the whole run so far', async () => {
    const before = Number(await losses(page).getAttribute('data-points'));
    const tab = page.locator('.tab', { hasText: 'YOLO Lab Metrics' });
    await tab.click();
    await tab.hover();
    await tab.locator('.tab-actions .action-label').first().click();
    await poll(
      'the panel to close',
      async () => (await page.locator('.tab', { hasText: 'YOLO Lab Metrics' }).count()) === 0,
      15000,
    );
    await runCommand(page, 'YOLO Lab: Show Training Metrics');
    const after = await poll('the loss curves in the reopened panel', async () => {
      const n = Number(await losses(page).getAttribute('data-points', { timeout: 1000 }));
      return n >= before ? n : 0;
    });
    return `${before} points before closing, ${after} after reopening`;
  });

  await step(
    'Stop Training stops the run gracefully; it is "stopped" in the notification, the status bar and the metrics view',
    async () => {
      await runCommand(page, 'YOLO Lab: Stop Training');
      const note = await poll(
        'the stop notification',
        async () =>
          (
            await page
              .locator('.notifications-toasts .notification-toast', { hasText: /train_tiny (stopped|did not stop)/ })
              .allInnerTexts()
          ).join(' '),
        60000,
      );
      await poll(
        'the status bar to leave the running state',
        async () => !(await page.locator('.statusbar-item .codicon-sync').count()),
        30000,
      );
      await shot('stopped.png');
      if (/did not stop/.test(note)) throw new Error('the trainer had to be killed: ' + note);
      if (!/last checkpoint iter_\d+\.ckpt|last checkpoint \S+\.pth/.test(note))
        throw new Error(`the notification names no checkpoint: ${note}`);
      const status = (await page.locator('.statusbar-item', { hasText: 'train_tiny' }).first().innerText()).trim();
      if (!/train_tiny: stopped/.test(status)) throw new Error(`status bar: ${status}`);
      const state = await poll(
        'the run marked stopped in the metrics view',
        async () => metricsFrame(page).locator('#runs .run[data-state="stopped"]').count(),
        15000,
      );
      return `${note.replace(/\s+/g, ' ')}; status bar: ${status}; ${state} run stopped in the view`;
    },
  );

  // Left running on purpose: scripts/e2e/run.sh then closes code-server and checks the process is gone
  await step('a second training is running when the editor is closed; both runs share the charts', async () => {
    const firstRun = Number(await losses(page).getAttribute('data-points'));
    await startFromPalette(page, '42');
    await page.locator('.statusbar-item .codicon-sync').first().waitFor({ timeout: 30000 });
    const frame = metricsFrame(page);
    // two logged iterations of the second run (four loss terms each): segments, not dots
    await poll(
      "the second run's loss curves",
      async () => Number(await losses(page).getAttribute('data-points')) >= firstRun + 8,
      180000,
      1000,
    );
    const runs = await frame.locator('#runs').innerText();
    await shot('two-runs.png');
    await chartShot(ui, 'losses', 'losses-two-runs.png');
    // each run's curves in its colour on the shared chart
    const counts = await pixelsPerRun(ui, 'losses');
    if (counts.length !== 2 || counts.some((n) => n < 100))
      throw new Error(`a run's curves are missing from the losses chart: pixels per run colour ${counts}`);
    // the run toggles hide runs: unticking the stopped run drops its points from the losses chart
    const before = Number(await losses(page).getAttribute('data-points'));
    await frame.locator('#runs .run').first().locator('input').uncheck();
    const after = await poll(
      'fewer loss points with the first run hidden',
      async () => {
        const n = Number(await losses(page).getAttribute('data-points'));
        return n < before ? String(n) : '';
      },
      10000,
    );
    await frame.locator('#runs .run').first().locator('input').check();
    return `${runs.replace(/\s+/g, ' ')}; pixels per run colour ${counts}; loss points ${before} -> ${after} with the first run hidden`;
  });

  await step('Open Run… adds a run made by real MMYOLO, with its COCO metrics per epoch', async () => {
    await runCommand(page, 'YOLO Lab: Open Run…');
    const row = page.locator('.quick-input-list .monaco-list-row', { hasText: '20230115_093012' }).first();
    await row.waitFor({ timeout: 15000 });
    await row.click();
    const val = metricsFrame(page).locator('section.chart[data-chart="val"]');
    const n = await poll(
      'the validation chart',
      async () => Number(await val.getAttribute('data-points', { timeout: 1000 })),
      30000,
    );
    const scalars = (await val.getAttribute('data-scalars')) ?? '';
    if (!scalars.split(' ').includes('coco/bbox_mAP')) throw new Error(`validation chart holds ${scalars}`);
    await shot('mmyolo-run.png');
    return `${scalars}: ${n} points; charts: ${await metricsFrame(page).locator('section.chart').count()}`;
  });

  await step(
    'the metrics view, checked in screenshots: grouped charts, axis titles, epoch marks, a summary per run, runs on the same axes',
    async () => {
      const frame = metricsFrame(page);
      const ids = await frame
        .locator('#charts section.chart')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.chart));
      if (ids.join(' ') !== 'losses lr val') throw new Error(`main charts: ${ids}`);
      const titles: Record<string, string> = {};
      for (const id of ids) {
        const c = frame.locator(`section.chart[data-chart="${id}"]`);
        titles[id!] = `${await c.getAttribute('data-x-title')}/${await c.getAttribute('data-y-title')}`;
      }
      if (
        JSON.stringify(titles) !==
        JSON.stringify({ losses: 'iteration/loss', lr: 'iteration/learning rate', val: 'epoch/mAP' })
      )
        throw new Error(`axis titles ${JSON.stringify(titles)}`);
      if (Number(await losses(page).getAttribute('data-runs')) !== 3)
        throw new Error(`losses chart runs: ${await losses(page).getAttribute('data-runs')}`);
      // The summary: the MMYOLO run's best mAP and its epoch, the live run's epoch and ETA
      const rows = await frame.locator('#runs .run').allInnerTexts();
      const best = fixtureBest(ui.ws);
      const mm = rows.find((r) => r.includes('20230115_093012')) ?? '';
      if (!mm.includes(`best coco/bbox_mAP ${best.value.toFixed(3)} (epoch ${best.epoch})`))
        throw new Error(`MMYOLO summary: ${mm}`);
      const live = rows.find((r) => / · running · /.test(r)) ?? '';
      if (!/epoch \d+/.test(live) || !/ETA \d/.test(live)) throw new Error(`live summary: ${live}`);
      await frame.locator('#runs').screenshot({ path: path.join(ui.art, 'summary.png') });

      // Only the MMYOLO run shown: its 20 epochs as dashed lines on the losses chart, its curves in its colour
      const mmRow = frame.locator('#runs .run', { hasText: '20230115_093012' });
      const others = frame.locator('#runs .run', { hasNotText: '20230115_093012' });
      for (let i = 0; i < (await others.count()); i++) await others.nth(i).locator('input').uncheck();
      await poll(
        'only the MMYOLO run on the losses chart',
        async () => (await losses(page).getAttribute('data-runs')) === '1',
        10000,
      );
      const marks = Number(await losses(page).getAttribute('data-epoch-boundaries'));
      const color = parseColor(await mmRow.locator('.swatch').evaluate((e) => getComputedStyle(e).backgroundColor));
      const lossShot = await chartShot(ui, 'losses', 'losses-mmyolo-epochs.png');
      const img = readPng(lossShot.png);
      // inside the plot area, below the epoch numbers, clear of the axis lines
      const inner = { ...lossShot.plot, x0: lossShot.plot.x0 + 3, x1: lossShot.plot.x1 - 3, y0: lossShot.plot.y0 + 14 };
      const lines = verticalLines(img, inner, dominantColor(img, inner));
      if (Math.abs(lines.length - marks) > 1)
        throw new Error(
          `${marks} epoch boundaries, ${lines.length} vertical lines drawn at ${lines} (plot area ${JSON.stringify(lossShot.plot)})`,
        );
      const curve = countColor(img, color, lossShot.plot);
      if (curve < 200) throw new Error(`the MMYOLO run's loss curves: ${curve} pixels of its colour`);
      const valShot = await chartShot(ui, 'val', 'val-mmyolo.png');
      const valPixels = countColor(readPng(valShot.png), color, valShot.plot);
      if (valPixels < 50) throw new Error(`the validation chart: ${valPixels} pixels of the run's colour`);
      for (let i = 0; i < (await others.count()); i++) await others.nth(i).locator('input').check();
      await shot('metrics-grouped.png');
      return `titles ${JSON.stringify(titles)}; ${marks} epoch marks, ${lines.length} lines drawn; curve pixels ${curve}, validation ${valPixels}; ${mm.trim()}`;
    },
  );
}
