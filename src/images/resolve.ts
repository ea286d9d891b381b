import { InvalidParameterError, NotFoundError } from '../core/errors.ts';
import { familiarString, fullName, looksLikeImageIdPrefix, parseReference, withDefaultTag } from '../core/reference/reference.ts';
import type { ImageDb } from './store.ts';

const FULL_ID = /^sha256:[a-f0-9]{64}$/;

/** Outcome of resolving a user-given image name: the image id, and the reference when one was named. */
export interface Resolved { id: string; ref?: string }

/**
 * Resolve a name as dockerd does: a full ID, then a reference (default tag
 * latest, or digest), then an ID prefix.
 */
export function resolveImage(db: ImageDb, input: string): Resolved {
  if (FULL_ID.test(input)) {
    if (db.get(input)) return { id: input };
    throw new NotFoundError(`No such image: ${input}`);
  }
  let label = input;
  let parsed;
  try {
    parsed = withDefaultTag(parseReference(input));
  } catch (e) {
    // Not a valid reference: it may still be an ID prefix, else the parse error stands.
    if (!looksLikeImageIdPrefix(input)) throw new InvalidParameterError((e as Error).message);
  }
  if (parsed) {
    label = familiarString(parsed);
    const name = fullName(parsed);
    const id = db.refTarget(name);
    if (id) return { id, ref: name };
  }
  if (looksLikeImageIdPrefix(input)) {
    const hex = input.replace(/^sha256:/, '');
    const ids = db.idsWithPrefix(hex);
    if (ids.length === 1) return { id: ids[0] };
  }
  throw new NotFoundError(`No such image: ${label}`);
}
