// Starts tfjs-backend-wasm on a shared WebAssembly.Memory, so that YOLO Lab's kernels
// (running on several threads) can read and write tfjs's tensors in place. tfjs's
// single-threaded SIMD module defines and exports its memory; on the way to
// WebAssembly.instantiate its binary is rewritten so that the same memory is imported
// instead, as a shared one. Nothing else about tfjs changes: its kernels, allocator and
// tensors work as before (memory.grow on a shared memory keeps every view valid).
import * as tf from '@tensorflow/tfjs';

/** The wasm heap limit, in 64 KiB pages (4 GiB, as tfjs's own build). */
export const MAX_PAGES = 65536;

function readLeb(b: Uint8Array, p: number): [number, number] {
  let result = 0;
  let shift = 0;
  for (;;) {
    const byte = b[p++];
    result += (byte & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(byte & 0x80)) return [result, p];
  }
}

function leb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n % 128;
    n = Math.floor(n / 128);
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

const name = (s: string) => [...leb(s.length), ...Buffer.from(s, 'latin1')];

/**
 * Rewrites a wasm binary whose one memory is defined in the module into one that imports
 * `env.memory` as a shared memory of the same initial size and `maxPages` maximum. The
 * memory keeps index 0 and its export. Returns null when the binary does not have exactly
 * one defined memory and no imported one (then it is not the module this is meant for).
 */
export function importSharedMemory(
  binary: Uint8Array,
  maxPages = MAX_PAGES,
): { binary: Uint8Array; initialPages: number } | null {
  if (binary.length < 8 || binary[0] !== 0 || binary[1] !== 0x61 || binary[2] !== 0x73 || binary[3] !== 0x6d)
    return null;
  const sections: Array<{ id: number; body: Uint8Array }> = [];
  for (let p = 8; p < binary.length;) {
    const id = binary[p];
    const [size, q] = readLeb(binary, p + 1);
    sections.push({ id, body: binary.subarray(q, q + size) });
    p = q + size;
  }
  const memory = sections.find((s) => s.id === 5);
  if (!memory) return null;
  const [count, q] = readLeb(memory.body, 0);
  if (count !== 1) return null;
  const [initialPages] = readLeb(memory.body, q + 1); // q: limits flags, then the initial size
  const imports = sections.find((s) => s.id === 2);
  if (imports && hasMemoryImport(imports.body)) return null;
  // import entry: module, name, kind 2 (memory), limits 3 (shared, with maximum), initial, maximum
  const entry = [...name('env'), ...name('memory'), 2, 3, ...leb(initialPages), ...leb(maxPages)];
  const parts: Uint8Array[] = [binary.subarray(0, 8)];
  const emit = (id: number, body: Uint8Array) => parts.push(Uint8Array.from([id, ...leb(body.length)]), body);
  let imported = false;
  for (const s of sections) {
    if (s.id === 5) continue;
    // Known sections come in id order; a module without imports gets its import section
    // before the first one that follows it (custom sections, id 0, may sit anywhere).
    if (!imported && (s.id === 2 || s.id > 2)) {
      const [n, r] = s.id === 2 ? readLeb(s.body, 0) : [0, 0];
      emit(2, Uint8Array.from([...leb(n + 1), ...(s.id === 2 ? s.body.subarray(r) : []), ...entry]));
      imported = true;
      if (s.id === 2) continue;
    }
    emit(s.id, s.body);
  }
  return { binary: Buffer.concat(parts), initialPages };
}

function hasMemoryImport(body: Uint8Array): boolean {
  let [n, p] = readLeb(body, 0);
  while (n--) {
    for (let k = 0; k < 2; k++) {
      const [len, q] = readLeb(body, p);
      p = q + len;
    }
    const kind = body[p++];
    if (kind === 2) return true;
    if (kind === 0)
      p = readLeb(body, p)[1]; // function: type index
    else if (kind === 1) {
      p++; // table: element type, then limits
      const flags = body[p++];
      p = readLeb(body, p)[1];
      if (flags & 1) p = readLeb(body, p)[1];
    } else if (kind === 3)
      p += 2; // global: value type, mutability
    else return false;
  }
  return false;
}

let shared: WebAssembly.Memory | null = null;
let wrapped = false;

/**
 * Makes the next initialisation of tfjs's 'wasm' backend use a shared memory. Must run
 * before that backend is first set; returns false when it already runs (on whatever
 * memory it started with).
 */
export function prepareSharedWasm(): boolean {
  if (wrapped) return true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- registers the backend only when it is chosen
  require('@tensorflow/tfjs-backend-wasm');
  const engine = tf.engine() as unknown as { registry: Record<string, unknown> };
  if (engine.registry.wasm) return false;
  const factory = tf.findBackendFactory('wasm');
  if (!factory) return false;
  tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      const original = WebAssembly.instantiate;
      // tfjs's glue instantiates its module once, from the binary, while the factory runs.
      (WebAssembly as { instantiate: unknown }).instantiate = function (
        source: unknown,
        imports?: WebAssembly.Imports,
      ) {
        if (source instanceof Uint8Array || source instanceof ArrayBuffer) {
          const rewritten = importSharedMemory(source instanceof Uint8Array ? source : new Uint8Array(source));
          if (rewritten && imports) {
            shared = new WebAssembly.Memory({ initial: rewritten.initialPages, maximum: MAX_PAGES, shared: true });
            (imports.env as Record<string, unknown>).memory = shared;
            return original.call(WebAssembly, rewritten.binary, imports);
          }
        }
        return (original as (...a: unknown[]) => unknown).apply(WebAssembly, [source, imports]);
      };
      try {
        return await factory();
      } finally {
        (WebAssembly as { instantiate: unknown }).instantiate = original;
      }
    },
    2,
  );
  wrapped = true;
  return true;
}

/** The shared memory tfjs's wasm backend runs on, or null (not started, or not shared). */
export function sharedWasmMemory(): WebAssembly.Memory | null {
  if (!shared || tf.getBackend() !== 'wasm') return null;
  const heap = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8;
  return heap.buffer instanceof SharedArrayBuffer ? shared : null;
}
