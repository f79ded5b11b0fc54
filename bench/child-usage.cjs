// Preloaded (`node --require`) into a process a benchmark spawns: at exit, writes its
// CPU time and peak RSS as JSON to the file named by YOLOLAB_USAGE_FILE.
const fs = require('node:fs');

const out = process.env.YOLOLAB_USAGE_FILE;
if (out) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    fs.writeFileSync(out, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS }));
  });
}
