// yololab command-line entry: dispatches to one module per command.
// Each command module exports `run(argv): Promise<number>` (the exit code).
type Command = { run(argv: string[]): Promise<number>; summary: string };

const commands: Record<string, () => Promise<Command>> = {
  'print-config': () => import('./print-config'),
  lint: () => import('./lint'),
  train: () => import('./train'),
  test: () => import('./test'),
  data: () => import('./data'),
  demo: () => import('./demo'),
  doctor: () => import('./doctor'),
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = ['usage: yololab <command> [options]', '', 'commands:'];
    for (const [n, load] of Object.entries(commands)) lines.push(`  ${n.padEnd(14)}${(await load()).summary}`);
    process.stdout.write(lines.join('\n') + '\n');
    return name ? 0 : 2;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`yololab: unknown command '${name}' (try: ${Object.keys(commands).join(', ')})\n`);
    return 2;
  }
  return (await load()).run(rest);
}

// A reader that goes away (the editor closed, `| head`) must not kill a training run:
// ignore a broken pipe and keep going; the run's own log file still gets every line.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    // A bug, not a user error: say so in one line, keep the stack for YOLOLAB_DEBUG.
    process.stderr.write(`yololab: internal error: ${err instanceof Error ? err.message : String(err)}\n`);
    if (process.env.YOLOLAB_DEBUG) process.stderr.write(String(err?.stack) + '\n');
    process.exitCode = 70;
  },
);
