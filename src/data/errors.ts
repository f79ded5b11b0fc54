// Errors the data layer raises for problems in the user's config or data.

/** A data file (image, annotation, split list) is missing or malformed; the message names the file. */
export class DataError extends Error {
  constructor(
    message: string,
    public file?: string,
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** The DataError for a file that cannot be opened: `what` names it for the user ("image list", "image"). */
export function unreadable(file: string, err: unknown, what: string): DataError {
  const code = (err as NodeJS.ErrnoException).code;
  return new DataError(
    `${file}: error: ${code === 'ENOENT' ? `${what} not found` : `cannot read ${what} (${code})`}`,
    file,
  );
}
