// Did a built-in run fail to use the TensorFlow.js backend the user picked? The trainer refuses a
// --backend it cannot load ("backend 'tensorflow' is not usable: ...", src/train/backend.ts) and
// names the backend it runs on ("backend: wasm (...)"). When the two disagree the extension shows
// `yololab doctor`'s report, which says which backends load here and why the others do not.
import { spawn } from 'node:child_process';

// The first word(s) of the trainer's "backend: ..." line for each name --backend accepts
const EXPECTED_LABEL: Record<string, RegExp> = {
  'tensorflow-gpu': /^tensorflow \(tfjs-node-gpu/,
  gpu: /^tensorflow \(tfjs-node-gpu/,
  'node-gpu': /^tensorflow \(tfjs-node-gpu/,
  'tfjs-node-gpu': /^tensorflow \(tfjs-node-gpu/,
  tensorflow: /^tensorflow\b/,
  node: /^tensorflow\b/,
  'tfjs-node': /^tensorflow\b/,
  wasm: /^wasm\b/,
  cpu: /^cpu\b/,
};

const REFUSED =
  /(?:backend '[^']*' is not usable|unknown backend '[^']*'|no TensorFlow\.js backend could be initialised).*/;
const CHOSEN = /\bbackend: (.+)$/;

// Fed the run's log line by line; says once, with the line that shows it, that the asked-for backend is not in use.
export class BackendWatch {
  private reported = false;

  constructor(private readonly requested: string | undefined) {}

  feed(line: string): string | undefined {
    if (this.reported || !this.requested) return undefined;
    const refused = REFUSED.exec(line);
    if (refused) return this.report(refused[0]);
    const chosen = CHOSEN.exec(line);
    const want = EXPECTED_LABEL[this.requested.toLowerCase()];
    if (chosen && want && !want.test(chosen[1].trim())) return this.report(`the run uses ${chosen[1].trim()}`);
    return undefined;
  }

  private report(why: string): string {
    this.reported = true;
    return why;
  }
}

// Runs `yololab doctor` with the same node, CLI, environment and folder as the run (doctor looks for a
// user-installed tfjs-node in the workspace); its whole output, or why there is none.
export function runDoctor(
  node: string,
  cli: string,
  opts: { env?: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number },
): Promise<string> {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(node, [cli, 'doctor'], {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve(`cannot run ${node} ${cli} doctor: ${e.message}`);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal) resolve(`${out}(yololab doctor did not finish: ${signal})`);
      else resolve(code === 0 ? out.trimEnd() : `${out.trimEnd()}\n(yololab doctor exited with code ${code})`);
    });
  });
}
