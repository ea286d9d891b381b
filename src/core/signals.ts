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
