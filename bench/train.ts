// Trainer benchmark (`npm run bench`): YOLOv8-n (deepen 0.33, widen 0.25, 80 classes) on the
// trainer's backend next to the same network in PyTorch (bench/train_reference.py, same
// batch, resolution and optimizer) and the demo config's iteration next to the real MMYOLO's:
// training step at 320x320x8 and 640x640x2, inference at 640x640x1 and 320x320x8, peak RSS
// while training at 320x320x8, the ten most expensive kernels of one step, and data time
// versus compute time. Ratios are speed ratios (reference seconds / ours); the targets
// (issue 9) are >= 0.5x and <= 1.5 GiB. Where PyTorch or MMYOLO is missing it says so and
// prints the absolute figures.
//
// Environment: YOLOLAB_BENCH_BACKEND (default: what training picks), YOLOLAB_THREADS,
// YOLOLAB_PYTHON (default /usr/bin/python3, then python3), MMYOLO_SRC (default /tmp/src),
// YOLOLAB_BENCH_QUICK=1 (one repetition, no demo runs).
import * as tf from '@tensorflow/tfjs';
import type { ModelCfg } from '../src/train/config-types';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { selectBackend } from '../src/train/backend';
import { kernelRuntime, startKernels, stopKernels } from '../src/train/kernels/tf-kernels';
import { flopCounter } from '../src/train/ops';
import { ParamStore } from '../src/train/params';
import { YOLODetector } from '../src/train/model/detector';
import { Optimizer } from '../src/train/optim';
import { trainStep } from '../src/train/train-step';
import { train } from '../src/train/runner';
import { makeDemoDataset } from '../src/data/demo-dataset';
import { Rng } from '../src/data/rng';
import type { DetSample } from '../src/data/types';

const root = resolve(__dirname, '..');
const quick = process.env.YOLOLAB_BENCH_QUICK === '1';
const REPS = quick ? 1 : 3;
const TRAIN_CASES = [
  { size: 320, batch: 8 },
  { size: 640, batch: 2 },
];
const INFER_CASES = [
  { size: 640, batch: 1 },
  { size: 320, batch: 8 },
];
const DEMO_CONFIG = join(root, 'configs', 'demo', 'yolov8_n-tiny_1xb8-10e_demo.py');
const DEMO_ITERS = 40; // four logging windows of 10; the first (warm-up) is not counted

export function yolov8n(): ModelCfg {
  const w = 0.25;
  const d = 0.33;
  return {
    type: 'YOLODetector',
    backbone: { type: 'YOLOv8CSPDarknet', deepen_factor: d, widen_factor: w, last_stage_out_channels: 1024 },
    neck: {
      type: 'YOLOv8PAFPN',
      deepen_factor: d,
      widen_factor: w,
      in_channels: [256, 512, 1024],
      out_channels: [256, 512, 1024],
      num_csp_blocks: 3,
    },
    bbox_head: {
      type: 'YOLOv8Head',
      head_module: {
        type: 'YOLOv8HeadModule',
        num_classes: 80,
        in_channels: [256, 512, 1024],
        widen_factor: w,
        reg_max: 16,
      },
    },
  };
}

/** Random images with three boxes each (as train_reference.py's data). */
export function samples(n: number, size: number, rng: Rng): DetSample[] {
  return Array.from({ length: n }, (_, i) => {
    const img = new Float32Array(size * size * 3);
    for (let k = 0; k < img.length; k++) img[k] = rng.int(256);
    const boxes: number[] = [];
    const labels: number[] = [];
    for (let j = 0; j < 3; j++) {
      const x = rng.uniform(0, size * 0.6);
      const y = rng.uniform(0, size * 0.6);
      const s = rng.uniform(size * 0.1, size * 0.35);
      boxes.push(x, y, x + s, y + s);
      labels.push(rng.int(80));
    }
    return {
      img,
      height: size,
      width: size,
      bboxes: Float32Array.from(boxes),
      labels: Int32Array.from(labels),
      ignore: new Uint8Array(3),
      meta: {
        file: `bench${i}`,
        imageId: `bench${i}`,
        oriHeight: size,
        oriWidth: size,
        scaleFactor: [1, 1],
        pad: [0, 0, 0, 0],
        flip: false,
      },
    } as unknown as DetSample;
  });
}

