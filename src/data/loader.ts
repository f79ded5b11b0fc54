// Batches samples of a DetDataset. The order and every sample's augmentation depend only
// on (seed, epoch, index): each sample gets its own Rng forked from those, so prefetching
// (loading ahead, out of step with the consumer) cannot change the data.
import { Rng } from './rng';
import type { DetDataset } from './dataset';
import type { DetSample } from './types';

export interface LoaderOptions {
  batchSize: number;
  shuffle: boolean;
  seed: number;
  epoch: number;
  dropLast?: boolean;
  /** Batches loaded ahead of the consumer (default 2). */
  prefetch?: number;
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
      const inflight: Promise<DetSample | null>[] = [];
      let next = 0;
      const fill = () => {
        while (inflight.length < ahead && next < order.length) {
          const idx = order[next++];
          const p = dataset.load(idx, sampleRng(opts.seed, opts.epoch, idx));
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
