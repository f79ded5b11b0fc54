// Batches samples of a DetDataset. The order and every sample's augmentation depend only
// on (seed, epoch, index): each sample gets its own Rng forked from those, so prefetching
// (loading ahead, out of step with the consumer) cannot change the data.
import { Rng } from './rng';
import type { DetDataset } from './dataset';
import type { DetSample } from './types';
import { WorkerPool } from './worker-pool';

export interface LoaderOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  epoch: number;
  dropLast?: boolean;
  /** Batches loaded ahead of the consumer (default 2). */
  prefetch?: number;
  /**
   * Worker threads that decode and augment (a config's num_workers). 0 (default) loads on
   * the calling thread. Workers need a dataset made by buildDataset; otherwise, or when
   * the worker script is not found, loading falls back to the calling thread.
   */
  workers?: number;
}

// One pool per dataset and size, kept across epochs (workers re-read the annotations once).
const pools = new WeakMap<DetDataset, Map<number, WorkerPool | null>>();

function poolFor(dataset: DetDataset, n: number): WorkerPool | null {
  if (!dataset.spec || n <= 0) return null;
  let byN = pools.get(dataset);
  if (!byN) pools.set(dataset, (byN = new Map()));
  if (!byN.has(n)) byN.set(n, WorkerPool.create(dataset.spec, n, (m) => dataset.addWarning?.(m)));
  return byN.get(n)!;
}

/** Stops the worker threads of a dataset's pools (they also stop when the process exits). */
export async function closeLoaderWorkers(dataset: DetDataset): Promise<void> {
  const byN = pools.get(dataset);
  pools.delete(dataset);
  if (byN) await Promise.all([...byN.values()].map((p) => p?.close()));
}

/** The index order of one epoch. */
export function epochOrder(length: number, opts: Pick<LoaderOptions, 'shuffle' | 'seed' | 'epoch'>): number[] {
  const order = Array.from({ length }, (_, i) => i);
  return opts.shuffle ? new Rng(opts.seed).fork(`order:${opts.epoch}`).shuffle(order) : order;
}

/** The Rng a sample's pipeline runs with. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return new Rng(seed).fork(`sample:${epoch}:${index}`);
}

/**
 * Yields batches of `batchSize` samples in epoch order. Skipped samples (load() -> null)
 * are left out and the batch is filled from the next ones; with dropLast a final short
 * batch is not yielded.
 */
export function createLoader(dataset: DetDataset, opts: LoaderOptions): AsyncIterable<DetSample[]> {
  if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1)) throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
  const ahead = Math.max(1, (opts.prefetch ?? 2) * opts.batchSize);
  return {
    async *[Symbol.asyncIterator]() {
      const order = epochOrder(dataset.length, opts);
      const pool = poolFor(dataset, opts.workers ?? 0);
      const inflight: Promise<DetSample | null>[] = [];
      let next = 0;
      const fill = () => {
        while (inflight.length < ahead && next < order.length) {
          const idx = order[next++];
          const p = pool ? pool.load(idx, opts.seed, opts.epoch) : dataset.load(idx, sampleRng(opts.seed, opts.epoch, idx));
          p.catch(() => undefined); // rejection is rethrown when this sample is awaited
          inflight.push(p);
        }
      };
      let batch: DetSample[] = [];
      fill();
      while (inflight.length) {
        const sample = await inflight.shift()!;
        fill();
        if (sample) batch.push(sample);
        if (batch.length === opts.batchSize) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length && !opts.dropLast) yield batch;
    },
  };
}
