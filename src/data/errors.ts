// Errors the data layer raises for problems in the user's config or data.

// ConfigError lives in src/errors.ts (the trainer and the metrics raise it too); re-exported
// here so existing imports keep working.
export { ConfigError } from '../errors';

/** A data file (image, annotation, split list) is missing or malformed; the message names the file. */
export class DataError extends Error {
  constructor(message: string, public file?: string) {
    super(message);
    this.name = 'DataError';
  }
}

/** The DataError for a file that cannot be opened: `what` names it for the user ("image list", "image"). */
export function unreadable(file: string, err: unknown, what: string): DataError {
  const code = (err as NodeJS.ErrnoException).code;
  return new DataError(`${file}: error: ${code === 'ENOENT' ? `${what} not found` : `cannot read ${what} (${code})`}`, file);
}
