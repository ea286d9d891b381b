import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { lookupUser, resolveUser } from './users.ts';

function rootfs(t: TestContext): string {
  const root = mkdtempSync(join(tmpdir(), 'berth-users-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, 'etc'));
  return root;
}

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1000::/home/app:/bin/sh\n';
const GROUP = 'root:x:0:\nwheel:x:10:app,other\napp:x:1000:\nstaff:x:50:\n';

test('users: names, uids, groups, supplementary groups and home from the image', async (t) => {
  const root = rootfs(t);
  writeFileSync(join(root, 'etc/passwd'), PASSWD);
  writeFileSync(join(root, 'etc/group'), GROUP);
  assert.deepEqual(await resolveUser(root, 'app'), { uid: 1000, gid: 1000, additionalGids: [1000, 10], home: '/home/app' });
  assert.deepEqual(await resolveUser(root, '1000:staff', ['50', 'wheel']), { uid: 1000, gid: 50, additionalGids: [50, 10], home: '/home/app' });
  assert.deepEqual(await resolveUser(root, ''), { uid: 0, gid: 0, additionalGids: [0], home: '/root' });
  assert.deepEqual(await resolveUser(root, '4242'), { uid: 4242, gid: 0, additionalGids: [0], home: '/' });
  await assert.rejects(resolveUser(root, 'nobody'), /unable to find user nobody: no matching entries in passwd file/);
  await assert.rejects(resolveUser(root, 'app:nogroup'), /unable to find group nogroup: no matching entries in group file/);
  await assert.rejects(resolveUser(root, 'app', ['nogroup']), /Unable to find group nogroup/);
  // cp -a / COPY --chown: an unknown bare uid is also the gid
  assert.deepEqual(await lookupUser(root, '4242'), { uid: 4242, gid: 4242 });
  assert.deepEqual(await lookupUser(root, 'app:wheel'), { uid: 1000, gid: 10 });
});

test('users: symlinked files resolve inside the root, never to the host\'s', async (t) => {
  const root = rootfs(t);
  mkdirSync(join(root, 'real'));
  writeFileSync(join(root, 'real/passwd'), 'svc:x:77:78::/srv:/bin/sh\n');
  symlinkSync('/real/passwd', join(root, 'etc/passwd')); // absolute: the container's /real, not the host's
  symlinkSync('../../../../../../real/group', join(root, 'etc/group')); // '..' stops at the container's root
  writeFileSync(join(root, 'real/group'), 'grp:x:99:svc\n');
  assert.deepEqual(await resolveUser(root, 'svc'), { uid: 77, gid: 78, additionalGids: [78, 99], home: '/srv' });
  // names only the host knows are not found: its files are never read
  await assert.rejects(resolveUser(root, 'root'), /unable to find user root/);
  await assert.rejects(resolveUser(root, 'svc:daemon'), /unable to find group daemon/);
  // a link loop is an error, as in Docker
  unlinkSync(join(root, 'etc/group'));
  symlinkSync('group', join(root, 'etc/group'));
  await assert.rejects(resolveUser(root, 'svc'), /too many links/);
  // /etc itself a link to a directory of the image
  const other = rootfs(t);
  mkdirSync(join(other, 'private/etc'), { recursive: true });
  rmSync(join(other, 'etc'), { recursive: true });
  symlinkSync('/private/etc', join(other, 'etc'));
  writeFileSync(join(other, 'private/etc/passwd'), PASSWD);
  assert.equal((await resolveUser(other, 'app')).uid, 1000);
});

test('users: a FIFO or a huge file in place of passwd is not read (no hang)', async (t) => {
  const root = rootfs(t);
  execFileSync('mkfifo', [join(root, 'etc/passwd')]);
  writeFileSync(join(root, 'etc/group'), Buffer.alloc(5 << 20, 0x61));
  assert.deepEqual(await resolveUser(root, '5:6'), { uid: 5, gid: 6, additionalGids: [6], home: '/' });
  await assert.rejects(resolveUser(root, 'app'), /unable to find user app/);
});
