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

const BY_KIND: Record<ErrorKind, new (message: string) => BerthError> = {
  'invalid-parameter': InvalidParameterError,
  'not-found': NotFoundError,
  conflict: ConflictError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  unavailable: UnavailableError,
  'not-implemented': NotImplementedError,
  'not-modified': NotModifiedError,
  system: SystemError,
};

/** An error as plain data, to cross a thread boundary (structured clone keeps no class). */
export interface ErrorData { kind?: ErrorKind; message: string; code?: string }

export function errorToData(e: unknown): ErrorData {
  const code = (e as { code?: unknown } | null)?.code;
  return { kind: isBerthError(e) ? e.kind : undefined, message: errorMessage(e), code: typeof code === 'string' ? code : undefined };
}

/** The error back from ErrorData: the taxonomy class of its kind, else a plain Error with its code. */
export function errorFromData(d: ErrorData): Error {
  if (d.kind) return new BY_KIND[d.kind](d.message);
  const e = new Error(d.message) as NodeJS.ErrnoException;
  if (d.code) e.code = d.code;
  return e;
}

/** The same kind of error with `context: ` before its message (Go's errors.Wrap): the status stays. */
export function withContext(e: unknown, context: string): Error {
  const message = `${context}: ${errorMessage(e)}`;
  if (isBerthError(e)) return new BerthError(e.kind, message, { cause: e });
  return new SystemError(message, { cause: e });
}
