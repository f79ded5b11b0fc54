// `npm run bench`: prints figures and ratios to targets for each part that has a benchmark.

import * as fs from 'node:fs';
import * as path from 'node:path';

const parts = ['config', 'server', 'editor', 'data', 'train', 'checkpoint'];

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  for (const p of parts) {
    if (only.length && !only.includes(p)) continue;
    const file = path.join(__dirname, `${p}.ts`);
    if (!fs.existsSync(file)) {
      console.log(`## ${p}: no benchmark yet`);
      continue;
    }
    const mod = (await import(file)) as { run(): Promise<void> };
    await mod.run();
    console.log('');
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