const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Peak resident set size of this process so far (Linux VmHWM), else the current RSS. */
function peakRss(): number {
  try {
    const m = readFileSync('/proc/self/status', 'utf8').match(/VmHWM:\s+(\d+) kB/);
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux
  }
  return process.memoryUsage().rss;
}

interface Figure {
  name: string;
  ours: number; // seconds
  ref?: number;
  refWhat?: string;
  extra?: string;
}

interface Ours {
  figures: Figure[];
  /** One 320x320x8 step on one thread: process CPU seconds (little affected by other load). */
  cpu1: number;
  peakRss320: number;
  kernels: Array<{ name: string; ms: number }>;
  profiledStepMs: number;
}

async function measureOurs(): Promise<Ours> {
  const store = new ParamStore(new Rng(0));
  const det = new YOLODetector(store, yolov8n());
  const figures: Figure[] = [];
  const rng = new Rng(1);
  let peak320 = 0;
  let kernels: Array<{ name: string; ms: number }> = [];
  let profiledStepMs = 0;
  for (const c of TRAIN_CASES) {
    const opt = new Optimizer(store, {
      optimizer: { type: 'SGD', lr: 0.01, momentum: 0.937, nesterov: true, weight_decay: 5e-4 },
      constructor: 'YOLOv5OptimizerConstructor',
    });
    const batch = samples(c.batch, c.size, rng);
    const times: number[] = [];
    let fwdFlops = 0;
    for (let i = 0; i < REPS + 1; i++) {
      flopCounter.flops = 0;
      const t = performance.now();
      trainStep(det, opt, batch);
      if (i > 0 || REPS === 1) times.push(performance.now() - t);
      fwdFlops = flopCounter.flops; // the convolutions of one forward pass
    }
    const s = median(times) / 1000;
    figures.push({
      name: `train step ${c.size}x${c.size}x${c.batch}`,
      ours: s,
      extra: `${((3 * fwdFlops) / 1e9 / s).toFixed(1)} GFLOP/s (conv, 3x forward)`,
    });
    if (c.size === 320 && c.batch === 8) {
      peak320 = peakRss();
      // Where the time goes: the kernels of one profiled step (tfjs's and YOLO Lab's).
      const t0 = performance.now();
      const prof = await tf.profile(() => {
        trainStep(det, opt, batch);
      });
      profiledStepMs = performance.now() - t0;
      const backendName = tf.getBackend();
      const by = new Map<string, number>();
      for (const k of prof.kernels) {
        // Scopes (customGrad wrappers) contain kernels: only registered kernels are counted.
        if (!tf.getKernel(k.name, backendName)) continue;
        by.set(k.name, (by.get(k.name) ?? 0) + Number(k.kernelTimeMs));
      }
      kernels = [...by.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
    }
    for (const g of opt.state.slots.values()) tf.dispose(g);
  }
  // Inference: the network's forward pass on a collated batch (as the reference's model(x)),
  // its outputs read back; det.predict adds decoding, the score threshold and NMS.
  for (const c of INFER_CASES) {
    const batch = samples(c.batch, c.size, rng);
    const { images, h, w } = YOLODetector.collate(batch);
    const times: number[] = [];
    for (let i = 0; i < REPS + 1; i++) {
      const t = performance.now();
      const outs = tf.tidy(() => {
        const o = det.forward(det.preprocess(images, c.batch, h, w), { training: false, bnUpdates: [] });
        return Object.values(o as Record<string, unknown>).filter((t): t is tf.Tensor => t instanceof tf.Tensor);
      });
      for (const o of outs) o.dataSync();
      tf.dispose(outs);
      if (i > 0 || REPS === 1) times.push(performance.now() - t);
    }
    figures.push({
      name: `inference ${c.size}x${c.size}x${c.batch}`,
      ours: median(times) / 1000,
      extra: 'network forward',
    });
  }
  // One thread: CPU time, the figure that other processes on the machine distort least.
  let cpu1 = NaN;
  if (kernelRuntime()) {
    const threads = kernelRuntime()!.threads;
    await stopKernels();
    startKernels(1);
    const opt = new Optimizer(store, {
      optimizer: { type: 'SGD', lr: 0.01, momentum: 0.937, nesterov: true, weight_decay: 5e-4 },
      constructor: 'YOLOv5OptimizerConstructor',
    });
    const batch = samples(8, 320, rng);
    const cpu: number[] = [];
    for (let i = 0; i < REPS + 1; i++) {
      const c0 = process.cpuUsage();
      trainStep(det, opt, batch);
      const c = process.cpuUsage(c0);
      if (i > 0 || REPS === 1) cpu.push((c.user + c.system) / 1e6);
    }
    cpu1 = median(cpu);
    for (const g of opt.state.slots.values()) tf.dispose(g);
    await stopKernels();
    startKernels(threads);
  }
  store.dispose();
  return { figures, cpu1, peakRss320: peak320, kernels, profiledStepMs };
}

function findPython(): { python: string; torch: string } | { why: string } {
  const candidates = process.env.YOLOLAB_PYTHON ? [process.env.YOLOLAB_PYTHON] : ['/usr/bin/python3', 'python3'];
  const tried: string[] = [];
  for (const py of candidates) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (r.status === 0) return { python: py, torch: r.stdout.trim() };
    tried.push(`${py}: ${r.error ? r.error.message : (r.stderr || '').trim().split('\n').pop()}`);
  }
  return { why: tried.join('; ') };
}

