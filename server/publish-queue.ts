// Diagnostics are published in batches: edits and disk changes add files,
// and files are analysed one per turn of the event loop, so requests that
// arrive meanwhile (hover on another file) are answered between them instead
// of after the whole batch.

export class PublishQueue {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    /** Analyses and publishes one file; errors are its own to report. */
    private readonly publish: (file: string) => void,
    private readonly delayMs = 5,
  ) {}

  add(files: Iterable<string>): void {
    for (const f of files) this.pending.add(f);
    if (this.pending.size && !this.timer && !this.running) this.timer = setTimeout(() => this.drain(), this.delayMs);
  }

  private drain(): void {
    this.timer = undefined;
    const next = this.pending.values().next();
    if (next.done) {
      this.running = false;
      return;
    }
    this.running = true;
    this.pending.delete(next.value);
    this.publish(next.value);
    setImmediate(() => this.drain());
  }

  clear(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending.clear();
  }
}
