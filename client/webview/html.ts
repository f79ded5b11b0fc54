// The metrics webview's HTML shell: a strict Content-Security-Policy where the only script allowed is
// our bundle (dist/webview-metrics.js, chart.js inside it) carrying a fresh nonce; no CDN, no eval.
import { randomBytes } from 'node:crypto';

export function makeNonce(): string {
  return randomBytes(18).toString('base64');
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function metricsHtml(opts: { cspSource: string; scriptUri: string; nonce: string }): string {
  const { cspSource, scriptUri, nonce } = opts;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(cspSource, nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>YOLO Lab metrics</title>
<style nonce="${nonce}">
  body { font-family: var(--vscode-font-family); color: var(--vscode-foreground); padding: 0 12px; }
  #toolbar { padding: 6px 0 8px; position: sticky; top: 0; background: var(--vscode-editor-background); z-index: 1;
             border-bottom: 1px solid var(--vscode-panel-border); }
  #controls { display: flex; flex-wrap: wrap; gap: 14px; align-items: center; }
  #summary { opacity: .7; font-size: 12px; }
  #runs { display: flex; flex-direction: column; gap: 2px; margin-top: 6px; font-size: 12px; }
  .run { display: flex; align-items: center; gap: 4px; }
  .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; flex: none; }
  #charts, #other-charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(420px, 1fr)); gap: 12px; padding-top: 10px; }
  #other-charts { grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); }
  #other-title { font-size: 12px; opacity: .7; margin: 14px 0 0; font-weight: normal; }
  .chart { border: 1px solid var(--vscode-panel-border); border-radius: 4px; padding: 6px; }
  .chart.wide { grid-column: 1 / -1; }
  .chart header { display: flex; gap: 12px; align-items: center; font-size: 12px; }
  .chart header .title { font-weight: 600; }
  .chart header .legend { flex: 1; display: flex; flex-wrap: wrap; gap: 10px; opacity: .85; }
  .legend-item { display: inline-flex; align-items: center; gap: 4px; }
  .canvas-holder { position: relative; height: 240px; }
  .chart.wide .canvas-holder { height: 300px; }
  #other-charts .canvas-holder { height: 180px; }
  button { background: var(--vscode-button-secondaryBackground); color: var(--vscode-button-secondaryForeground); border: none; padding: 2px 8px; cursor: pointer; }
  #empty { opacity: .7; padding: 20px 0; }
</style>
</head>
<body>
<div id="toolbar">
  <div id="controls">
    <label>smoothing <input id="smoothing" type="range" min="0" max="0.99" step="0.01" value="0.6"> <span id="smoothing-value">0.60</span></label>
    <label><input id="log-scale" type="checkbox"> log y</label>
    <button id="open-run" title="Add a run from disk (also one made by MMYOLO)">Open Run…</button>
    <span id="summary" aria-live="polite"></span>
  </div>
  <div id="runs"></div>
</div>
<div id="empty">No scalars yet: start a training or open a run.</div>
<div id="charts"></div>
<h2 id="other-title">Other scalars</h2>
<div id="other-charts"></div>
<script nonce="${nonce}" src="${scriptUri}"></script>
</body>
</html>`;
}
