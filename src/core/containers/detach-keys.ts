/** Docker's detach-key sequences (moby/term ToBytes). */

const CTRL = '@abcdefghijklmnopqrstuvwxyz[\\]^_';

/**
 * "ctrl-p,ctrl-q" to bytes as moby/term's ToBytes: each comma-separated key is
 * one byte, `ctrl-@` … `ctrl-z`, `ctrl-[`, `ctrl-\`, `ctrl-]`, `ctrl-^`,
 * `ctrl-_` or `DEL`; anything else (an empty key, `ctrl-P`, a character of
 * more than one byte) is an error. Null when the spec is not valid.
 */
export function detachKeyBytes(spec: string): Buffer | null {
  const out: number[] = [];
  for (const key of spec.split(',')) {
    if (Buffer.byteLength(key) === 1) out.push(key.charCodeAt(0));
    else if (key === 'DEL') out.push(127);
    else if (key.length === 6 && key.startsWith('ctrl-') && CTRL.includes(key[5])) out.push(CTRL.indexOf(key[5]));
    else return null;
  }
  return Buffer.from(out);
}

/** The default sequence, ctrl-p ctrl-q. */
export const DEFAULT_DETACH_KEYS = Buffer.from([16, 17]);
