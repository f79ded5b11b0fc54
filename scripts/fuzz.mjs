// `npm run fuzz [-- --seed N] [--cases N] [--batches N]`: the config fuzzer for longer than
// `npm test` runs it. Each batch is a child process with a timeout (a hang is reported,
// with the seed to reproduce it); failing inputs are kept under the OS temp folder.
//   node --import tsx test/fuzz/config-fuzz.ts SEED CASES KEEP_DIR   reruns one batch.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const first = opt('seed', Math.floor(Math.random() * 2 ** 31));
const cases = opt('cases', 500);
const batches = opt('batches', 10);
const keep = join(tmpdir(), 'yololab-fuzz-failures');
mkdirSync(keep, { recursive: true });

let failures = 0;
let total = 0;
let loaded = 0;
for (let b = 0; b < batches; b++) {
  const seed = first + b;
  const t0 = Date.now();
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/fuzz/config-fuzz.ts', String(seed), String(cases), keep],
    { encoding: 'utf8', timeout: 15 * 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  const secs = ((Date.now() - t0) / 1000).toFixed(0);
  if (r.status === null) {
    failures++;
    console.log(
      `seed ${seed}: killed after ${secs} s (${r.signal}): an input ran without bound; rerun: node --import tsx test/fuzz/config-fuzz.ts ${seed} ${cases} ${keep}`,
    );
    continue;
  }
  const last = r.stdout.trim().split('\n').pop() ?? '';
  let report;
  try {
    report = JSON.parse(last);
  } catch {
    failures++;
    console.log(`seed ${seed}: the fuzzer crashed (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
    continue;
  }
  total += report.cases;
  loaded += report.loaded;
  console.log(
    `seed ${seed}: ${report.cases} cases, ${report.loaded} loaded, ${report.failed.length} failed, slowest ${report.slowest.ms.toFixed(0)} ms (${report.slowest.file}), ${secs} s`,
  );
  for (const f of report.failed) {
    failures++;
    console.log(`  case ${f.index}: ${f.problem}\n    input kept at ${f.file}`);
  }
}
console.log(
  `${total} cases (${loaded} loaded), ${failures} failure${failures === 1 ? '' : 's'}; seeds ${first}..${first + batches - 1}`,
);
process.exit(failures ? 1 : 0);
