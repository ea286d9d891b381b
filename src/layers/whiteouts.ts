import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import { InvalidParameterError, SystemError } from '../core/errors.ts';
import { baseOf, joinRel, parentOf } from './tar-paths.ts';
import type { TarEntry } from './tar-splitter.ts';

const WH = '.wh.';
const WH_META = '.wh..wh.';
const OPAQUE = '.wh..wh..opq';

/**
 * Watches the members of a layer: collects whiteouts for the overlay
 * conversion, and notices when a replayed file's bytes may not survive on
 * disk (the same path written twice, a file written through a symlink of
 * the same layer, a file's directory replaced), so that the caller can
 * verify the replay once instead of trusting it.
 */
export class EntryTracker {
  /** `.wh.<name>` entries: deleted, then `<name>` becomes a 0/0 char device. */
  readonly whiteouts: Buffer[] = [];
  /** Directories that held `.wh..wh..opq`: get trusted.overlay.opaque=y. */
  readonly opaques: Buffer[] = [];
  /** Every `.wh.*` entry to delete after extraction. */
  readonly removals: Buffer[] = [];
  ambiguous = false;
  private readonly files = new Set<string>();
  private readonly fileDirs = new Set<string>();
  private readonly symlinks = new Set<string>();
  private readonly removed = new Set<string>();

  entry(e: TarEntry): void {
    if (e.path === null) return;
    const key = e.path.toString('latin1');
    if (this.files.has(key) || (!e.dir && this.fileDirs.has(key))) this.ambiguous = true;
    // something inside an AUFS metadata dir (.wh..wh.plnk/...): the whole dir goes
    const meta = key.startsWith(WH_META) ? 0 : key.indexOf(`/${WH_META}`) + 1;
    const metaEnd = meta > 0 || key.startsWith(WH_META) ? key.indexOf('/', meta) : -1;
    if (metaEnd > 0) this.remove(e.path.subarray(0, metaEnd));
    const base = baseOf(e.path).toString('latin1');
    if (base.startsWith(WH)) {
      this.remove(e.path);
      if (base === OPAQUE) {
        this.opaques.push(parentOf(e.path));
      } else if (!base.startsWith(WH_META)) {
        this.whiteouts.push(e.path);
        const target = joinRel(parentOf(e.path), baseOf(e.path).subarray(WH.length)).toString('latin1');
        if (this.files.has(target) || this.fileDirs.has(target)) this.ambiguous = true;
      }
    }
    if (e.type === '2') this.symlinks.add(key);
    if (!e.replayed) return;
    this.files.add(key);
    let dir = key;
    for (let i = dir.lastIndexOf('/'); i > 0; i = dir.lastIndexOf('/')) {
      dir = dir.slice(0, i);
      if (this.symlinks.size > 0 && this.symlinks.has(dir)) this.ambiguous = true;
      else if (this.fileDirs.has(dir) && this.symlinks.size === 0) break;
      this.fileDirs.add(dir);
    }
  }

  private remove(p: Buffer): void {
    const k = p.toString('latin1');
    if (this.removed.has(k)) return;
    this.removed.add(k);
    this.removals.push(Buffer.from(p));
  }

  get hasWork(): boolean {
    return this.removals.length > 0;
  }
}

/** Single-quote a byte string for sh. */
function shq(b: Buffer): Buffer {
  const parts: Buffer[] = [Buffer.from("'")];
  let start = 0;
  for (let i = b.indexOf(0x27); i >= 0; i = b.indexOf(0x27, start)) {
    parts.push(b.subarray(start, i), Buffer.from("'\\''"));
    start = i + 1;
  }
  parts.push(b.subarray(start), Buffer.from("'"));
  return Buffer.concat(parts);
}

/** Build the sh script that converts the collected whiteouts under diff. */
export async function whiteoutScript(diff: string, t: EntryTracker): Promise<Buffer> {
  const root = await realpath(diff, { encoding: 'buffer' });
  const rootSlash = Buffer.concat([root, Buffer.from('/')]);
  const dirs = new Map<string, Buffer>();
  const resolveDir = async (rel: Buffer): Promise<Buffer> => {
    const key = rel.toString('latin1');
    let abs = dirs.get(key);
    if (abs) return abs;
    const joined = rel.length ? Buffer.concat([rootSlash, rel]) : root;
    try {
      abs = await realpath(joined, { encoding: 'buffer' });
    } catch (e) {
      throw new InvalidParameterError(`layer whiteout in missing directory ${JSON.stringify(rel.toString())}`, { cause: e });
    }
    if (!abs.equals(root) && !abs.subarray(0, rootSlash.length).equals(rootSlash)) {
      throw new InvalidParameterError(`layer whiteout directory ${JSON.stringify(rel.toString())} resolves outside the layer`);
    }
    dirs.set(key, abs);
    return abs;
  };
  const inDir = async (p: Buffer, name: Buffer) => Buffer.concat([await resolveDir(parentOf(p)), Buffer.from('/'), name]);

  const lines: Buffer[] = [Buffer.from('set -e\nwo() { if [ ! -e "$1" ] && [ ! -L "$1" ]; then mknod -m 000 -- "$1" c 0 0; fi; }\n')];
  const batch = async (cmd: string, paths: Buffer[]) => {
    let args: Buffer[] = [];
    let len = 0;
    const flush = () => {
      if (args.length) lines.push(Buffer.from(cmd), ...args, Buffer.from('\n'));
      args = [];
      len = 0;
    };
    for (const p of paths) {
      const q = shq(p);
      args.push(Buffer.from(' '), q);
      len += q.length + 1;
      if (len > 64 * 1024) flush();
    }
    flush();
  };
  const removals: Buffer[] = [];
  for (const p of t.removals) removals.push(await inDir(p, baseOf(p)));
  await batch('rm -rf --', removals);
  for (const p of t.whiteouts) {
    const target = await inDir(p, baseOf(p).subarray(WH.length));
    lines.push(Buffer.from('wo '), shq(target), Buffer.from('\n'));
  }
  const opaque: Buffer[] = [];
  for (const d of t.opaques) opaque.push(await resolveDir(d));
  await batch('setfattr -n trusted.overlay.opaque -v y --', opaque);
  return Buffer.concat(lines);
}

/** Run a generated script in one `sh` process. */
export function runScript(script: Buffer, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-s'], { stdio: ['pipe', 'ignore', 'pipe'], signal });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => { if (stderr.length < 4096) stderr += s; });
    child.stdin.on('error', () => { /* reported through the exit status */ });
    child.on('error', (e) => reject(signal?.aborted ? signal.reason : e));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else if (signal?.aborted) reject(signal.reason);
      else reject(new SystemError(`converting layer whiteouts failed: ${stderr.trim() || `exit ${code}`}`));
    });
    child.stdin.end(script);
  });
}
