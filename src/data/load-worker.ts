// Worker-thread entry for the loader's worker pool: rebuilds the dataset from its config
// and answers { id, index, seed, epoch } requests with the loaded sample, so decoding and
// augmentation run on another core while the trainer computes.
import { parentPort, workerData } from 'node:worker_threads';
import { buildDataset } from './dataset';
import { sampleRng } from './loader';
import { setImageDecoder } from './image-decoder';
import type { WorkerRequest, WorkerReply, WorkerInit } from './worker-pool';

const init = workerData as WorkerInit;
if (init.decoder) setImageDecoder(init.decoder);
let ready = false;
const port = parentPort!;
// Warnings found while re-reading the annotations were already reported by the main thread.
const ds = buildDataset(init.cfg, {
  cwd: init.cwd,
  strict: init.strict,
  onWarning: (m) => {
    if (ready) port.postMessage({ warning: m } satisfies WorkerReply);
  },
});
ready = true;

port.on('message', async (req: WorkerRequest) => {
  try {
    const sample = await ds.load(req.index, sampleRng(req.seed, req.epoch, req.index));
    const skipped = sample ? undefined : ds.skipReason?.(req.index);
    port.postMessage({ id: req.id, sample, skipped } satisfies WorkerReply);
  } catch (e) {
    const err = e as Error & { where?: string };
    port.postMessage({
      id: req.id,
      error: { name: err?.name ?? 'Error', message: err?.message ?? String(e), where: err?.where },
    } satisfies WorkerReply);
  }
});
