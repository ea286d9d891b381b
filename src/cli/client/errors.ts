import { BerthError, type ErrorKind } from '../../core/errors.ts';

function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 304: return 'not-modified';
    case 400: return 'invalid-parameter';
    case 401: return 'unauthorized';
    case 403: return 'forbidden';
    case 404: return 'not-found';
    case 409: return 'conflict';
    case 501: return 'not-implemented';
    case 503: return 'unavailable';
    default: return 'system';
  }
}

/** An error answer (status >= 400) from the daemon; `message` is the body's `message`. */
export class ApiError extends BerthError {
  readonly status: number;
  constructor(status: number, message: string) {
    super(kindOfStatus(status), message);
    this.status = status;
    this.name = 'ApiError';
  }
}

/** A JSON-lines message carrying `error`/`errorDetail`; docker prints these without the daemon prefix. */
export class JsonStreamError extends ApiError {
  constructor(status: number, message: string) {
    super(status, message);
    this.name = 'JsonStreamError';
  }
}

/** The daemon could not be reached (no socket, refused, no permission). */
export class DaemonConnectError extends Error {
  readonly host: string;
  readonly code: string | undefined;
  constructor(host: string, message: string, code?: string, options?: { cause?: unknown }) {
    super(message, options);
    this.host = host;
    this.code = code;
    this.name = 'DaemonConnectError';
  }
}

/** docker's wording for a daemon that is not there, with Berth's names. */
export function cannotConnectMessage(host: string): string {
  return `Cannot connect to the Berth daemon at ${host}. Is the berth daemon running?`;
}
