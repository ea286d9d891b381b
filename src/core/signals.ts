import { constants } from 'node:os';
import { InvalidParameterError } from './errors.ts';

const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** A signal as a number: 9, '9', 'KILL', 'SIGKILL', 'sigrtmin+3'. */
export function signalNumber(sig: string | number): number {
  if (typeof sig === 'number') {
    if (Number.isInteger(sig) && sig > 0 && sig <= SIGRTMAX) return sig;
    throw new InvalidParameterError(`Invalid signal: ${sig}`);
  }
  const s = sig.trim().toUpperCase();
  if (/^\d+$/.test(s)) return signalNumber(Number(s));
  const name = s.startsWith('SIG') ? s : `SIG${s}`;
  const known = (constants.signals as Record<string, number>)[name];
  if (known) return known;
  const rt = /^SIGRT(MIN|MAX)([+-]\d+)?$/.exec(name);
  if (rt) {
    const n = (rt[1] === 'MIN' ? SIGRTMIN : SIGRTMAX) + Number(rt[2] ?? 0);
    if (n >= SIGRTMIN && n <= SIGRTMAX) return n;
  }
  throw new InvalidParameterError(`Invalid signal: ${sig}`);
}

/**
 * dockerd's ParseSignal: any non-zero integer, or a known name (with or
 * without SIG); whether the platform has that signal is checked apart
 * (`supportedSignal`), as a kill does and a create does not.
 */
export function parseSignal(raw: string): number {
  const t = raw.trim();
  if (/^[+-]?\d+$/.test(t)) {
    const n = Number(t);
    if (n === 0) throw new InvalidParameterError(`Invalid signal: ${raw}`);
    return n;
  }
  return signalNumber(t);
}

/** A signal number this platform has: dockerd's "the linux daemon does not support signal N" otherwise. */
export function supportedSignal(n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > SIGRTMAX) throw new InvalidParameterError(`the linux daemon does not support signal ${n}`);
  return n;
}
