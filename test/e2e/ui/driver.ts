// What the real-editor steps (*.steps.ts) share: the page, bounded polling, steps with PASS/FAIL lines,
// screenshots, and the gestures a user makes (quick open, the command palette, hovering a word).
// Every wait polls for UI state with a bound; there are no fixed sleeps.
import type { FrameLocator, Page } from 'playwright-core';
import * as path from 'node:path';

export interface Ui {
  page: Page;
  ws: string; // the workspace folder code-server opened
  art: string; // where screenshots go
  step(name: string, fn: () => Promise<string | void>): Promise<boolean>;
  shot(name: string): Promise<string>; // the screenshot's path
}

// Polls fn until it returns a truthy value; the last value is in the error when it never does.
export async function poll<T>(what: string, fn: () => Promise<T>, ms = 30000, every = 250): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    last = await fn().catch(() => undefined);
    if (last) return last as NonNullable<T>;
    if (Date.now() > end)
      throw new Error(
        `timed out after ${ms / 1000}s waiting for ${what}${last !== undefined ? ` (last: ${JSON.stringify(last)})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, every));
  }
}

// Keyboard shortcuts typed while a webview has focus go to its iframe, and a quick input opened then
// may close again on blur: put the focus in the first editor first, and retry the whole gesture.
export async function focusWorkbench(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page
    .locator('.editor-group-container')
    .first()
    .locator('.view-lines')
    .first()
    .click({ position: { x: 5, y: 5 }, timeout: 5000 })
    .catch(() => undefined);
}

export async function withQuickInput(
  page: Page,
  open: () => Promise<void>,
  text: string,
  pick: string | RegExp,
): Promise<void> {
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

export async function openFile(page: Page, rel: string, expectText: string): Promise<void> {
  await withQuickInput(page, () => page.keyboard.press('Control+P'), rel, path.basename(rel));
  await page.locator('.editor-instance .view-lines', { hasText: expectText }).first().waitFor({ timeout: 30000 });
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await withQuickInput(page, () => page.keyboard.press('F1'), '>' + title, title);
}

export async function hoverText(page: Page, word: RegExp, want: (t: string) => boolean): Promise<string> {
  const target = page
    .locator('.editor-instance.active .view-line span, .editor-group-container.active .view-line span', {
      hasText: word,
    })
    .first();
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

// The text of the editor group whose active tab matches
export async function editorText(page: Page, activeTab: string): Promise<string> {
  const t = (
    await page
      .locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: activeTab }) })
      .locator('.view-lines')
      .allInnerTexts()
  ).join('\n');
  return t.replace(/\u00a0/g, ' ');
}

export function metricsFrame(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}
