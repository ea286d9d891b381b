import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BerthError, ConflictError, ForbiddenError, InvalidParameterError, NotFoundError, NotImplementedError, NotModifiedError,
  SystemError, UnauthorizedError, UnavailableError,
} from '../core/errors.ts';
import { statusFor } from './errors.ts';

test('statusFor: each BerthError kind maps to its HTTP status', () => {
  const cases: [BerthError, number][] = [
    [new InvalidParameterError('x'), 400],
    [new UnauthorizedError('x'), 401],
    [new ForbiddenError('x'), 403],
    [new NotFoundError('x'), 404],
    [new ConflictError('x'), 409],
    [new NotModifiedError(), 304],
    [new NotImplementedError('x'), 501],
    [new UnavailableError('x'), 503],
    [new SystemError('x'), 500],
    [new BerthError('not-found', 'direct'), 404],
  ];
  for (const [err, status] of cases) assert.equal(statusFor(err), status, err.kind);
});

test('statusFor: aborted client streams are 400, everything else 500', () => {
  const premature = Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
  const abort = Object.assign(new Error('aborted'), { code: 'ABORT_ERR' });
  const enoent = Object.assign(new Error('nope'), { code: 'ENOENT' });
  assert.equal(statusFor(premature), 400);
  assert.equal(statusFor(abort), 400);
  assert.equal(statusFor(enoent), 500);
  assert.equal(statusFor(new Error('x')), 500);
  assert.equal(statusFor('a string'), 500);
  assert.equal(statusFor(null), 500);
  assert.equal(statusFor(undefined), 500);
});
