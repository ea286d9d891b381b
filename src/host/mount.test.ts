import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { isMountPoint, MountError, mountFs, unmountFs } from './mount.ts';
import { nativeSys, preferNative } from './native.ts';

const root = process.getuid?.() === 0;

function mounted(path: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4] === path);
}

function scratch(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'berth-mount-'));
  t.after(async () => {
    for (const d of ['busy', 'merged', 't']) {
      while (mounted(join(dir, d))) await unmountFs(join(dir, d), true).catch(() => undefined);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

for (const mode of ['addon', 'spawn'] as const) {
  const skip = !root ? 'needs root' : mode === 'addon' && !(preferNative(true), nativeSys()) ? 'the addon was not built' : false;

  test(`${mode}: overlay with lower dirs relative to cwd, then unmount until nothing is left`, { skip }, async (t) => {
    preferNative(mode === 'addon');
    t.after(() => preferNative(true));
    const dir = scratch(t);
    for (const d of ['layers/a', 'up', 'work', 'merged']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'layers/a/file'), 'from the lower layer');
    const cwdBefore = process.cwd();
    await mountFs('overlay', join(dir, 'merged'), 'overlay', `lowerdir=a,upperdir=${join(dir, 'up')},workdir=${join(dir, 'work')}`, join(dir, 'layers'));
    assert.equal(process.cwd(), cwdBefore, "the daemon's working directory is unchanged");
    assert.equal(readFileSync(join(dir, 'merged/file'), 'utf8'), 'from the lower layer');
    assert.equal(await unmountFs(join(dir, 'merged')), true);
    assert.equal(mounted(join(dir, 'merged')), false);
    assert.equal(await unmountFs(join(dir, 'merged')), false, 'nothing mounted: false, not an error');
    // again, with absolute paths (no cwd): the mount point is reusable
    await mountFs('overlay', join(dir, 'merged'), 'overlay', `lowerdir=${join(dir, 'layers/a')},upperdir=${join(dir, 'up')},workdir=${join(dir, 'work')}`);
    assert.equal(readFileSync(join(dir, 'merged/file'), 'utf8'), 'from the lower layer');
    assert.equal(await unmountFs(join(dir, 'merged')), true);
  });

  test(`${mode}: errors carry the errno name`, { skip }, async (t) => {
    preferNative(mode === 'addon');
    t.after(() => preferNative(true));
    const dir = scratch(t);
    await assert.rejects(mountFs('overlay', join(dir, 'missing'), 'overlay', 'lowerdir=/nonexistent-berth'), (e: unknown) => {
      assert.ok(e instanceof MountError);
      assert.match(e.code, /^E[A-Z]+$/);
      return true;
    });
    // a busy mount: a process keeps its working directory inside
    mkdirSync(join(dir, 'busy'));
    await mountFs('tmpfs', join(dir, 'busy'), 'tmpfs', 'size=1m');
    const holder = spawn('sleep', ['30'], { cwd: join(dir, 'busy'), stdio: 'ignore' });
    t.after(() => { holder.kill('SIGKILL'); });
    await new Promise((r) => holder.once('spawn', r));
    await assert.rejects(unmountFs(join(dir, 'busy')), (e: unknown) => (e as MountError).code === 'EBUSY');
    assert.equal(await unmountFs(join(dir, 'busy'), true), true, 'a lazy unmount detaches it');
    assert.equal(mounted(join(dir, 'busy')), false);
  });
}

test('addon: bad arguments are a TypeError, not a crash', { skip: !(preferNative(true), nativeSys()) && 'the addon was not built' }, () => {
  const sys = nativeSys()!;
  assert.throws(() => sys.umount2('/x', -1), TypeError);
  assert.throws(() => sys.mountSync('x', 42 as unknown as string, 'tmpfs', 0, null, null), TypeError);
  assert.throws(() => (sys.mountSync as (...a: unknown[]) => unknown)(), TypeError);
  assert.throws(() => sys.mountSync(null as unknown as string, '/nonexistent-berth/x', 'tmpfs', 0, null, null), (e: unknown) => (e as { errno?: number }).errno === 2, 'ENOENT as an errno Error');
});

test('isMountPoint: a mounted filesystem yes; a plain or missing directory no', () => {
  assert.equal(isMountPoint('/proc'), true);
  const plain = mkdtempSync(join(tmpdir(), 'berth-mp-'));
  try {
    assert.equal(isMountPoint(plain), false);
    assert.equal(isMountPoint(join(plain, 'missing')), false);
  } finally {
    rmSync(plain, { recursive: true, force: true });
  }
});
