// YOLO Lab's wasm kernels (src/train/kernels): the committed binary is what its source
// builds to, it cannot touch memory it is not given, tfjs runs on the shared memory, and
// every kernel's values and gradients match tfjs's stock ops on the cpu backend (the
// reference), bit-identically whatever the number of threads.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/train/backend';
import {
  concatChannels,
  conv2d,
  convAffine,
  convBatchNormTrain,
  markConstant,
  maxPoolSame,
  splitChannels,
  upsample2x,
  useStockOps,
} from '../../src/train/ops';
import { importSharedMemory } from '../../src/train/kernels/shared-memory';
import {
  kernelRuntime,
  startKernels,
  stopKernels,
  winogradTile,
  useWinograd,
} from '../../src/train/kernels/tf-kernels';
import { Rng } from '../../src/data/rng';
import { ParamStore } from '../../src/train/params';
import { YOLODetector } from '../../src/train/model/detector';

const dir = join(__dirname, '..', '..', 'src', 'train', 'kernels');
const BUILT_WITH = 'Debian clang version 14.0.6';

function rand(n: number, seed: number, scale = 1): Float32Array {
  const r = new Rng(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

function close(got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < want.length; i++) scale = Math.max(scale, Math.abs(want[i]));
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst <= tol * (scale + 1), `${what}: max abs diff ${worst} (values up to ${scale})`);
}

/** Runs f on the cpu backend with tfjs's stock ops (the reference), then on wasm with the kernels. */
async function both<T>(f: () => T): Promise<{ ref: T; got: T }> {
  await tf.setBackend('cpu');
  useStockOps(true);
  let ref: T;
  try {
    ref = f();
  } finally {
    useStockOps(false);
  }
  await tf.setBackend('wasm');
  assert.ok(kernelRuntime(), 'kernels run on wasm');
  return { ref, got: f() };
}

const read = (ts: tf.Tensor[]) => ts.map((t) => Float32Array.from(t.dataSync() as Float32Array));

before(async () => {
  const choice = await selectBackend('wasm');
  assert.match(choice.label, /YOLO Lab kernels, \d+ threads?/, choice.label);
});

after(() => stopKernels());

