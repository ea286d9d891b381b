/**
 * Docker's detach-keys spec ("ctrl-p,ctrl-q", "a,ctrl-[", "DEL") as the bytes
 * it stands for (moby/term's ToBytes). Throws with its wording for a key it
 * does not know.
 */
export function detachKeyBytes(spec: string): Buffer {
  const codes = spec.split(',').map((key) => {
    if (key.length === 1) return key.charCodeAt(0);
    const m = /^ctrl-([a-z@[\\\]^_])$/.exec(key);
    if (m) return m[1] === '@' ? 0 : m[1].charCodeAt(0) & 0x1f;
    if (key === 'DEL') return 127;
    throw new Error(`Unknown character: '${key}'`);
  });
  return Buffer.from(codes);
}

export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';
