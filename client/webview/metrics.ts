// Browser entry of the metrics webview (bundled with chart.js into dist/webview-metrics.js).
// Holds a MetricsModel fed by messages from the extension and draws one chart per scalar.
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  Legend,
  Decimation,
} from 'chart.js';
import { ChartSpec, FromWebview, MetricsModel, ToWebview } from './series';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Legend, Decimation);

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void; setState(s: unknown): void; getState(): any };
const vscode = acquireVsCodeApi();

const model = new MetricsModel();
const saved = vscode.getState();
if (saved && typeof saved.smoothing === 'number') model.smoothing = saved.smoothing;
if (saved && typeof saved.logScale === 'boolean') model.logScale = saved.logScale;

const charts = new Map<string, { chart: Chart; box: HTMLElement }>();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const live = new Set<string>();

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

function makeChart(spec: ChartSpec): { chart: Chart; box: HTMLElement } {
  const box = document.createElement('section');
  box.className = 'chart';
  box.dataset.scalar = spec.name;
  const head = document.createElement('header');
  const title = document.createElement('span');
  title.textContent = `${spec.name} (per ${spec.axis === 'iter' ? 'iteration' : 'epoch'})`;
  const png = document.createElement('button');
  png.textContent = 'PNG';
  png.title = `Save ${spec.name} as PNG`;
  head.append(title, png);
  const canvas = document.createElement('canvas');
  box.append(head, canvas);
  $('charts').append(box);
  const fg = cssVar('--vscode-foreground', '#ccc');
  const grid = cssVar('--vscode-panel-border', 'rgba(128,128,128,.3)');
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        legend: { display: false },
        // A long MMYOLO run logs ~10k points per scalar; draw a shape-preserving sample of them
        decimation: { enabled: true, algorithm: 'lttb', samples: 1000, threshold: 2000 },
        tooltip: {
          callbacks: {
            title: (items) => `${spec.axis === 'iter' ? 'iter' : 'epoch'} ${items[0]?.parsed.x}`,
          },
        },
      },
      scales: {
        x: { type: 'linear', ticks: { color: fg }, grid: { color: grid } },
        y: { type: model.logScale ? 'logarithmic' : 'linear', ticks: { color: fg }, grid: { color: grid } },
      },
    },
  });
  box.style.height = '260px';
  png.addEventListener('click', () => {
    vscode.postMessage({ type: 'exportPng', name: spec.name, dataUrl: withBackground(canvas) });
  });
  return { chart, box };
}

// Canvas pixels are transparent where nothing is drawn; a PNG should look like the panel.
function withBackground(canvas: HTMLCanvasElement): string {
  const c = document.createElement('canvas');
  c.width = canvas.width;
  c.height = canvas.height;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = cssVar('--vscode-editor-background', '#1e1e1e');
  ctx.fillRect(0, 0, c.width, c.height);
  ctx.drawImage(canvas, 0, 0);
  return c.toDataURL('image/png');
}

function fmt(x: number): string {
  const a = Math.abs(x);
  return a !== 0 && (a >= 1e4 || a < 1e-3) ? x.toExponential(3) : String(+x.toPrecision(5));
}

let pending = false;
// Many messages can arrive at once (a whole old run); draw once per animation frame
function scheduleRender(): void {
  if (pending) return;
  pending = true;
  requestAnimationFrame(() => {
    pending = false;
    render();
  });
}

function render(): void {
  const specs = model.charts();
  const seen = new Set<string>();
  for (const spec of specs) {
    seen.add(spec.name);
    let c = charts.get(spec.name);
    if (!c) charts.set(spec.name, (c = makeChart(spec)));
    const yType = model.logScale ? 'logarithmic' : 'linear';
    if (c.chart.options.scales!.y!.type !== yType) c.chart.options.scales!.y!.type = yType;
    c.chart.data.datasets = spec.datasets.map((d) => ({
      label: d.label,
      data: d.points,
      borderColor: d.color,
      backgroundColor: d.color,
      borderWidth: 1.5,
      // dense curves read better without markers; a series of a few points would be invisible without them
      pointRadius: spec.axis === 'epoch' || d.points.length < 20 ? 3 : 0,
      tension: 0,
    }));
    // tooltips read the raw values through this spec
    (c.chart.options.plugins!.tooltip!.callbacks as any).label = (item: any) => {
      const ds = spec.datasets[item.datasetIndex];
      const raw = ds?.raw[item.dataIndex]?.y;
      return `${item.dataset.label}: ${fmt(item.parsed.y)}${raw !== undefined && raw !== item.parsed.y ? ` (raw ${fmt(raw)})` : ''}`;
    };
    c.box.dataset.points = String(spec.datasets.reduce((n, d) => n + d.points.length, 0));
    c.chart.update('none');
  }
  for (const [name, c] of charts) {
    if (!seen.has(name)) {
      c.chart.destroy();
      c.box.remove();
      charts.delete(name);
    }
  }
  $('empty').style.display = specs.length ? 'none' : '';
  renderRuns();
}

function renderRuns(): void {
  const box = $('runs');
  box.replaceChildren();
  for (const r of model.runs.values()) {
    const label = document.createElement('label');
    label.dataset.run = r.id;
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.checked = r.visible;
    cb.addEventListener('change', () => {
      model.setVisible(r.id, cb.checked);
      scheduleRender();
    });
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = r.color;
    label.append(cb, sw, document.createTextNode(`${r.label}${live.has(r.id) ? ' (running)' : ''}`));
    box.append(label);
  }
  const total = [...model.runs.values()].reduce((n, r) => n + r.data.count, 0);
  $('summary').textContent = `${model.runs.size} run${model.runs.size === 1 ? '' : 's'}, ${total} records`;
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'run':
      model.addRun(m.id, m.label);
      if (m.live) live.add(m.id);
      break;
    case 'records':
      model.addRecords(m.id, m.records, m.reset);
      break;
    case 'runEnded':
      live.delete(m.id);
      break;
    case 'remove':
      model.removeRun(m.id);
      live.delete(m.id);
      break;
  }
  scheduleRender();
});

const slider = $<HTMLInputElement>('smoothing');
slider.value = String(model.smoothing);
$('smoothing-value').textContent = model.smoothing.toFixed(2);
slider.addEventListener('input', () => {
  model.smoothing = Number(slider.value);
  $('smoothing-value').textContent = model.smoothing.toFixed(2);
  vscode.setState({ smoothing: model.smoothing, logScale: model.logScale });
  scheduleRender();
});
const logBox = $<HTMLInputElement>('log-scale');
logBox.checked = model.logScale;
logBox.addEventListener('change', () => {
  model.logScale = logBox.checked;
  vscode.setState({ smoothing: model.smoothing, logScale: model.logScale });
  scheduleRender();
});
$('open-run').addEventListener('click', () => vscode.postMessage({ type: 'openRun' }));

vscode.postMessage({ type: 'ready' });