test(`the committed yololab-kernels.wasm is what build.sh makes from kernels.c (${BUILT_WITH})`, (t) => {
  let version: string;
  try {
    version = execFileSync('clang', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  } catch {
    t.skip('clang is not installed (apt-get install clang lld): the rebuild is not checked');
    return;
  }
  if (!version.includes(BUILT_WITH)) {
    t.skip(`bytes are only reproducible with ${BUILT_WITH}; found ${version}`);
    return;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'yololab-kernels-'));
  try {
    const out = join(tmp, 'rebuilt.wasm');
    execFileSync('sh', [join(dir, 'build.sh'), out]);
    assert.ok(
      readFileSync(out).equals(readFileSync(join(dir, 'yololab-kernels.wasm'))),
      'src/train/kernels/yololab-kernels.wasm is stale: run src/train/kernels/build.sh and commit it',
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('the kernel module imports one shared memory and has no memory, data or start of its own', () => {
  const bytes = readFileSync(join(dir, 'yololab-kernels.wasm'));
  const mod = new WebAssembly.Module(bytes);
  assert.deepEqual(WebAssembly.Module.imports(mod), [{ module: 'env', name: 'memory', kind: 'memory' }]);
  assert.ok(
    WebAssembly.Module.exports(mod).some((e) => e.name === '__stack_pointer' && e.kind === 'global'),
    'the stack pointer is exported (each thread gets its own stack)',
  );
  const ids: number[] = [];
  for (let p = 8; p < bytes.length;) {
    ids.push(bytes[p]);
    let size = 0;
    let shift = 0;
    let q = p + 1;
    for (;;) {
      const b = bytes[q++];
      size += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (!(b & 0x80)) break;
    }
    p = q + size;
  }
  for (const [id, what] of [
    [5, 'memory'],
    [8, 'start'],
    [11, 'data'],
    [12, 'data count'],
  ] as const)
    assert.ok(!ids.includes(id), `unexpected ${what} section`);
  // The import is shared, with the 4 GiB maximum tfjs's memory gets.
  assert.doesNotThrow(
    () =>
      new WebAssembly.Instance(mod, {
        env: { memory: new WebAssembly.Memory({ initial: 16, maximum: 65536, shared: true }) },
      }),
  );
  assert.throws(
    () => new WebAssembly.Instance(mod, { env: { memory: new WebAssembly.Memory({ initial: 16, maximum: 65536 }) } }),
    /shared/,
  );
});

test('the bundled CLI (dist/cli.js) finds the module; YOLOLAB_KERNELS=0 turns the kernels off and says so', (t) => {
  const root = join(__dirname, '..', '..');
  if (!existsSync(join(root, 'dist', 'cli.js'))) {
    t.skip('dist/ is not built (npm run build; npm test builds it)');
    return;
  }
  assert.ok(existsSync(join(root, 'dist', 'yololab-kernels.wasm')), 'the build copies the module next to dist/cli.js');
  const doctor = (env: Record<string, string>) =>
    execFileSync(process.execPath, [join(root, 'bin', 'yololab.js'), 'doctor'], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
  assert.match(
    doctor({ YOLOLAB_THREADS: '2' }),
    /wasm +loads: wasm \(tfjs-backend-wasm \+ YOLO Lab kernels, 2 threads\)/,
  );
  assert.match(
    doctor({ YOLOLAB_KERNELS: '0' }),
    /wasm +loads: wasm \(tfjs-backend-wasm, XNNPACK, single thread; YOLO Lab kernels off \(YOLOLAB_KERNELS=0\)\)/,
  );
});

test('importSharedMemory: a module that defines its memory imports it shared; others are left alone', () => {
  // (module (memory (export "memory") 1 2) (func (export "get") (result i32) i32.const 8 i32.load))
  const wasm = Uint8Array.from([
    0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 127, 3, 2, 1, 0, 5, 4, 1, 1, 1, 2, 7, 16, 2, 6, 109, 101, 109, 111,
    114, 121, 2, 0, 3, 103, 101, 116, 0, 0, 10, 9, 1, 7, 0, 65, 8, 40, 2, 0, 11,
  ]);
  assert.ok(WebAssembly.validate(new Uint8Array(wasm)));
  const r = importSharedMemory(wasm)!;
  assert.equal(r.initialPages, 1);
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  const inst = new WebAssembly.Instance(new WebAssembly.Module(new Uint8Array(r.binary)), { env: { memory } });
  new Int32Array(memory.buffer)[2] = 1234;
  assert.equal((inst.exports.get as () => number)(), 1234);
  assert.equal(inst.exports.memory, memory);
  assert.equal(importSharedMemory(r.binary), null, 'a module that already imports its memory');
  assert.equal(importSharedMemory(Uint8Array.from([1, 2, 3])), null, 'not wasm');
  assert.equal(importSharedMemory(Uint8Array.from([0, 97, 115, 109, 1, 0, 0, 0])), null, 'no memory');
});

test('tfjs-backend-wasm runs on the shared memory the kernels use', () => {
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
  assert.ok(heap.buffer instanceof SharedArrayBuffer);
  assert.equal(kernelRuntime()!.memory.buffer.byteLength, heap.buffer.byteLength);
});

const convCases = [
  { b: 2, h: 11, w: 9, ci: 34, co: 36, k: 3, s: 1, p: 1 }, // Winograd F(2x2, 3x3), odd sizes
  { b: 1, h: 6, w: 8, ci: 32, co: 41, k: 3, s: 1, p: 1 }, // Winograd, co not a multiple of 8
  { b: 2, h: 7, w: 6, ci: 3, co: 4, k: 3, s: 1, p: 1 },
  { b: 2, h: 8, w: 8, ci: 3, co: 5, k: 3, s: 2, p: 1 },
  { b: 2, h: 7, w: 9, ci: 4, co: 2, k: 3, s: 2, p: 1 },
  { b: 3, h: 5, w: 5, ci: 9, co: 17, k: 1, s: 1, p: 0 },
  { b: 1, h: 12, w: 12, ci: 3, co: 2, k: 6, s: 2, p: 2 },
  { b: 2, h: 9, w: 7, ci: 13, co: 33, k: 3, s: 1, p: 1 },
  { b: 2, h: 10, w: 10, ci: 16, co: 8, k: 3, s: 2, p: 1 },
  { b: 1, h: 6, w: 6, ci: 5, co: 7, k: 1, s: 2, p: 0 },
  { b: 2, h: 11, w: 11, ci: 7, co: 12, k: 5, s: 1, p: 2 },
  { b: 4, h: 20, w: 20, ci: 24, co: 40, k: 3, s: 1, p: 1 },
];

// A loss with a different weight per output element, so every gradient entry is exercised.
const weighted = (y: tf.Tensor) => tf.sum(tf.mul(y, tf.sin(tf.range(0, y.size).reshape(y.shape))));

test('conv2d (+ bias): values and gradients for x, w and bias match cpu stock autograd', async () => {
  for (const c of convCases) {
    const xs = rand(c.b * c.h * c.w * c.ci, 1);
    const ws = rand(c.k * c.k * c.ci * c.co, 2, 0.3);
    const bs = rand(c.co, 3);
    for (const withBias of [false, true]) {
      const { ref, got } = await both(() =>
        tf.tidy(() => {
          const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
          const w = tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]);
          const bias = tf.tensor1d(bs);
          const f = (a: tf.Tensor, k: tf.Tensor, bb?: tf.Tensor) =>
            weighted(conv2d(a as tf.Tensor4D, k as tf.Tensor4D, c.s, c.p, bb as tf.Tensor1D | undefined));
          const grads = tf.grads(f)(withBias ? [x, w, bias] : [x, w]);
          return read([conv2d(x, w, c.s, c.p, withBias ? bias : undefined), ...grads]);
        }),
      );
      const name = `${JSON.stringify(c)}${withBias ? ' + bias' : ''}`;
      assert.equal(got.length, withBias ? 4 : 3);
      // The bias gradient sums b*h*w terms of about 1 in different orders: float32 rounding.
      got.forEach((g, i) => close(g, ref[i], i === 3 ? 1e-4 : 1e-5, `${name} ${['y', 'dx', 'dw', 'dbias'][i]}`));
    }
  }
});

test('conv + training batch norm (+ SiLU): output, batch statistics and gradients match cpu stock autograd', async () => {
  for (const c of convCases.slice(0, 8)) {
    const xs = rand(c.b * c.h * c.w * c.ci, 4, 2);
    const ws = rand(c.k * c.k * c.ci * c.co, 5, 0.3);
    const gs = rand(c.co, 6).map((v) => 1 + 0.3 * v);
    const bs = rand(c.co, 7, 0.5);
    for (const act of [true, false]) {
      const { ref, got } = await both(() =>
        tf.tidy(() => {
          const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
          const w = tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]);
          const g = tf.tensor1d(gs);
          const b = tf.tensor1d(bs);
          const f = (a: tf.Tensor, k: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
            const r = convBatchNormTrain(
              a as tf.Tensor4D,
              k as tf.Tensor4D,
              gg as tf.Tensor1D,
              bb as tf.Tensor1D,
              c.s,
              c.p,
              1e-3,
              act,
            );
            tf.dispose([r.mean!, r.variance!]);
            return weighted(r.y);
          };
          const grads = tf.grads(f)([x, w, g, b]);
          const r = convBatchNormTrain(x, w, g, b, c.s, c.p, 1e-3, act);
          // The running averages as a BN layer keeps them (momentum 0.03, unbiased variance).
          const running = {
            mean: tf.tensor1d(rand(c.co, 21)),
            variance: tf.tensor1d(rand(c.co, 22).map((v) => 1 + v * v)),
            momentum: 0.03,
          };
          const u = convBatchNormTrain(x, w, g, b, c.s, c.p, 1e-3, act, running);
          return read([r.y, r.mean!, r.variance!, ...grads, u.y, u.runningMean!, u.runningVar!]);
        }),
      );
      const name = `${JSON.stringify(c)} act=${act}`;
      [
        'y',
        'mean',
        'variance',
        'dx',
        'dw',
        'dgamma',
        'dbeta',
        'y (with running)',
        'running mean',
        'running var',
      ].forEach((what, i) => close(got[i], ref[i], 2e-5, `${name} ${what}`));
    }
  }
});

test('Winograd F(4x4, 3x3) and F(2x2, 3x3) run the 3x3 stride-1 convolutions with 32+ channels (input gradient 16+) and agree with the direct kernel', async () => {
  const g3 = { kh: 3, kw: 3, stride: 1, pad: 1, h: 40, w: 40 };
  for (const pass of ['forward', 'inputGrad', 'filterGrad'] as const) {
    assert.equal(winogradTile({ ...g3, ci: 34, co: 36 }, pass), 4, pass);
    assert.equal(winogradTile({ ...g3, stride: 2, ci: 64, co: 64 }, pass), 0, pass);
    assert.equal(winogradTile({ ...g3, ci: 8, co: 64 }, pass), 0, pass);
    assert.equal(winogradTile({ ...g3, ci: 16, co: 24 }, pass), pass === 'inputGrad' ? 4 : 0, pass);
    // Small images: F(4x4)'s tiles overhang (10x10: 9 tiles of 16 pixels), F(2x2) is kept.
    assert.equal(winogradTile({ ...g3, ci: 64, co: 64, h: 10, w: 10 }, pass), 2, pass);
    assert.equal(winogradTile({ ...g3, ci: 64, co: 64, h: 5, w: 5 }, pass), 2, pass);
    assert.equal(winogradTile({ ...g3, ci: 64, co: 64, h: 13, w: 10 }, pass), 4, pass);
  }
  await tf.setBackend('wasm');
  // Sizes that leave partial tiles for both tile sizes (13 = 3*4+1, 10 = 2*4+2).
  const c = { b: 3, h: 13, w: 10, ci: 33, co: 36 };
  const xs = rand(c.b * c.h * c.w * c.ci, 23);
  const ws = rand(9 * c.ci * c.co, 24, 0.2);
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
      const w = tf.tensor4d(ws, [3, 3, c.ci, c.co]);
      return read([
        conv2d(x, w, 1, 1),
        ...tf.grads((a: tf.Tensor, k: tf.Tensor) => weighted(conv2d(a as tf.Tensor4D, k as tf.Tensor4D, 1, 1)))([x, w]),
      ]);
    });
  try {
    useWinograd('f4');
    const f4 = run();
    useWinograd('f2');
    const f2 = run();
    useWinograd('off');
    const direct = run();
    // F(4x4)'s transforms multiply by up to 5 and 1/24 in float32: errors ~10x F(2x2)'s.
    ['y', 'dx', 'dw'].forEach((what, i) => close(f2[i], direct[i], 2e-6, `F(2x2) vs direct ${what}`));
    ['y', 'dx', 'dw'].forEach((what, i) => close(f4[i], direct[i], 2e-5, `F(4x4) vs direct ${what}`));
    for (const [name, got] of [
      ['F(2x2)', f2],
      ['F(4x4)', f4],
    ] as const)
      assert.ok(
        got[0].some((v, i) => v !== direct[0][i]),
        `${name} and the direct kernel are different computations`,
      );
  } finally {
    useWinograd('f4');
  }
});

