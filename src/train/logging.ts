// Run output in MMEngine's layout: WORK_DIR/TIMESTAMP/TIMESTAMP.log (text) and
// WORK_DIR/TIMESTAMP/vis_data/scalars.json (one JSON object per line, docs/run-log-format.md).
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const p = (n: number) => String(n).padStart(2, '0');

export function timestamp(d = new Date()): string {
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}_${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}`;
}

export function formatEta(seconds: number): string {
  if (!isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return `${h}:${p(m)}:${p(s % 60)}`;
}

/** One line of the .log file, as MMEngine's logger writes it: `2026/12/03 14:00:00 - yololab - LEVEL - msg`. */
function logLine(level: 'INFO' | 'WARNING', msg: string, d = new Date()): string {
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())} - yololab - ${level} - ${msg}`;
}

export class RunLog {
  readonly runDir: string;
  readonly logFile: string;
  readonly scalarsFile: string;
  private tty: boolean;
  private barShown = false;

  constructor(
    readonly workDir: string,
    private echo: (s: string) => void = (s) => process.stdout.write(s),
    tty = !!process.stdout.isTTY,
    stamp = timestamp(),
  ) {
    this.runDir = join(workDir, stamp);
    mkdirSync(join(this.runDir, 'vis_data'), { recursive: true });
    this.logFile = join(this.runDir, `${stamp}.log`);
    this.scalarsFile = join(this.runDir, 'vis_data', 'scalars.json');
    writeFileSync(this.scalarsFile, '');
    this.tty = tty;
  }

  info(msg: string): void {
    const line = logLine('INFO', msg);
    appendFileSync(this.logFile, line + '\n');
    if (this.barShown) this.echo('\r\x1b[K');
    this.barShown = false;
    this.echo(line + '\n');
  }

  warn(msg: string): void {
    appendFileSync(this.logFile, logLine('WARNING', msg) + '\n');
    if (this.barShown) this.echo('\r\x1b[K');
    this.barShown = false;
    // Data-layer warnings come located ("FILE: warning: …"); others get the prefix.
    this.echo(/^\S[^\n]*?: warning: /.test(msg) ? `${msg}\n` : `warning: ${msg}\n`);
  }

  /** Terminal-only progress bar (the log file and pipes get the periodic lines instead). */
  progress(epoch: number, maxEpochs: number, iter: number, iters: number, loss: number, eta: number): void {
    if (!this.tty) return;
    const width = 24;
    const filled = Math.round((iter / iters) * width);
    this.echo(
      `\r\x1b[KEpoch ${epoch}/${maxEpochs} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${iter}/${iters} loss ${loss.toFixed(4)} eta ${formatEta(eta)}`,
    );
    this.barShown = true;
  }

  scalars(obj: Record<string, number>): void {
    appendFileSync(this.scalarsFile, JSON.stringify(obj) + '\n');
  }

  writeConfig(text: string): void {
    writeFileSync(join(this.runDir, 'vis_data', 'config.json'), text);
  }
}
