// Not built yet: dataset download (see report). Placeholder so the CLI compiles.
import { DataError } from './errors';
export async function downloadDataset(name: string, dir: string, _opts: { urlBase?: string; log?: (s: string) => void }): Promise<void> {
  throw new DataError(`${dir}: error: yololab data download ${name}: not built yet`, dir);
}
