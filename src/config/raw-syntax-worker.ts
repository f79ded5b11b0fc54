// Worker thread entry (bundled as dist/config-worker.js): the raw syntax pass of one
// config (raw-syntax.ts), answered on the port it was given, then the flag the loader
// waits on is raised. Always answers, even when the pass throws.

import { workerData, type MessagePort } from 'node:worker_threads';
import { checkRawSyntax, type RawSyntax } from './raw-syntax';

const { text, done, port } = workerData as { text: string; done: Int32Array; port: MessagePort };
let answer: { ok: true; result: RawSyntax } | { ok: false };
try {
  answer = { ok: true, result: checkRawSyntax(text) };
} catch {
  answer = { ok: false };
}
try {
  port.postMessage(answer);
} finally {
  Atomics.store(done, 0, 1);
  Atomics.notify(done, 0);
  port.close();
}
