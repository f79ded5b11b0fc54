// The language features as a user meets them: hover on an inherited key, the merged preview, and the
// preview following unsaved edits.
import { editorText, hoverText, openFile, poll, runCommand, Ui } from './driver';

export async function editorSteps({ page, step, shot }: Ui): Promise<void> {
  await step('hover a key of the child config shows the value inherited from its base', async () => {
    await openFile(page, 'configs/e2e/tiny_child.py', 'widen_factor');
    await poll(
      'the Python language mode',
      async () => (await page.locator('.statusbar-item', { hasText: 'Python' }).count()) > 0,
      30000,
    );
    // `backbone` is set in the child with widen_factor only; deepen_factor=0.33 comes from tiny_base.py
    const t = await hoverText(page, /^backbone$/, (s) => s.includes('0.33'));
    await shot('hover.png');
    return JSON.stringify(t.slice(0, 160));
  });

  await step('Show Merged Config opens a read-only preview with the inherited and overridden values', async () => {
    await runCommand(page, 'YOLO Lab: Show Merged Config');
    await page.locator('.tab', { hasText: 'tiny_child (merged)' }).first().waitFor({ timeout: 30000 });
    const text = await poll('merged text in the preview', async () => {
      const flat = await editorText(page, '(merged)');
      return /deepen_factor\s*=\s*0\.33/.test(flat) && /widen_factor\s*=\s*0\.5/.test(flat) ? flat : '';
    });
    await shot('merged-preview.png');
    return `${text.split('\n').length} lines visible`;
  });

  await step('the preview follows unsaved edits of the config', async () => {
    await page.locator('.tab', { hasText: 'tiny_child.py' }).first().click();
    await page
      .locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: 'tiny_child.py' }) })
      .locator('.view-lines')
      .click();
    await page.keyboard.press('Control+End');
    await page.keyboard.type('max_epochs = 7\n');
    const line = await poll('max_epochs = 7 in the preview', async () =>
      /max_epochs\s*=\s*7\b/.test(await editorText(page, '(merged)')) ? 'max_epochs = 7' : '',
    );
    return `${line} shown before saving`;
  });
}
