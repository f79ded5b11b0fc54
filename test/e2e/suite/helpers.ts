// Shared by the extension-host checks (*.checks.ts): polling with a bound, the workspace, the extension's API.
import * as vscode from 'vscode';
import type { MetricsHub } from '../../../client/runs/metrics-hub';
import type { TrainingManager } from '../../../client/training-manager';

export type Api = { training: TrainingManager; hub: MetricsHub };

// A check: its name, and a function that throws on failure and may return a detail line.
export type Check = [string, () => Promise<string | void>];

export async function poll<T>(what: string, fn: () => Promise<T> | T, ms = 30000): Promise<NonNullable<T>> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(fn)
      .catch(() => undefined);
    if (v) return v as NonNullable<T>;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const ws = (): vscode.Uri => vscode.workspace.workspaceFolders![0].uri;

let api: Api | undefined;
// Activates the extension once (on a config, as a user would) and returns what activate() returned.
export async function extensionApi(): Promise<Api> {
  if (!api) {
    const ext = vscode.extensions.getExtension<Api>('yololab.yololab');
    if (!ext) throw new Error('extension yololab.yololab is not installed');
    api = await ext.activate();
  }
  return api;
}
