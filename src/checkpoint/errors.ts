// The error every checkpoint reader and writer raises: one line, naming the file.

/** `where` is the checkpoint file (or URL); the CLI prints `where: error: message`. */
export class CheckpointError extends Error {
  constructor(
    public where: string,
    message: string,
  ) {
    super(message);
    this.name = 'CheckpointError';
  }
}
