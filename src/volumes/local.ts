/* The local volume driver: a directory per volume, optionally a filesystem mounted on it (type/device/o). */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { InvalidParameterError, SystemError } from '../core/errors.ts';

export { directorySize } from '../core/dir-size.ts';

const run = promisify(execFile);

const NAME_CHARS = '[a-zA-Z0-9][a-zA-Z0-9_.-]';
const NAME_RE = new RegExp(`^${NAME_CHARS}+$`);
const VALID_OPTS = new Set(['type', 'o', 'device', 'size']);
const MANDATORY: [string, string[]][] = [['device', ['type']], ['type', ['device']], ['o', ['device', 'type']]];

/** The local driver's name rule, with dockerd's messages. */
export function validateVolumeName(name: string): void {
  if (name.length === 1) throw new InvalidParameterError('volume name is too short, names should be at least two alphanumeric characters');
  if (!NAME_RE.test(name)) {
    throw new InvalidParameterError(`"${name}" includes invalid characters for a local volume name, only "${NAME_CHARS}" are allowed. If you intended to pass a host directory, use absolute path`);
  }
}

/** The local driver's options: type, device, o (and size, which needs quota support this host lacks). */
export function validateVolumeOptions(opts: Record<string, string>): void {
  const keys = Object.keys(opts);
  if (keys.length === 0) return;
  for (const k of keys.sort()) if (!VALID_OPTS.has(k)) throw new InvalidParameterError(`invalid option: "${k}"`);
  for (const [opt, required] of MANDATORY) {
    if (!(opt in opts)) continue;
    for (const r of required) if (!(r in opts)) throw new InvalidParameterError(`missing required option: "${r}"`);
  }
  if ('size' in opts) throw new InvalidParameterError('quota size requested but no quota support');
}

/** Does the volume mount a filesystem of its own? */
export function needsMount(opts: Record<string, string>): boolean {
  return Boolean(opts.type || opts.device);
}

/** Mount points listed in /proc/self/mountinfo (octal escapes decoded). */
export async function mountPoints(): Promise<Set<string>> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const out = new Set<string>();
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length > 4) out.add(f[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

/** The mount a host path lives on, with its propagation (mountinfo's optional fields). */
export async function mountOf(path: string): Promise<{ mountPoint: string; shared: boolean; slave: boolean }> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  let best = { mountPoint: '/', shared: false, slave: false };
  for (const line of text.split('\n')) {
    const f = line.split(' ');
    if (f.length < 7) continue;
    const mp = f[4].replace(/\\([0-7]{3})/g, (_m, o: string) => String.fromCharCode(parseInt(o, 8)));
    const inside = mp === '/' || path === mp || path.startsWith(`${mp}/`);
    if (!inside || mp.length < best.mountPoint.length) continue;
    const optional = f.slice(6, f.indexOf('-'));
    best = { mountPoint: mp, shared: optional.some((o) => o.startsWith('shared:')), slave: optional.some((o) => o.startsWith('master:')) };
  }
  return best;
}

export async function isMounted(path: string): Promise<boolean> {
  return (await mountPoints()).has(path);
}

/** Mount the volume's filesystem on its _data directory as `mount -t TYPE -o O DEVICE DIR` would. */
export async function mountVolume(opts: Record<string, string>, dir: string): Promise<void> {
  const args = [...(opts.type ? ['-t', opts.type] : []), ...(opts.o ? ['-o', opts.o] : []), opts.device ?? opts.type, dir];
  try {
    await run('mount', args);
  } catch (e) {
    const first = String((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n')[0].replace(/^mount: /, '');
    const why = /does not exist|no such file/i.test(first) ? 'no such file or directory' : first;
    throw new SystemError(`error while mounting volume '${dir}': failed to mount local volume: mount ${opts.device ?? ''}:${dir}${opts.o ? `, data: ${opts.o}` : ''}: ${why}`);
  }
}

export async function unmountVolume(dir: string): Promise<void> {
  if (!(await isMounted(dir))) return;
  await run('umount', [dir]).catch(async () => {
    if (await isMounted(dir)) await run('umount', ['-l', dir]);
  });
}
