import { randomInt } from 'node:crypto';
import { InvalidParameterError } from '../core/errors.ts';

// Our own word lists, in the adjective_surname style Docker users know.
const ADJECTIVES = [
  'agile', 'amazing', 'bold', 'brave', 'bright', 'calm', 'careful', 'clever', 'cool', 'curious', 'daring', 'eager',
  'elated', 'epic', 'fervent', 'fond', 'friendly', 'gallant', 'gentle', 'happy', 'hopeful', 'humble', 'jolly', 'keen',
  'kind', 'lively', 'lucid', 'merry', 'modest', 'nifty', 'noble', 'patient', 'peaceful', 'plucky', 'proud', 'quick',
  'quiet', 'relaxed', 'serene', 'sharp', 'sleepy', 'smart', 'steady', 'sunny', 'swift', 'tender', 'tidy', 'upbeat',
  'vibrant', 'vivid', 'warm', 'wise', 'witty', 'zealous',
];
const SURNAMES = [
  'agnesi', 'archimedes', 'babbage', 'banach', 'bohr', 'boole', 'cantor', 'carson', 'curie', 'darwin', 'dijkstra',
  'euclid', 'euler', 'faraday', 'fermat', 'fermi', 'feynman', 'franklin', 'galileo', 'gauss', 'germain', 'goodall',
  'hamilton', 'hawking', 'hertz', 'hopper', 'hypatia', 'joule', 'kepler', 'knuth', 'lamarr', 'lovelace', 'maxwell',
  'meitner', 'mendel', 'newton', 'noether', 'pascal', 'pasteur', 'planck', 'ramanujan', 'ride', 'ritchie', 'sagan',
  'shannon', 'tesla', 'thompson', 'torvalds', 'turing', 'volta', 'wiles', 'wozniak', 'yalow',
];

/** A random adjective_surname name; `taken` tells which are in use. */
export function generateName(taken: (name: string) => boolean): string {
  for (let i = 0; i < 20; i++) {
    const n = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}`;
    if (!taken(`/${n}`)) return n;
  }
  for (;;) {
    const n = `${ADJECTIVES[randomInt(ADJECTIVES.length)]}_${SURNAMES[randomInt(SURNAMES.length)]}${randomInt(1000)}`;
    if (!taken(`/${n}`)) return n;
  }
}

const VALID_NAME = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's name rule; returns the name with its leading '/'. */
export function validateName(name: string): string {
  if (!VALID_NAME.test(name)) throw new InvalidParameterError(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.startsWith('/') ? name : `/${name}`;
}
