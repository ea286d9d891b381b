import { ApiError, JsonStreamError } from '../client/errors.ts';

/**
 * Ends a command with a chosen exit status (docker's cli.StatusError). The
 * message, when not empty, is printed to stderr as is.
 */
export class StatusError extends Error {
  readonly status: number;
  constructor(status: number, message = '') {
    super(message);
    this.status = status;
    this.name = 'StatusError';
  }
}

/** How the CLI shows an error: daemon errors get docker's "Error response from daemon: " prefix. */
export function describeError(e: unknown): string {
  if (e instanceof JsonStreamError) return e.message;
  if (e instanceof ApiError) return `Error response from daemon: ${e.message}`;
  if (e instanceof Error) return e.message;
  return String(e);
}
