// yololab doctor: what the trainer can use on this machine — which TensorFlow.js backends
// load and why the others do not (for tfjs-node-gpu, the CUDA/cuDNN libraries libtensorflow
// needs and where they were found), threads, memory, the image decoder. It reads files and
// loads packages in this process; it runs no other program. Exit code 0 whatever it finds:
// a machine with only the CPU backends is a working machine.
import { availableParallelism, cpus, freemem, totalmem } from 'node:os';
import { readFileSync } from 'node:fs';
import { parseArgs, UsageError } from './args';
import { errorLine } from './error-line';

export const summary = 'show which training backends load here and why not (CUDA/cuDNN for the GPU), threads, memory';

const usage = 'usage: yololab doctor';

export interface BackendStatus {
  name: string;
  ok: boolean;
  detail: string;
}

const GB = 2 ** 30;
const gb = (n: number) => `${(n / GB).toFixed(1)} GB`;

/** Tries every backend the trainer knows, in the trainer's order, as `--backend NAME` would. */
export async function backendStatuses(): Promise<BackendStatus[]> {
  const { selectBackend } = await import('../train/backend');
  const { locateNative, describeLocation } = await import('../train/native-backend');
  const out: BackendStatus[] = [];
  const fail = (e: unknown) => ((e as Error)?.message ?? String(e)).replace(/^backend '[^']+' is not usable: /, '');
  let nativeTaken = '';
  for (const name of ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']) {
    if (name === 'tensorflow' && nativeTaken) {
      // Both native packages register the backend 'tensorflow': a second one cannot be loaded beside the first.
      const s = locateNative('@tensorflow/tfjs-node');
      out.push({
        name,
        ok: false,
        detail: `not tried: ${nativeTaken} already provides the 'tensorflow' backend in this process${s.found ? `; ${describeLocation(s.found)} is installed` : ''}`,
      });
      continue;
    }
    try {
      const choice = await selectBackend(name);
      out.push({ name, ok: true, detail: choice.label });
      if (name === 'tensorflow-gpu') nativeTaken = 'tfjs-node-gpu';
    } catch (e) {
      out.push({ name, ok: false, detail: fail(e) });
    }
  }
  return out;
}

/** The GPU section: what libtensorflow needs and which of its libraries the loader would find. */
export async function gpuLines(): Promise<string[]> {
  const nb = await import('../train/native-backend');
  const req = nb.GPU_REQUIREMENTS;
  const lines = [
    `libtensorflow ${req.libtensorflow} (tfjs-node-gpu 4.x) needs CUDA ${req.cuda} and cuDNN ${req.cudnn}; the loader's search (LD_LIBRARY_PATH, ld.so.conf, /etc/ld.so.cache) finds:`,
  ];
  if (process.platform !== 'linux' && process.platform !== 'win32')
    return [`tfjs-node-gpu has no build for ${process.platform}`];
  const driver = nb.nvidiaDriverVersion();
  for (const c of nb.findCudaLibraries()) {
    lines.push(
      `  ${c.what.padEnd(16)} ${c.lib.padEnd(20)} ${c.path ?? 'not found'}${c.lib === 'libcuda.so.1' && driver ? ` (kernel module ${driver})` : ''}`,
    );
  }
  return lines;
}

function cgroupLimit(): number | undefined {
  const limit = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory?.();
  if (limit && limit < 2 ** 60) return limit;
  for (const f of ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/memory/memory.limit_in_bytes']) {
    try {
      const v = Number(readFileSync(f, 'utf8').trim());
      if (Number.isFinite(v) && v > 0 && v < 2 ** 60) return v;
    } catch {
      /* not in a cgroup with a limit */
    }
  }
  return undefined;
}

export async function report(): Promise<string> {
  const lines: string[] = ['yololab doctor: what the built-in trainer can use on this machine', ''];
  lines.push('backends, in the order the trainer tries them (yololab train --backend NAME picks one):');
  const statuses = await backendStatuses();
  for (const s of statuses) lines.push(`  ${s.name.padEnd(15)} ${s.ok ? 'loads' : 'no'}: ${s.detail}`);
  const pick = statuses.find((s) => s.ok);
  lines.push(`  -> the trainer would use ${pick ? pick.name : 'nothing: no backend loads'}`);
  lines.push('');
  lines.push('GPU (tfjs-node-gpu):');
  for (const l of await gpuLines()) lines.push(`  ${l}`);
  lines.push(
    '  to use it: npm install @tensorflow/tfjs-node-gpu@4.22.0 in the workspace, globally (-g), or anywhere and set yololab.tfjsNodePath (YOLOLAB_TFJS_NODE_PATH) to that folder',
  );
  lines.push('');
  const cores = availableParallelism();
  const pool = process.env.UV_THREADPOOL_SIZE;
  const { defaultThreads } = await import('../train/kernels/runtime');
  lines.push(
    `threads: ${cores} cores available (${cpus()[0]?.model?.trim() ?? 'unknown CPU'}); on the wasm backend a run computes on ${defaultThreads()} (YOLO Lab's kernels; YOLOLAB_THREADS) and decodes/augments in min(num_workers, ${Math.max(0, cores - 1)}) loader worker threads; libuv pool ${pool ?? '4 (UV_THREADPOOL_SIZE unset)'}`,
  );
  const limit = cgroupLimit();
  lines.push(
    `memory: ${gb(totalmem())} total, ${gb(freemem())} available${limit ? `, container limit ${gb(limit)}` : ''}; the wasm backend's heap is capped at 4 GB`,
  );
  const { describeImageDecoder } = await import('../data/image-decoder');
  let decoder: string;
  try {
    decoder = describeImageDecoder();
  } catch (e) {
    decoder = (e as Error).message;
  }
  lines.push(`data: ${decoder}`);
  const tfjs = (() => {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- read where it is installed, outside the bundle
      return require('@tensorflow/tfjs/package.json').version;
    } catch {
      return '?';
    }
  })();
  lines.push(`node ${process.version} (${process.platform} ${process.arch}), @tensorflow/tfjs ${tfjs}`);
  return lines.join('\n') + '\n';
}

export async function run(argv: string[]): Promise<number> {
  try {
    const p = parseArgs(argv, { flags: ['help'] });
    if (p.flags.has('help')) {
      process.stdout.write(usage + '\n');
      return 0;
    }
    if (p.positional.length) throw new UsageError(usage);
    process.stdout.write(await report());
    return 0;
  } catch (e) {
    process.stderr.write(errorLine('doctor', e) + '\n');
    return e instanceof UsageError ? 2 : 1;
  }
}
