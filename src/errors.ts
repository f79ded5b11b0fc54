// Errors shared by the engine's users and the data layer. Dependency-free on purpose:
// the trainer, the metrics, the data layer and the CLI all import it without pulling in
// each other.

/**
 * A config asks for something that cannot be built; `where` is file:line of the setting.
 * The message is left as given so callers format `where: error: message` once.
 */
export class ConfigError extends Error {
  constructor(
    message: string,
    public where?: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}
