// What the tests read back from a run: the CLI's stderr without tfjs's banner (printed on
// import, about tfjs-node), and the text of a run's .log file (RUN_DIR/TIMESTAMP.log).
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const TFJS_BANNER = /^=+$|^Hi, looks like you are running TensorFlow\.js|github\.com\/tensorflow\/tfjs-node for more/;

/** The non-empty lines of stderr that the program itself wrote. */
export function stderrLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() && !TFJS_BANNER.test(l));
}

/** The run's log file, as text. */
export function runLogText(runDir: string): string {
  const name = readdirSync(runDir).find((f) => f.endsWith('.log'));
  if (!name) throw new Error(`no .log file in ${runDir}`);
  return readFileSync(join(runDir, name), 'utf8');
}
