import { createHash } from 'node:crypto';

/** Docker's chain ID: chain(L0) = diff(L0); chain(Ln) = sha256(chain(Ln-1) + " " + diff(Ln)). */
export function chainIds(diffIds: string[]): string[] {
  const out: string[] = [];
  let prev: string | null = null;
  for (const d of diffIds) {
    const c: string = prev === null ? d : `sha256:${createHash('sha256').update(`${prev} ${d}`).digest('hex')}`;
    out.push(c);
    prev = c;
  }
  return out;
}

export function sha256Of(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** 12-hex short form of an ID (`sha256:` stripped). */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
