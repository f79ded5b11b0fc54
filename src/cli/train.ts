// Not built yet: placeholder so the CLI bundles while this command is written.
export const summary = '(not built yet)';
export async function run(_argv: string[]): Promise<number> {
  process.stderr.write('yololab train: not built yet\n');
  return 2;
}
