/**
 * The one error taxonomy of Berth. Services throw these; the API maps `kind`
 * to an HTTP status in exactly one place (api/errors.ts); the CLI maps
 * transport failures to exit codes.
 */
export type ErrorKind =
  | 'invalid-parameter'
  | 'not-found'
  | 'conflict'
  | 'unauthorized'
  | 'forbidden'
  | 'unavailable'
  | 'not-implemented'
  | 'not-modified'
  | 'system';

export class BerthError extends Error {
  readonly kind: ErrorKind;
  constructor(kind: ErrorKind, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.kind = kind;
    this.name = 'BerthError';
  }
}

export class InvalidParameterError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('invalid-parameter', message, options); }
}
export class NotFoundError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('not-found', message, options); }
}
export class ConflictError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('conflict', message, options); }
}
export class UnauthorizedError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('unauthorized', message, options); }
}
export class ForbiddenError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('forbidden', message, options); }
}
export class UnavailableError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('unavailable', message, options); }
}
export class NotImplementedError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('not-implemented', message, options); }
}
export class NotModifiedError extends BerthError {
  constructor(message = 'not modified', options?: { cause?: unknown }) { super('not-modified', message, options); }
}
export class SystemError extends BerthError {
  constructor(message: string, options?: { cause?: unknown }) { super('system', message, options); }
}

export function isBerthError(e: unknown): e is BerthError {
  return e instanceof BerthError;
}

/** Message of any thrown value, for logs and error bodies. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