test('whole YOLOv8-n (widen 0.25): loss gradients with Winograd equal those of the direct kernels', async () => {
  await tf.setBackend('wasm');
  const model = {
    type: 'YOLODetector',
    backbone: { type: 'YOLOv8CSPDarknet', deepen_factor: 0.33, widen_factor: 0.25 },
    neck: {
      type: 'YOLOv8PAFPN',
      deepen_factor: 0.33,
      widen_factor: 0.25,
      in_channels: [256, 512, 1024],
      out_channels: [256, 512, 1024],
      num_csp_blocks: 3,
    },
    bbox_head: {
      type: 'YOLOv8Head',
      head_module: {
        type: 'YOLOv8HeadModule',
        num_classes: 3,
        in_channels: [256, 512, 1024],
        widen_factor: 0.25,
        reg_max: 16,
      },
    },
  };
  const grads = () => {
    const store = new ParamStore(new Rng(0));
    const det = new YOLODetector(store, model);
    const r = new Rng(1);
    const imgs = new Float32Array(2 * 64 * 64 * 3).map(() => r.next() * 255);
    const targets = {
      boxes: [Float32Array.from([4, 6, 40, 30]), Float32Array.from([10, 10, 60, 60])],
      labels: [Int32Array.from([0]), Int32Array.from([2])],
    };
    const params = [...store.params.values()];
    const { value, grads: g } = tf.variableGrads(
      () => det.loss(markConstant(det.preprocess(imgs, 2, 64, 64)), targets, { training: true, bnUpdates: [] }).loss,
      params.map((p) => p.variable),
    );
    const out = new Map(params.map((p) => [p.name, Float32Array.from(g[p.variable.name].dataSync() as Float32Array)]));
    const loss = value.dataSync()[0];
    tf.dispose([value, ...Object.values(g)]);
    store.dispose();
    return { loss, out };
  };
  const wino = grads();
  useWinograd('off');
  let direct;
  try {
    direct = grads();
  } finally {
    useWinograd('f4');
  }
  assert.ok(Math.abs(wino.loss - direct.loss) < 1e-5 * Math.abs(direct.loss), `loss ${wino.loss} vs ${direct.loss}`);
  for (const [name, d] of direct.out) close(wino.out.get(name)!, d, 1e-4, `gradient of ${name}`);
});

