// The kernel runtime in use (set by tf-kernels.ts) and the helpers every file that runs
// kernels on tfjs's wasm tensors needs.
import * as tf from '@tensorflow/tfjs';
import type { KernelRuntime } from './runtime';

export type Info = tf.TensorInfo;

/** The parts of tfjs-backend-wasm's backend the kernels use. */
export interface WasmBackend {
  dataIdMap: { get(id: object): { memoryOffset: number } };
  makeOutput(shape: number[], dtype: 'float32'): Info;
  incRef(id: object): void;
  wasm: { _malloc(n: number): number; _free(p: number): void };
}

let current: KernelRuntime | null = null;

export function setActiveRuntime(r: KernelRuntime | null): void {
  current = r;
}

/** The started runtime (whatever the backend), or null. */
export function activeRuntime(): KernelRuntime | null {
  return current;
}

/** The started runtime; a kernel that runs without one is a bug. */
export function rt(): KernelRuntime {
  if (!current) throw new Error('internal: YOLO Lab kernels are not started');
  return current;
}

/** Where a tensor's data is in the wasm memory. */
export const ptr = (backend: WasmBackend, t: Info): number => backend.dataIdMap.get(t.dataId).memoryOffset;

export const sizeOf = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Rows per task of the row-wise kernels: about 16k floats. */
export function rowChunk(rows: number, width: number): number {
  return Math.max(1, Math.min(rows, Math.ceil(16384 / Math.max(1, width))));
}
