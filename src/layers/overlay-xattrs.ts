/*
 * The few extended attributes that matter when an overlay upper directory
 * becomes a layer or a diff: the opaque-directory marker and file
 * capabilities. Node has no xattr calls; one `getfattr -R` reads them all.
 */
import { spawn } from 'node:child_process';
import { SystemError } from '../core/errors.ts';

export const OPAQUE_XATTR = 'trusted.overlay.opaque';
export const CAPABILITY_XATTR = 'security.capability';

export interface OverlayXattrs {
  opaque: boolean;
  capability?: Buffer;
}

/** Undo getfattr's quoting of file names (`\ooo` octal escapes). */
export function unquoteGetfattr(s: Buffer): Buffer {
  if (!s.includes(0x5c)) return s;
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === 0x5c && i + 3 < s.length && /^[0-7]{3}$/.test(s.toString('latin1', i + 1, i + 4))) {
      out.push(parseInt(s.toString('latin1', i + 1, i + 4), 8) & 0xff);
      i += 3;
    } else {
      out.push(s[i]);
    }
  }
  return Buffer.from(out);
}

/** Parse `getfattr -d -e hex --absolute-names` output into relative path (latin1 key) → attributes. */
export function parseGetfattr(out: Buffer, root: string): Map<string, OverlayXattrs> {
  const prefix = Buffer.from(root.endsWith('/') ? root : `${root}/`);
  const rootBuf = Buffer.from(root.replace(/\/+$/, '') || '/');
  const map = new Map<string, OverlayXattrs>();
  let current: OverlayXattrs | null = null;
  let start = 0;
  for (let i = out.indexOf(0x0a); start < out.length; i = out.indexOf(0x0a, start)) {
    const end = i < 0 ? out.length : i;
    const line = out.subarray(start, end);
    start = end + 1;
    if (line.length === 0) {
      current = null;
    } else if (line.subarray(0, 8).toString('latin1') === '# file: ') {
      const path = unquoteGetfattr(line.subarray(8));
      let rel: string | null = null;
      if (path.equals(rootBuf)) rel = '';
      else if (path.subarray(0, prefix.length).equals(prefix)) rel = path.subarray(prefix.length).toString('latin1');
      current = rel === null ? null : { opaque: false };
      if (current && rel !== null) map.set(rel, current);
    } else if (current) {
      const text = line.toString('latin1');
      const eq = text.indexOf('=');
      if (eq < 0) continue;
      const name = text.slice(0, eq);
      const raw = text.slice(eq + 1);
      const value = raw.startsWith('0x') ? Buffer.from(raw.slice(2), 'hex') : Buffer.from(raw.replace(/^"|"$/g, ''), 'latin1');
      if (name === OPAQUE_XATTR) current.opaque = value.length === 1 && value[0] === 0x79;
      else if (name === CAPABILITY_XATTR) current.capability = value;
    }
    if (i < 0) break;
  }
  return map;
}

/** Opaque markers and capabilities of everything under `dir` (keys: paths relative to it, latin1). */
export function readOverlayXattrs(dir: string): Promise<Map<string, OverlayXattrs>> {
  return new Promise((resolve, reject) => {
    const child = spawn('getfattr', ['-R', '-P', '--absolute-names', '-d', '-e', 'hex',
      '-m', '^(security\\.capability|trusted\\.overlay\\.opaque)$', '--', dir], {
      stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' },
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => { if (stderr.length < 4096) stderr += s; });
    child.on('error', (e) => reject(new SystemError(`cannot run getfattr: ${e.message}`, { cause: e })));
    child.on('close', (code) => {
      // exit 1 also reports files that vanished during the walk (a running container)
      if (code !== 0 && !(code === 1 && /No such file/.test(stderr))) {
        reject(new SystemError(`reading extended attributes of ${dir} failed: ${stderr.trim() || `getfattr exited with ${code}`}`));
        return;
      }
      resolve(parseGetfattr(Buffer.concat(chunks), dir));
    });
  });
}
