// Browser entry of the metrics webview (bundled with chart.js into dist/webview-metrics.js).
// Holds a MetricsModel fed by messages from the extension and draws its grouped charts: one canvas
// per group (losses, learning rate, validation per epoch, each other scalar), axis titles, dashed
// epoch boundaries on the iteration axis, and a summary line per run.
import {
  Chart,
  LineController,
  LineElement,
  PointElement,
  LinearScale,
  LogarithmicScale,
  Tooltip,
  Decimation,
  Plugin,
} from 'chart.js';
import { ChartSpec, DASHES, EpochMarks, FromWebview, MetricsModel, summaryText, ToWebview } from './series';

Chart.register(LineController, LineElement, PointElement, LinearScale, LogarithmicScale, Tooltip, Decimation);

declare function acquireVsCodeApi(): { postMessage(m: FromWebview): void; setState(s: unknown): void; getState(): any };
const vscode = acquireVsCodeApi();

const model = new MetricsModel();
const saved = vscode.getState();
if (saved && typeof saved.smoothing === 'number') model.smoothing = saved.smoothing;
if (saved && typeof saved.logScale === 'boolean') model.logScale = saved.logScale;

interface Drawn {
  chart: Chart;
  box: HTMLElement;
  legend: HTMLElement;
  marks: { current?: EpochMarks };
}
const charts = new Map<string, Drawn>();
const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

function cssVar(name: string, fallback: string): string {
  return getComputedStyle(document.body).getPropertyValue(name).trim() || fallback;
}

// Dashed vertical lines where epochs end, and the epoch numbers along the top, under the curves.
function epochMarksPlugin(marks: { current?: EpochMarks }): Plugin<'line'> {
  return {
    id: 'epochMarks',
    beforeDatasetsDraw(chart) {
      const m = marks.current;
      const x = chart.scales.x;
      if (!m || !x) return;
      const { top, bottom, left, right } = chart.chartArea;
      const ctx = chart.ctx;
      ctx.save();
      ctx.strokeStyle = cssVar('--vscode-editorLineNumber-foreground', '#858585');
      ctx.globalAlpha = 0.6;
      ctx.lineWidth = 1;
      ctx.setLineDash([3, 3]);
      for (const b of m.boundaries) {
        const px = Math.round(x.getPixelForValue(b)) + 0.5;
        if (px < left || px > right) continue;
        ctx.beginPath();
        ctx.moveTo(px, top);
        ctx.lineTo(px, bottom);
        ctx.stroke();
      }
      // as many labels as fit without overlapping
      ctx.setLineDash([]);
      ctx.globalAlpha = 0.85;
      ctx.fillStyle = cssVar('--vscode-descriptionForeground', '#999');
      ctx.font = '10px sans-serif';
      ctx.textAlign = 'center';
      ctx.textBaseline = 'top';
      let lastPx = -Infinity;
      for (const l of m.labels) {
        const px = x.getPixelForValue(l.x);
        if (px < left + 8 || px > right - 8 || px - lastPx < 28) continue;
        ctx.fillText(l.text, px, top + 2);
        lastPx = px;
      }
      ctx.restore();
    },
  };
}

// Where the plot area lies in the chart's box, for the e2e test's pixel checks; after every draw,
// since a resize (a scrollbar appearing) redraws without going through render()
function plotAreaPlugin(box: HTMLElement): Plugin<'line'> {
  return {
    id: 'plotArea',
    afterRender(chart) {
      const area = chart.chartArea;
      const off = chart.canvas.getBoundingClientRect();
      const outer = box.getBoundingClientRect();
      if (area)
        box.dataset.plot = [
          area.left + off.left - outer.left,
          area.top + off.top - outer.top,
          area.right + off.left - outer.left,
          area.bottom + off.top - outer.top,
        ]
          .map(Math.round)
          .join(',');
    },
  };
}

function sectionFor(spec: ChartSpec): HTMLElement {
  // losses, lr and validation first; every other scalar below them in smaller charts
  return spec.id === 'losses' || spec.id === 'lr' || spec.id === 'val' ? $('charts') : $('other-charts');
}

function makeChart(spec: ChartSpec): Drawn {
  const box = document.createElement('section');
  box.className = `chart${spec.id === 'losses' ? ' wide' : ''}`;
  box.dataset.chart = spec.id;
  const head = document.createElement('header');
  const title = document.createElement('span');
  title.className = 'title';
  title.textContent = spec.title;
  const legend = document.createElement('span');
  legend.className = 'legend';
  const png = document.createElement('button');
  png.textContent = 'PNG';
  png.title = `Save ${spec.title} as PNG`;
  head.append(title, legend, png);
  const holder = document.createElement('div');
  holder.className = 'canvas-holder';
  const canvas = document.createElement('canvas');
  holder.append(canvas);
  box.append(head, holder);
  sectionFor(spec).append(box);
  const fg = cssVar('--vscode-foreground', '#ccc');
  const grid = cssVar('--vscode-panel-border', 'rgba(128,128,128,.3)');
  const marks: { current?: EpochMarks } = {};
  const axisTitle = (text: string) => ({ display: true, text, color: fg, font: { size: 11 } });
  const chart = new Chart(canvas, {
    type: 'line',
    data: { datasets: [] },
    plugins: [epochMarksPlugin(marks), plotAreaPlugin(box)],
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      plugins: {
        // A long MMYOLO run logs ~10k points per scalar; draw a shape-preserving sample of them
        decimation: { enabled: true, algorithm: 'lttb', samples: 1000, threshold: 2000 },
        tooltip: {
          callbacks: {
            title: (items) => `${spec.axis === 'iter' ? 'iteration' : 'epoch'} ${items[0]?.parsed.x}`,
          },
        },
      },
      scales: {
        x: { type: 'linear', title: axisTitle(spec.xTitle), ticks: { color: fg }, grid: { color: grid } },
        y: {
          type: model.logScale ? 'logarithmic' : 'linear',
          title: axisTitle(spec.yTitle),
          ticks: { color: fg },
          grid: { color: grid },
        },
      },
    },
  });
  png.addEventListener('click', () => {
    vscode.postMessage({ type: 'exportPng', name: spec.id.replace(/^scalar:/, ''), dataUrl: withBackground(canvas) });
  });
  return { chart, box, legend, marks };
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

