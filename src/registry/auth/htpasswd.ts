/**
 * Users from an htpasswd file, bcrypt entries only (as distribution: other
 * schemes are refused). Successful checks are remembered for a minute, so a
 * client sending Basic auth on every request costs one bcrypt, not one per
 * request.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';

export class Htpasswd {
  private readonly users = new Map<string, string>();
  private readonly ok = new Map<string, number>();

  constructor(text: string) {
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const i = line.indexOf(':');
      if (i <= 0) continue;
      this.users.set(line.slice(0, i), line.slice(i + 1));
    }
  }

  static load(path: string): Htpasswd {
    return new Htpasswd(readFileSync(path, 'utf8'));
  }

  async verify(user: string, password: string): Promise<boolean> {
    const hash = this.users.get(user);
    if (hash === undefined || !/^\$2[aby]\$/.test(hash)) {
      // Spend the same time as a real check, so that unknown users cannot be told apart.
      await bcrypt.compare(password, '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW');
      return false;
    }
    const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
    const until = this.ok.get(key);
    if (until !== undefined && until > Date.now()) return true;
    const good = await bcrypt.compare(password, hash.replace(/^\$2y\$/, '$2b$'));
    if (good) {
      if (this.ok.size > 10_000) this.ok.clear();
      this.ok.set(key, Date.now() + 60_000);
    }
    return good;
  }
}

/** An htpasswd line with a bcrypt hash (what `htpasswd -Bbn USER PASS` prints). */
export function htpasswdLine(user: string, password: string, cost = 10): string {
  return `${user}:${bcrypt.hashSync(password, cost)}`;
}

/** Parses `Authorization: Basic ...`; null when absent or malformed. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const m = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (!m) return null;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const i = text.indexOf(':');
  if (i < 0) return null;
  return { user: text.slice(0, i), password: text.slice(i + 1) };
}
