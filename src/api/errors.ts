import { isBerthError, type ErrorKind } from '../core/errors.ts';

const STATUS: Record<ErrorKind, number> = {
  'invalid-parameter': 400,
  'unauthorized': 401,
  'forbidden': 403,
  'not-found': 404,
  'conflict': 409,
  'not-modified': 304,
  'not-implemented': 501,
  'unavailable': 503,
  'system': 500,
};

/** The one place that maps errors to HTTP status codes. */
export function statusFor(err: unknown): number {
  if (isBerthError(err)) return STATUS[err.kind];
  if (err && typeof err === 'object' && 'code' in err) {
    const code = (err as { code?: string }).code;
    if (code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'ABORT_ERR') return 400;
  }
  return 500;
}