/** PyTorch reference figures by name with 2 threads, and the 320x320x8 step's CPU seconds on one. */
function measurePyTorch(
  python: string,
): { byName: Map<string, number>; threads: number; cpu1: number } | { why: string } {
  const run = (threads: number, cases: string) =>
    spawnSync(python, [join(__dirname, 'train_reference.py'), String(threads), cases, String(REPS)], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
  const r = run(
    2,
    [
      ...TRAIN_CASES.map((c) => `train:${c.size}x${c.batch}`),
      ...INFER_CASES.map((c) => `infer:${c.size}x${c.batch}`),
    ].join(','),
  );
  if (r.status !== 0)
    return { why: `bench/train_reference.py failed: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}` };
  const byName = new Map<string, number>();
  let threads = 0;
  for (const line of r.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const j = JSON.parse(line);
    threads = j.threads;
    byName.set(`${j.kind === 'train' ? 'train step' : 'inference'} ${j.size}x${j.size}x${j.batch}`, j.seconds);
  }
  const one = run(1, 'train:320x8');
  const j = one.status === 0 ? JSON.parse(one.stdout.split('\n').find((l) => l.startsWith('{')) ?? '{}') : {};
  return { byName, threads, cpu1: j.cpu_seconds ?? NaN };
}

/** The demo dataset in a temporary folder (the user's data/ is left alone). */
async function demoData(tmp: string): Promise<string> {
  const dir = join(tmp, 'demo-data');
  await makeDemoDataset(dir);
  return dir;
}

/** Our demo-config iteration: median over logging windows after the first. */
async function measureOurDemo(
  dataDir: string,
  tmp: string,
): Promise<{ time: number; dataTime: number; workers: string }> {
  const lines: string[] = [];
  const r = await train({
    config: DEMO_CONFIG,
    workDir: join(tmp, 'ours'),
    seed: 0,
    echo: (s) => lines.push(s),
    tty: false,
    maxIters: DEMO_ITERS,
    cfgOptions: [
      `train_dataloader.dataset.data_root=${dataDir}/`,
      `val_dataloader.dataset.data_root=${dataDir}/`,
      `test_dataloader.dataset.data_root=${dataDir}/`,
    ],
  });
  const scalars = readFileSync(join(r.runDir, 'vis_data', 'scalars.json'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('"data_time"'))
    .map((l) => JSON.parse(l));
  const windows = scalars.slice(1);
  const workers = lines.join('').match(/(\d+) loader worker thread/)?.[1] ?? '0';
  return { time: median(windows.map((s) => s.time)), dataTime: median(windows.map((s) => s.data_time)), workers };
}

/** The real MMYOLO on the same config and data (2 torch threads): median iteration time of epoch 2. */
function measureMmyoloDemo(
  python: string,
  dataDir: string,
  tmp: string,
): { time: number; dataTime: number } | { why: string } {
  const src = process.env.MMYOLO_SRC ?? '/tmp/src';
  const trainPy = join(src, 'mmyolo', 'tools', 'train.py');
  if (!existsSync(trainPy)) return { why: `MMYOLO not found (${trainPy}; set MMYOLO_SRC)` };
  const cfg = join(tmp, 'mmyolo_demo.py');
  // MMYOLO's YOLOv8 needs yolov5_collate, which the demo config (written for YOLO Lab) does not set.
  writeFileSync(
    cfg,
    [
      `_base_ = ${JSON.stringify(DEMO_CONFIG)}`,
      `train_dataloader = dict(collate_fn=dict(type='yolov5_collate'), dataset=dict(data_root=${JSON.stringify(dataDir + '/')}))`,
      `val_dataloader = dict(dataset=dict(data_root=${JSON.stringify(dataDir + '/')}))`,
      'test_dataloader = val_dataloader',
      // Two epochs, no validation (tools/train.py needs a val_dataloader; val_begin keeps it unused).
      'train_cfg = dict(max_epochs=2, val_interval=1, val_begin=100)',
      "default_hooks = dict(logger=dict(type='LoggerHook', interval=10), checkpoint=dict(type='CheckpointHook', interval=100, save_best=None))",
      '',
    ].join('\n'),
  );
  const shim = join(root, 'test', 'helpers', 'mmyolo_env.py');
  const r = spawnSync(python, [shim, trainPy, cfg, '--work-dir', join(tmp, 'mmyolo')], {
    encoding: 'utf8',
    cwd: root,
    env: { ...process.env, MMYOLO_SRC: src, OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2' },
    maxBuffer: 1 << 26,
    timeout: 600_000,
  });
  const out = `${r.stdout}\n${r.stderr}`;
  const epoch2 = [...out.matchAll(/Epoch\(train\)\s+\[2\]\[\s*\d+\/\d+\].*?\btime: ([\d.]+)\s+data_time: ([\d.]+)/g)];
  if (!epoch2.length)
    return { why: `MMYOLO's run gave no epoch-2 timings (exit ${r.status}): ${out.trim().split('\n').slice(-1)[0]}` };
  return { time: median(epoch2.map((m) => Number(m[1]))), dataTime: median(epoch2.map((m) => Number(m[2]))) };
}

const fmtS = (s: number) => (s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`);

export async function run(): Promise<void> {
  console.log('## train (YOLOv8-n: the built-in trainer vs PyTorch and MMYOLO on this machine)');
  const t0 = Date.now();
  const backend = await selectBackend(process.env.YOLOLAB_BENCH_BACKEND);
  console.log(`backend: ${backend.label}`);
  const load0 = loadavg()[0];
  const ours = await measureOurs();

  const py = findPython();
  let refThreads: number | undefined;
  let refCpu1 = NaN;
  if ('why' in py)
    console.log(`PyTorch: not available (${py.why}): absolute figures only (apt-get install python3-torch)`);
  else {
    const ref = measurePyTorch(py.python);
    if ('why' in ref) console.log(`PyTorch ${py.torch}: ${ref.why}`);
    else {
      refThreads = ref.threads;
      refCpu1 = ref.cpu1;
      for (const f of ours.figures) f.ref = ref.byName.get(f.name);
      console.log(
        `reference: PyTorch ${py.torch} fp32, ${refThreads} threads, same network/batch/resolution (bench/train_reference.py)`,
      );
    }
  }

  let demo: { time: number; dataTime: number; workers: string } | undefined;
  if (!quick) {
    const tmp = mkdtempSync(join(tmpdir(), 'yololab-bench-'));
    try {
      const dataDir = await demoData(tmp);
      demo = await measureOurDemo(dataDir, tmp);
      const fig: Figure = { name: 'demo config iteration (160x160x8, data + step)', ours: demo.time };
      if ('why' in py) fig.refWhat = 'MMYOLO needs PyTorch';
      else {
        const mm = measureMmyoloDemo(py.python, dataDir, tmp);
        if ('why' in mm) fig.refWhat = mm.why;
        else {
          fig.ref = mm.time;
          fig.extra = `MMYOLO data_time ${fmtS(mm.dataTime)}, 2 torch threads`;
        }
      }
      ours.figures.push(fig);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  const rows = [['figure', 'reference', 'YOLO Lab', 'speed ratio (target >= 0.5x)', 'notes']];
  for (const f of ours.figures) {
    const ratio =
      f.ref !== undefined ? `${(f.ref / f.ours).toFixed(2)}x${f.ref / f.ours >= 0.5 ? '' : ' (below)'}` : '-';
    rows.push([f.name, f.ref !== undefined ? fmtS(f.ref) : (f.refWhat ?? 'n/a'), fmtS(f.ours), ratio, f.extra ?? '']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows)
    console.log(
      r
        .map((c, i) => c.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    );

  if (Number.isFinite(ours.cpu1))
    console.log(
      `one thread, CPU time of a 320x320x8 step (little affected by other processes): YOLO Lab ${ours.cpu1.toFixed(2)} s` +
        (Number.isFinite(refCpu1) ? `, PyTorch ${refCpu1.toFixed(2)} s: ${(refCpu1 / ours.cpu1).toFixed(2)}x` : ''),
    );
  const load1 = loadavg()[0];
  const cores = availableParallelism();
  console.log(
    `load average ${load0.toFixed(1)} at the start, ${load1.toFixed(1)} at the end, ${cores} cores` +
      (Math.max(load0, load1) > cores
        ? ": other processes competed for the cores, wall times are inflated (PyTorch's OpenMP threads most)"
        : ''),
  );
  const gib = ours.peakRss320 / 2 ** 30;
  console.log(
    `peak RSS training 320x320x8: ${(ours.peakRss320 / 2 ** 20).toFixed(0)} MiB (target <= 1536 MiB${gib <= 1.5 ? '' : ', above'})`,
  );
  if (demo)
    console.log(
      `data vs compute (demo config, ${demo.workers} loader worker thread${demo.workers === '1' ? '' : 's'}): waiting for data ${fmtS(demo.dataTime)} of ${fmtS(demo.time)} per iteration; compute ${fmtS(demo.time - demo.dataTime)}`,
    );
  const total = ours.kernels.reduce((s, k) => s + k.ms, 0);
  console.log(
    `ten most expensive kernels of one 320x320x8 training step (${fmtS(ours.profiledStepMs / 1000)} profiled; kernels ${fmtS(total / 1000)}, the rest is JavaScript, the assigner and tfjs bookkeeping):`,
  );
  for (const k of ours.kernels.slice(0, 10))
    console.log(
      `  ${k.name.padEnd(28)} ${k.ms.toFixed(1).padStart(8)} ms  ${((k.ms / ours.profiledStepMs) * 100).toFixed(1).padStart(5)}%`,
    );
  console.log(`(trainer bench: ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
}

if (require.main === module) run().then(() => process.exit(0));
