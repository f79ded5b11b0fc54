// MMEngine's first look at a config: the raw text (templates still in it) must parse, and
// a new-style config (`with read_base():`, relative imports before `_base_`) is refused.
// On a large config this pass can run in a worker thread while the loader substitutes and
// evaluates on the main thread (two cores instead of one); its verdict is awaited before
// the unit is final, and wins over whatever the evaluation found, as MMEngine's order says.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Stmt } from './ast';
import { parseEach } from './parser';
import type { SyntaxIssue } from './tokenizer';

export interface RawSyntax {
  issues: SyntaxIssue[];
  /** A `with` statement or a relative import before `_base_` (MMEngine's `_is_lazy_import`). */
  newStyle: boolean;
}

export function isBaseAssign(s: Stmt): boolean {
  return s.kind === 'Assign' && s.targets[0].kind === 'Name' && s.targets[0].id === '_base_';
}

export function isNewStyleStatement(s: Stmt): boolean {
  return (s.kind === 'Unsupported' && s.what === "'with' statement") || (s.kind === 'ImportFrom' && s.level > 0);
}

/** The raw pass, keeping nothing but its verdict. `each` sees every statement (the loader's uses). */
export function checkRawSyntax(text: string, each?: (s: Stmt) => void): RawSyntax {
  let sawBase = false;
  let newStyle = false;
  const issues = parseEach(text, (st) => {
    each?.(st);
    if (isBaseAssign(st)) sawBase = true;
    else if (!sawBase && isNewStyleStatement(st)) newStyle = true;
  });
  return { issues, newStyle };
}

/** A raw pass running in a worker thread; `result()` blocks until it is done. */
export interface PendingRawSyntax {
  result(): RawSyntax;
}

/**
 * The worker script: the bundled dist/config-worker.js next to the running bundle, or
 * (from source under tsx, as the tests run) a bootstrap that registers tsx and loads
 * the TypeScript entry. Undefined when neither is there.
 */
function workerScript(): { code: string; eval: boolean } | undefined {
  const bundled = path.join(__dirname, 'config-worker.js');
  if (fs.existsSync(bundled)) return { code: bundled, eval: false };
  const source = path.join(__dirname, 'raw-syntax-worker.ts');
  if (__filename.endsWith('.ts') && fs.existsSync(source)) {
    try {
      const tsx = require.resolve('tsx/cjs');
      return { code: `require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, eval: true };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Starts the raw pass of `text` in a worker thread; undefined when no worker can be
 * started (the caller then runs checkRawSyntax itself). The worker gets its own copy of
 * the text and a small heap, and is gone once it has answered.
 */
export function startRawSyntaxCheck(text: string): PendingRawSyntax | undefined {
  const script = workerScript();
  if (!script) return undefined;
  const done = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  let worker: Worker;
  try {
    worker = new Worker(script.code, {
      eval: script.eval,
      workerData: { text, done, port: port2 },
      transferList: [port2],
      resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 256 },
    });
  } catch {
    return undefined;
  }
  // Never keeps the process alive; an error in it is answered by the fallback below.
  worker.unref();
  worker.on('error', () => undefined);
  let settled: RawSyntax | undefined;
  return {
    result(): RawSyntax {
      if (settled) return settled;
      // Generous: the worker parses about a megabyte in well under a second. If it never
      // answers (it could not start, it died), the pass runs here instead.
      const deadline = Date.now() + 30_000 + text.length / 20_000;
      while (Atomics.load(done, 0) === 0 && Date.now() < deadline) Atomics.wait(done, 0, 0, 200);
      const msg = receiveMessageOnPort(port1 as MessagePort);
      port1.close();
      void worker.terminate();
      const answer = msg?.message as { ok: true; result: RawSyntax } | { ok: false } | undefined;
      settled = answer?.ok ? answer.result : checkRawSyntax(text);
      return settled;
    },
  };
}
