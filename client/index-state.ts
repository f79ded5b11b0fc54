// What the status bar says about the language server and its index, from the
// server's state and its yololab/indexed report. Pure (no vscode import), so
// the wording is tested without an editor.
import type { IndexedParams } from '../protocol/index';

export type IndexState =
  | { kind: 'starting' }
  | { kind: 'indexing' }
  | { kind: 'ready'; report: IndexedParams }
  | { kind: 'failed'; message: string }
  | { kind: 'stopped' };

export interface StatusView {
  /** Status bar text, with a codicon. */
  text: string;
  tooltip: string;
  /** A warning or error colour is due. */
  severity: 'none' | 'warning' | 'error';
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export function statusView(s: IndexState): StatusView {
  switch (s.kind) {
    case 'starting':
      return { text: '$(sync~spin) YOLO Lab', tooltip: 'YOLO Lab: starting the language server', severity: 'none' };
    case 'indexing':
      return {
        text: '$(sync~spin) YOLO Lab: indexing',
        tooltip: 'YOLO Lab: reading the configs of the workspace',
        severity: 'none',
      };
    case 'failed':
      return {
        text: '$(error) YOLO Lab',
        tooltip: `YOLO Lab: ${s.message}\n\nClick for the "YOLO Lab" output.`,
        severity: 'error',
      };
    case 'stopped':
      return {
        text: '$(circle-slash) YOLO Lab: stopped',
        tooltip: 'YOLO Lab: the language server is not running. Run "YOLO Lab: Restart Language Server".',
        severity: 'error',
      };
    case 'ready': {
      const r = s.report;
      if (r.error)
        return {
          text: '$(error) YOLO Lab',
          tooltip: `YOLO Lab: ${r.error}\n\nClick for the "YOLO Lab" output.`,
          severity: 'error',
        };
      const scopes = r.scopes ?? [];
      const unresolved = r.unresolved ?? [];
      const missing = scopes.filter((x) => !x.exists);
      const lines = [`YOLO Lab: ${plural(r.configs, 'config')} indexed in ${r.ms} ms`];
      for (const x of scopes)
        lines.push(
          `${x.scope}:: → ${x.configs} (${x.source === 'setting' ? 'yololab.scopes' : 'this checkout'})${x.exists ? '' : ' — folder not found'}`,
        );
      for (const u of unresolved) lines.push(`${u.scope}:: not set: ${plural(u.uses, 'base')} cannot resolve`);
      lines.push('', 'Click for the "YOLO Lab" output.');
      const trouble = missing.length + unresolved.length;
      return {
        text: `${trouble ? '$(warning)' : '$(check)'} YOLO Lab: ${plural(r.configs, 'config')}`,
        tooltip: lines.join('\n'),
        severity: trouble ? 'warning' : 'none',
      };
    }
  }
}