test('inference conv with batch norm folded into scale and shift (+ SiLU) matches conv, affine, SiLU', async () => {
  for (const c of convCases) {
    const xs = rand(c.b * c.h * c.w * c.ci, 8);
    const ws = rand(c.k * c.k * c.ci * c.co, 9, 0.3);
    const sc = rand(c.co, 10).map((v) => 1 + 0.2 * v);
    const sh = rand(c.co, 11);
    for (const act of [true, false]) {
      const { ref, got } = await both(() =>
        tf.tidy(() =>
          read([
            convAffine(
              tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]),
              tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]),
              c.s,
              c.p,
              tf.tensor1d(sc),
              tf.tensor1d(sh),
              act,
            ),
          ]),
        ),
      );
      close(got[0], ref[0], 1e-5, `${JSON.stringify(c)} act=${act}`);
    }
  }
});

test('concat, split (any axis, float32 and int32), zero-copy clone and 2x upsampling match cpu, with gradients', async () => {
  const shapes = [
    [2, 5, 3, 4],
    [1, 3, 3, 7],
  ];
  for (const shape of shapes) {
    for (let axis = 0; axis < 4; axis++) {
      const other = shape.slice();
      other[axis] = 2;
      const a = rand(
        shape.reduce((p, q) => p * q, 1),
        12,
      );
      const b = rand(
        other.reduce((p, q) => p * q, 1),
        13,
      );
      const { ref, got } = await both(() =>
        tf.tidy(() => {
          const ta = tf.tensor(a, shape);
          const tb = tf.tensor(b, other);
          const cat = tf.concat([ta, tb, ta], axis);
          const ints = tf.concat([ta.toInt(), tb.toInt()], axis);
          const parts = tf.split(cat, [shape[axis], 2, shape[axis]], axis);
          const [ga, gb] = tf.grads((p: tf.Tensor, q: tf.Tensor) => weighted(tf.concat([p, q, p], axis)))([ta, tb]);
          const [gs] = tf.grads((p: tf.Tensor) => weighted(tf.split(p, [shape[axis], 2, shape[axis]], axis)[1]))([cat]);
          return [...read([cat, ...parts, tf.clone(cat), ga, gb, gs]), Float32Array.from(ints.dataSync())];
        }),
      );
      // Copies are exact; gradients carry the weights' sin(), which differs in the last bit.
      got.forEach((g, i) => close(g, ref[i], i >= 5 && i < 8 ? 1e-6 : 0, `shape ${shape} axis ${axis} output ${i}`));
    }
  }
  // Channel helpers and upsampling (the neck's path).
  const xs = rand(2 * 3 * 4 * 6, 14);
  const { ref, got } = await both(() =>
    tf.tidy(() => {
      const x = tf.tensor4d(xs, [2, 3, 4, 6]);
      const [p, q] = splitChannels(x, [2, 4]);
      const [gx] = tf.grads((a: tf.Tensor) =>
        weighted(upsample2x(concatChannels(splitChannels(a as tf.Tensor4D, [4, 2]).reverse()))),
      )([x]);
      return read([p, q, upsample2x(x), gx]);
    }),
  );
  got.forEach((g, i) => close(g, ref[i], 1e-6, `channel helpers / upsample output ${i}`));
});