// The scalars of a grouped chart, each with its dash pattern (the runs are told apart by colour above)
function renderLegend(el: HTMLElement, spec: ChartSpec): void {
  el.replaceChildren();
  if (spec.scalars.length < 2) return;
  spec.scalars.forEach((name, k) => {
    const item = document.createElement('span');
    item.className = 'legend-item';
    const svgNs = 'http://www.w3.org/2000/svg';
    const svg = document.createElementNS(svgNs, 'svg');
    svg.setAttribute('width', '22');
    svg.setAttribute('height', '8');
    const line = document.createElementNS(svgNs, 'line');
    for (const [a, v] of [
      ['x1', '0'],
      ['y1', '4'],
      ['x2', '22'],
      ['y2', '4'],
      ['stroke-width', k === 0 ? '2' : '1.5'],
    ])
      line.setAttribute(a, v);
    line.setAttribute('stroke', 'currentColor');
    const dash = DASHES[k % DASHES.length];
    if (dash.length) line.setAttribute('stroke-dasharray', dash.join(' '));
    svg.append(line);
    item.append(svg, document.createTextNode(name));
    el.append(item);
  });
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
    seen.add(spec.id);
    let c = charts.get(spec.id);
    if (!c) charts.set(spec.id, (c = makeChart(spec)));
    const yType = model.logScale ? 'logarithmic' : 'linear';
    const scales = c.chart.options.scales as any;
    if (scales.y.type !== yType) scales.y.type = yType;
    scales.y.title.text = spec.yTitle;
    const runLabels = new Set(spec.datasets.map((d) => d.runId));
    // With several runs the marks are one run's: say whose
    scales.x.title.text =
      spec.epochMarks && runLabels.size > 1 ? `${spec.xTitle} (epoch marks: ${spec.epochMarks.runLabel})` : spec.xTitle;
    c.marks.current = spec.epochMarks;
    c.chart.data.datasets = spec.datasets.map((d) => ({
      label: d.label,
      data: d.points,
      borderColor: d.color,
      backgroundColor: d.color,
      borderWidth: d.width,
      borderDash: d.dash,
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
    renderLegend(c.legend, spec);
    // What the e2e test reads besides the pixels
    Object.assign(c.box.dataset, {
      points: String(spec.datasets.reduce((n, d) => n + d.points.length, 0)),
      runs: String(runLabels.size),
      scalars: spec.scalars.join(' '),
      xTitle: spec.xTitle,
      yTitle: spec.yTitle,
      epochBoundaries: String(spec.epochMarks?.boundaries.length ?? 0),
    });
    // the epoch marks stand in for the vertical grid lines (the two would be confused)
    scales.x.grid.display = !spec.epochMarks?.boundaries.length;
    c.chart.update('none');
  }
  for (const [id, c] of charts) {
    if (!seen.has(id)) {
      c.chart.destroy();
      c.box.remove();
      charts.delete(id);
    }
  }
  $('empty').style.display = specs.length ? 'none' : '';
  $('other-title').style.display = $('other-charts').childElementCount ? '' : 'none';
  renderRuns();
}

function renderRuns(): void {
  const box = $('runs');
  box.replaceChildren();
  const summary = $('summary');
  summary.replaceChildren();
  for (const s of model.summaries()) {
    const r = model.runs.get(s.runId)!;
    const row = document.createElement('div');
    row.className = 'run';
    row.dataset.run = r.id;
    row.dataset.state = s.state;
    const cb = document.createElement('input');
    cb.type = 'checkbox';
    cb.checked = r.visible;
    cb.title = 'show this run in the charts';
    cb.addEventListener('change', () => {
      model.setVisible(r.id, cb.checked);
      scheduleRender();
    });
    const sw = document.createElement('span');
    sw.className = 'swatch';
    sw.style.background = r.color;
    const text = document.createElement('span');
    text.className = 'summary-text';
    text.textContent = summaryText(s);
    if (s.best)
      Object.assign(row.dataset, {
        bestMetric: s.best.metric,
        bestValue: String(s.best.value),
        bestEpoch: String(s.best.epoch),
      });
    row.append(cb, sw, text);
    box.append(row);
  }
  summary.textContent = `${model.runs.size} run${model.runs.size === 1 ? '' : 's'}, ${[...model.runs.values()].reduce((n, r) => n + r.data.count, 0)} records`;
}

window.addEventListener('message', (e: MessageEvent<ToWebview>) => {
  const m = e.data;
  switch (m.type) {
    case 'run':
      model.addRun(m.id, m.label, m.live);
      break;
    case 'records':
      model.addRecords(m.id, m.records, m.reset);
      break;
    case 'progress':
      model.setProgress(m.id, m.progress);
      break;
    case 'runEnded':
      model.endRun(m.id, m.outcome);
      break;
    case 'remove':
      model.removeRun(m.id);
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
