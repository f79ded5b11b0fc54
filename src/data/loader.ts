// Batches samples of a DetDataset. The order and every sample's augmentation depend only
// on (seed, epoch, index): each sample gets its own Rng forked from those, so prefetching
// (loading ahead, out of step with the consumer) cannot change the data.
import { Rng } from './rng';
import type { DetDataset } from './dataset';
import type { DetSample } from './types';
import { WorkerPool } from './worker-pool';
import { DataError } from './errors';
import { imageDecoderChoice } from './image-decoder';

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
  if (!byN.has(n)) {
    const events = {
      warning: (m: string) => dataset.addWarning?.(m),
      skipped: (i: number, why: string) => dataset.noteSkip?.(i, why),
    };
    byN.set(n, WorkerPool.create({ ...dataset.spec, decoder: imageDecoderChoice() }, n, events));
  }
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
 * The error for an epoch that yields no batch, naming why: every sample was skipped (with
 * the first reason), or the usable ones do not fill one batch and drop_last drops it.
 */
export function noBatchError(
  epoch: number,
  total: number,
  skipped: number,
  firstReason: string | undefined,
  batchSize: number,
): DataError {
  const where = `epoch ${epoch + 1} yields no batch`;
  if (total === 0) return new DataError(`${where}: the dataset has no samples`);
  if (skipped === total) {
    const all = total === 1 ? 'its only sample was' : `all ${total} samples were`;
    return new DataError(
      `${where}: ${all} skipped${firstReason ? ` (${total === 1 ? '' : 'first: '}${firstReason})` : ''}; see the data warnings`,
    );
  }
  const usable = total - skipped;
  const because = skipped ? ` (${skipped} of ${total} skipped${firstReason ? `, first: ${firstReason}` : ''})` : '';
  return new DataError(
    `${where}: ${usable} usable sample${usable === 1 ? '' : 's'}${because} do not fill one batch of ${batchSize}, and drop_last drops the short one`,
  );
}

/**
 * Yields batches of `batchSize` samples in epoch order. Skipped samples (load() -> null)
 * are left out and the batch is filled from the next ones; with dropLast a final short
 * batch is not yielded. An epoch that would yield no batch at all throws a DataError
 * saying why (noBatchError), so a run never "finishes" with zero iterations.
 */
export function createLoader(dataset: DetDataset, opts: LoaderOptions): AsyncIterable<DetSample[]> {
  if (!(Number.isInteger(opts.batchSize) && opts.batchSize >= 1))
    throw new RangeError(`batchSize must be a positive integer, got ${opts.batchSize}`);
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
          const p = pool
            ? pool.load(idx, opts.seed, opts.epoch)
            : dataset.load(idx, sampleRng(opts.seed, opts.epoch, idx));
          p.catch(() => undefined); // rejection is rethrown when this sample is awaited
          inflight.push(p);
        }
      };
      let batch: DetSample[] = [];
      let yielded = 0,
        skipped = 0;
      let firstReason: string | undefined;
      fill();
      for (let k = 0; inflight.length; k++) {
        const sample = await inflight.shift()!;
        fill();
        if (sample) batch.push(sample);
        else {
          skipped++;
          firstReason ??= dataset.skipReason?.(order[k]);
        }
        if (batch.length === opts.batchSize) {
          yielded++;
          yield batch;
          batch = [];
        }
      }
      if (batch.length && !opts.dropLast) {
        yielded++;
        yield batch;
      }
      if (!yielded) throw noBatchError(opts.epoch, order.length, skipped, firstReason, opts.batchSize);
    },
  };
}
