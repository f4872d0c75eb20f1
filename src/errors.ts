/**
 * Every failure the user can cause is one of these; each carries its exit code. Only cli/main.ts turns them into
 * `ERROR: ...` lines and exit codes (az's: 0 ok, 1 error, 2 usage, 3 not found).
 */
export abstract class AksWgError extends Error {
  abstract readonly exitCode: number;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
  /** The lines printed after `ERROR: ` (az prints some errors over several lines). */
  render(): string {
    return this.message;
  }
}

/** Argument parsing (argparse's errors in az): missing required, unknown flag, bad enum or int. Exit 2. */
export class ArgumentParseError extends AksWgError {
  readonly exitCode = 2;
}

/** A client-side validation rule failed (az's validators and mode-aware getters). Exit 1. */
export class ValidationError extends AksWgError {
  readonly exitCode = 1;
}

/** A rule the service would enforce, printed in ARM's error shape. Exit 1. */
export class ServiceError extends AksWgError {
  readonly exitCode: number = 1;
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
  override render(): string {
    return `(${this.code}) ${this.message}\nCode: ${this.code}\nMessage: ${this.message}`;
  }
}

/** An ARM resource that does not exist. Exit 3. */
export class ResourceNotFoundError extends ServiceError {
  override readonly exitCode = 3;
  constructor(message: string) {
    super('ResourceNotFound', message);
  }
}

/** A local object (pod, node, service, file) that does not exist: a plain one-line error, exit 3. */
export class NotFoundError extends AksWgError {
  readonly exitCode = 3;
}

/** The state directory or a state file cannot be read or written. Exit 1; the file is left as it was. */
export class StateError extends AksWgError {
  readonly exitCode = 1;
}

/** Any other failure while running a command (bad input file, cancelled operation, failed check). Exit 1. */
export class CommandError extends AksWgError {
  readonly exitCode = 1;
}

/** A bug in aks-wg. Exit 1 with a hint to report it. */
export class InternalError extends AksWgError {
  readonly exitCode = 1;
  override render(): string {
    return `${this.message} (this is a bug in aks-wg; please report it, with --debug output)`;
  }
}
