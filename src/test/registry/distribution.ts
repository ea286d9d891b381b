/** Debian's docker-registry (distribution 2.8) on 127.0.0.1 with scratch storage, optionally behind htpasswd or token auth. */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TokenServer, type TokenUser } from './token-server.ts';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

export class DistributionRegistry {
  readonly dir = mkdtempSync(join(tmpdir(), 'berth-reg-'));
  port = 0;
  proc?: ChildProcess;
  log = '';
  /** The token service, when started with `token`. */
  tokens?: TokenServer;

  get host(): string { return `127.0.0.1:${this.port}`; }

  /** `token`: a TokenServer (started here, stopped with the registry) with these users issues the registry's bearer tokens. */
  async start(opts: { htpasswd?: { user: string; pass: string }; token?: { users: TokenUser[] } } = {}): Promise<void> {
    this.port = await freePort();
    let auth = '';
    if (opts.htpasswd) {
      const r = spawnSync('htpasswd', ['-nbB', opts.htpasswd.user, opts.htpasswd.pass]);
      if (r.status !== 0) throw new Error(`htpasswd: ${r.stderr}`);
      writeFileSync(join(this.dir, 'htpasswd'), r.stdout);
      auth = `auth:\n  htpasswd:\n    realm: berth-test\n    path: ${join(this.dir, 'htpasswd')}\n`;
    }
    if (opts.token) {
      const t = new TokenServer(this.dir, opts.token.users);
      this.tokens = t;
      await t.start();
      auth = `auth:\n  token:\n    realm: ${t.realm}\n    service: ${t.service}\n    issuer: ${t.issuer}\n    rootcertbundle: ${t.certPath}\n`;
    }
    writeFileSync(join(this.dir, 'config.yml'), `version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: ${join(this.dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${this.port}\n${auth}`);
    const p = spawn('docker-registry', ['serve', join(this.dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    p.stdout!.on('data', (d) => { this.log += d; });
    p.stderr!.on('data', (d) => { this.log += d; });
    const deadline = Date.now() + 10000;
    while (Date.now() < deadline) {
      if (p.exitCode !== null) throw new Error(`docker-registry exited: ${this.log}`);
      const ok = await fetch(`http://${this.host}/v2/`).then((r) => r.status === 200 || r.status === 401, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`docker-registry did not answer: ${this.log}`);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null && p.signalCode === null) {
      const done = new Promise((r) => p.once('exit', r));
      p.kill('SIGTERM');
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      await done;
      clearTimeout(t);
    }
    await this.tokens?.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
