/* Helpers for the layer tests: temp dirs, hand-made tar bytes, GNU tar archives. */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { TestContext } from 'node:test';
import { OverlayLayerFiles } from './store.ts';

/** A temp dir removed after the test, pass or fail. */
export function tempDir(t: TestContext, prefix = 'berth-layers-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A layer store in a fresh temp dir. */
export function tempStore(t: TestContext): { store: OverlayLayerFiles; dir: string } {
  const dir = tempDir(t);
  return { store: new OverlayLayerFiles(join(dir, 'overlay2')), dir };
}

export function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export async function collect(r: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of r) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A readable that hands out `buf` in chunks of `size` bytes (exercises chunk boundaries). */
export function chunked(buf: Buffer, size = 4096): Readable {
  async function* gen() {
    for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
  }
  return Readable.from(gen(), { objectMode: false });
}

export interface HeaderOpts {
  name: string | Buffer;
  type?: string;
  size?: number;
  mode?: number;
  linkname?: string;
  uid?: number;
  gid?: number;
  mtime?: number;
  devmajor?: number;
  devminor?: number;
  prefix?: string;
  /** Replace the checksum with a wrong one. */
  badChecksum?: boolean;
}

function octal(buf: Buffer, off: number, len: number, v: number): void {
  buf.write(v.toString(8).padStart(len - 1, '0') + '\0', off, len, 'latin1');
}

/** One ustar header block, built by hand. */
export function tarHeader(o: HeaderOpts): Buffer {
  const h = Buffer.alloc(512);
  const name = typeof o.name === 'string' ? Buffer.from(o.name) : o.name;
  name.copy(h, 0, 0, Math.min(100, name.length));
  octal(h, 100, 8, o.mode ?? 0o644);
  octal(h, 108, 8, o.uid ?? 0);
  octal(h, 116, 8, o.gid ?? 0);
  octal(h, 124, 12, o.size ?? 0);
  octal(h, 136, 12, o.mtime ?? 1700000000);
  h.write(o.type ?? '0', 156, 1, 'latin1');
  if (o.linkname) h.write(o.linkname, 157, 100);
  h.write('ustar\0' + '00', 257, 8, 'latin1');
  h.write('root', 265, 32);
  h.write('root', 297, 32);
  octal(h, 329, 8, o.devmajor ?? 0);
  octal(h, 337, 8, o.devminor ?? 0);
  if (o.prefix) h.write(o.prefix, 345, 155);
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  if (o.badChecksum) sum += 1;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
  return h;
}

/** Header plus padded payload. */
export function tarEntry(o: HeaderOpts, data: Buffer | string = Buffer.alloc(0)): Buffer {
  const body = typeof data === 'string' ? Buffer.from(data) : data;
  const pad = (512 - (body.length % 512)) % 512;
  return Buffer.concat([tarHeader({ ...o, size: o.size ?? body.length }), body, Buffer.alloc(pad)]);
}

/** A PAX extended header entry carrying `records`. */
export function paxEntry(records: Record<string, string>, type = 'x'): Buffer {
  let body = '';
  for (const [k, v] of Object.entries(records)) {
    const rest = ` ${k}=${v}\n`;
    let len = Buffer.byteLength(rest) + 1;
    while (String(len).length + Buffer.byteLength(rest) !== len) len++;
    body += `${len}${rest}`;
  }
  return tarEntry({ name: 'PaxHeader', type }, body);
}

/** Entries followed by the two zero blocks. */
export function tarOf(...entries: Buffer[]): Buffer {
  return Buffer.concat([...entries, Buffer.alloc(1024)]);
}

/** Run GNU tar to archive `dir` (its contents, sorted) to a buffer. */
export function gnuTar(dir: string, format: 'gnu' | 'pax' | 'ustar' | 'posix' = 'gnu', extra: string[] = []): Buffer {
  return execFileSync('tar', ['-C', dir, `--format=${format}`, '--sort=name', '--xattrs', '--xattrs-include=*', ...extra, '-cf', '-', '.'], {
    maxBuffer: 1 << 30,
  });
}

export function sh(cmd: string): string {
  return execFileSync('sh', ['-c', cmd], { encoding: 'utf8' });
}

/** True when `cmd` is on PATH. */
export function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
