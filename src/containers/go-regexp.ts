/**
 * Go's regexp (RE2 syntax) for the few places Docker takes a user's regexp
 * (log-opt labels-regex, env-regex), through re2js, a port of RE2: the same
 * syntax, the same matching and Go's error wording ("error parsing regexp:
 * missing closing ]: `[`").
 */
import { RE2JS } from 're2js';
import { SystemError } from '../core/errors.ts';

/** A regexp RE2 rejects; a system error (500), as dockerd's logger failing to open. */
export class GoRegexpError extends SystemError {}

/** An RE2 pattern that matches anywhere in a string (Go's MatchString). */
export interface GoRegexp { test(s: string): boolean }

export function compileGoRegexp(src: string): GoRegexp {
  let re: RE2JS;
  try {
    re = RE2JS.compile(src);
  } catch (e) {
    throw new GoRegexpError((e as Error).message, { cause: e });
  }
  return { test: (s) => re.matcher(s).find() };
}