test("max-pool (SPPF): value and gradient match a loop that, as PyTorch, gives a window's gradient to its first maximum", async () => {
  await tf.setBackend('wasm');
  for (const [b, h, w, c, k, ties] of [
    [2, 6, 5, 7, 5, false],
    [1, 10, 10, 8, 5, true],
    [2, 4, 7, 3, 3, true],
  ] as const) {
    const r = new Rng(17);
    // With ties: small integers, so windows often hold several equal maxima.
    const xs = Float32Array.from({ length: b * h * w * c }, () => (ties ? r.int(4) : r.normal()));
    const dys = rand(xs.length, 18);
    const at = (n: number, i: number, j: number, ch: number) => ((n * h + i) * w + j) * c + ch;
    const refY = new Float32Array(xs.length);
    const refDx = new Float32Array(xs.length);
    const p = Math.floor(k / 2);
    for (let n = 0; n < b; n++)
      for (let i = 0; i < h; i++)
        for (let j = 0; j < w; j++)
          for (let ch = 0; ch < c; ch++) {
            let best = -Infinity;
            let arg = -1;
            for (let di = 0; di < k; di++)
              for (let dj = 0; dj < k; dj++) {
                const ii = i + di - p;
                const jj = j + dj - p;
                if (ii < 0 || jj < 0 || ii >= h || jj >= w) continue;
                if (xs[at(n, ii, jj, ch)] > best) {
                  best = xs[at(n, ii, jj, ch)];
                  arg = at(n, ii, jj, ch);
                }
              }
            refY[at(n, i, j, ch)] = best;
            refDx[arg] += dys[at(n, i, j, ch)];
          }
    const [y, dx] = tf.tidy(() => {
      const x = tf.tensor4d(xs, [b, h, w, c]);
      const dy = tf.tensor4d(dys, [b, h, w, c]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(maxPoolSame(a as tf.Tensor4D, k), dy)))(x);
      return read([maxPoolSame(x, k), g]);
    });
    close(y, refY, 0, `max-pool ${[b, h, w, c, k]} value`);
    close(dx, refDx, 1e-6, `max-pool ${[b, h, w, c, k]} gradient${ties ? ' (ties)' : ''}`);
  }
});

