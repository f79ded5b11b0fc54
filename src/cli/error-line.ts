// The one line a failed command prints: `file:line:col: error: message` when the error knows
// where it is (config errors carry `where`), else `yololab CMD: error: message`.
export function errorLine(cmd: string, e: unknown): string {
  const err = e as Error & { where?: string };
  const msg = (err?.message ?? String(e)).split('\n').filter(Boolean);
  if (err?.where) return `${err.where}: error: ${msg[0]}`;
  if (/Aborted\(|Cannot enlarge memory|out of memory|Array buffer allocation failed/i.test(msg[0] ?? ''))
    return `yololab ${cmd}: error: out of memory (${msg[0]}); the wasm heap is capped at 4 GB: lower train_dataloader.batch_size or img_scale`;
  // What tfjs-backend-wasm's code hits when its allocator has returned nothing (no message of its own).
  if (/table index is out of bounds|memory access out of bounds/i.test(msg[0] ?? ''))
    return `yololab ${cmd}: error: the wasm backend failed (${msg[0]}), most often because its 4 GB heap is full: lower train_dataloader.batch_size or img_scale`;
  // Already located ("file:line:col: error: …" from the engine, "file: error: …" from the data layer).
  if (/^\S[^\n]*?: error: /.test(msg[0] ?? '')) return msg.join('\n');
  return `yololab ${cmd}: error: ${msg[0] ?? 'unknown error'}`;
}
