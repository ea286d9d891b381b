// npm install drops lockfile entries for node-unix-socket's other-platform
// optional packages, because this machine's registry does not serve them;
// `npm ci` then refuses the lockfile. Re-add the missing entries.
import { readFileSync, writeFileSync } from 'node:fs';

const PLATFORMS = {
  'darwin-arm64': { os: ['darwin'], cpu: ['arm64'] },
  'darwin-x64': { os: ['darwin'], cpu: ['x64'] },
  'linux-arm-gnueabihf': { os: ['linux'], cpu: ['arm'] },
  'linux-arm64-gnu': { os: ['linux'], cpu: ['arm64'] },
  'linux-arm64-musl': { os: ['linux'], cpu: ['arm64'] },
};
const file = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(file, 'utf8'));
const base = lock.packages['node_modules/node-unix-socket'];
let added = 0;
for (const [suffix, plat] of Object.entries(PLATFORMS)) {
  const key = `node_modules/node-unix-socket-${suffix}`;
  if (lock.packages[key]) continue;
  lock.packages[key] = { version: base.version, cpu: plat.cpu, license: 'MIT', optional: true, os: plat.os, engines: { node: '>= 10' } };
  added++;
}
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
console.log(`fix-lock: ${added} entries added`);