test('large elementwise ops (threaded replacements) and their gradients match cpu, every broadcast tfjs allows', async () => {
  const cases: Array<[number[], number[]]> = [
    [
      [8, 50, 41],
      [8, 50, 41],
    ], // same shape
    [[8, 50, 41], [41]], // trailing vector
    [
      [8, 50, 40],
      [50, 40],
    ],
    [[8, 50, 40], []], // scalar
    [[8, 40, 40, 3], [3]], // an image's channels: a period that is not a multiple of 4
    [[1, 64, 64, 3], [3]], // batch 1: leading 1s on both sides
    [
      [8, 30, 5, 6],
      [5, 6],
    ],
    [
      [1, 50, 40],
      [8, 50, 40],
    ], // the first operand repeats
    [
      [8, 50, 4, 1],
      [8, 50, 4, 16],
    ], // inner broadcast (the box head's softmax gradient): one value per vector
    [
      [8, 50, 4, 16],
      [8, 50, 1, 1],
    ], // the second operand expanded over two dimensions
    [
      [8, 100, 4, 1],
      [8, 100, 4, 6],
    ], // inner broadcast by a count that is not a multiple of 4: tfjs's own kernel
    [
      [6, 7],
      [6, 7],
    ], // small: tfjs's own kernel
  ];
  const binary = [tf.add, tf.sub, tf.mul, tf.div, tf.maximum, tf.minimum];
  const unary = [tf.exp, tf.sigmoid, tf.softplus];
  for (const [sa, sb] of cases) {
    const av = rand(
      sa.reduce((p, q) => p * q, 1),
      19,
      3,
    );
    const bv = rand(
      sb.reduce((p, q) => p * q, 1),
      20,
      3,
    ).map((v) => (Math.abs(v) < 0.1 ? 0.5 : v)); // no division by ~0
    const { ref, got } = await both(() =>
      tf.tidy(() => {
        const a = tf.tensor(av, sa);
        const b = tf.tensor(bv, sb);
        const out: tf.Tensor[] = [];
        // (tfjs's maximum/minimum gradients do not reduce broadcast operands: same shapes only)
        for (const f of binary)
          out.push(
            f(a, b),
            ...((f === tf.maximum || f === tf.minimum) && sa.join() !== sb.join()
              ? []
              : tf.grads((p: tf.Tensor, q: tf.Tensor) => weighted(f(p, q)))([a, b])),
          );
        for (const f of unary) out.push(f(tf.mul(a, 3)), ...tf.grads((p: tf.Tensor) => weighted(f(p)))([a]));
        return read(out);
      }),
    );
    // The gradient of a broadcast operand sums out/in terms (tfjs's Sum on each backend, in
    // its own order): float32 rounding grows with the square root of that count.
    const full = Math.max(av.length, bv.length);
    got.forEach((g, i) =>
      close(g, ref[i], 1e-5 * Math.sqrt(full / g.length), `shapes ${JSON.stringify([sa, sb])} output ${i}`),
    );
  }
});

test("Sum's gradient (the expanding kernel for trailing axes, tfjs's otherwise) equals cpu's bit for bit", async () => {
  // [shape, axis, keepDims]: trailing axes run on the kernel; a leading axis, an odd count
  // and a small tensor keep tfjs's gradient.
  const cases: Array<[number[], number | number[], boolean]> = [
    [[8, 50, 4, 16], -1, false],
    [[8, 50, 4, 16], [2, 3], false],
    [[8, 50, 4, 16], 3, true],
    [[8, 50, 4, 16], 1, false],
    [[8, 100, 4, 6], 3, false],
    [[4, 16], 1, false],
  ];
  for (const [shape, axis, keepDims] of cases) {
    const xv = rand(
      shape.reduce((p, q) => p * q, 1),
      21,
    );
    // Weights made in JavaScript (not by each backend's sin): dy is the same on both sides.
    const { ref, got } = await both(() =>
      tf.tidy(() => {
        const f = (x: tf.Tensor) => {
          const y = tf.sum(x, axis, keepDims);
          const w = Float32Array.from({ length: y.size }, (_, k) => Math.sin(k));
          return tf.sum(tf.mul(y, tf.tensor(w, y.shape)));
        };
        return read(tf.grads(f)([tf.tensor(xv, shape)]));
      }),
    );
    // dy * 1 on both sides: the same values exactly.
    got.forEach((g, i) =>
      close(g, ref[i], 0, `shape ${JSON.stringify(shape)} axis ${JSON.stringify(axis)} output ${i}`),
    );
  }
});

test('results are bit-identical with 1, 2 and 3 threads', async () => {
  await tf.setBackend('wasm');
  // A strided conv (direct kernels), then a 3x3 stride-1 one with 40 channels (Winograd in
  // all three passes; 360 tiles, so the filter gradient sums several chunks).
  const c = { b: 3, h: 48, w: 40, ci: 12, co: 40, k: 3, s: 2, p: 1 };
  const c2 = 36;
  const xs = rand(c.b * c.h * c.w * c.ci, 15);
  const ws = rand(c.k * c.k * c.ci * c.co, 16, 0.3);
  const ws2 = rand(9 * c.co * c2, 17, 0.1);
  const run = () =>
    tf.tidy(() => {
      const x = tf.tensor4d(xs, [c.b, c.h, c.w, c.ci]);
      const w = tf.tensor4d(ws, [c.k, c.k, c.ci, c.co]);
      const w2 = tf.tensor4d(ws2, [3, 3, c.co, c2]);
      const g = tf.ones([c.co]);
      const b = tf.zeros([c.co]);
      const f = (a: tf.Tensor, k: tf.Tensor, k2: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor) => {
        const r = convBatchNormTrain(
          a as tf.Tensor4D,
          k as tf.Tensor4D,
          gg as tf.Tensor1D,
          bb as tf.Tensor1D,
          c.s,
          c.p,
          1e-3,
          true,
        );
        tf.dispose([r.mean, r.variance]);
        const y2 = conv2d(r.y, k2 as tf.Tensor4D, 1, 1);
        return tf.add(
          weighted(y2),
          weighted(
            concatChannels(
              [r.y, upsample2x(r.y.slice([0, 0, 0, 0], [c.b, 6, 5, c.co]))].map(
                (t) => t.slice([0, 0, 0, 0], [c.b, 12, 10, c.co]) as tf.Tensor4D,
              ),
            ),
          ),
        );
      };
      return read(tf.grads(f)([x, w, w2, g, b]));
    });
  const results: Float32Array[][] = [];
  for (const threads of [1, 2, 3]) {
    await stopKernels();
    assert.equal(startKernels(threads), null);
    assert.equal(kernelRuntime()!.threads, threads);
    results.push(run(), run());
  }
  for (let i = 1; i < results.length; i++)
    results[i].forEach((g, k) =>
      assert.ok(Buffer.from(g.buffer).equals(Buffer.from(results[0][k].buffer)), `gradient ${k} differs (run ${i})`),
    );
});
