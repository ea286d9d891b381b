import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { DOCKER, Daemon, have } from './harness.ts';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** A CA, a server cert for 127.0.0.1 and a client cert, in docker's file names. */
function makeCerts(dir: string): void {
  const ssl = (...args: string[]): void => { execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' }); };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca-key.pem', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=berth-test-ca');
  writeFileSync(join(dir, 'server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const who of ['server', 'client']) {
    const key = who === 'server' ? 'server-key.pem' : 'key.pem';
    const cert = who === 'server' ? 'server-cert.pem' : 'cert.pem';
    ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', `${who}.csr`, '-subj', `/CN=${who}`);
    ssl('x509', '-req', '-in', `${who}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca-key.pem', '-CAcreateserial', '-out', cert, '-days', '2', '-extfile', `${who}.ext`);
  }
}

describe('tcp:// with mutual TLS', { skip: !have('openssl') && 'openssl is missing' }, () => {
  const d = new Daemon();
  after(() => d.cleanup());

  it('refuses tcp without TLS and serves it with --tlsverify', async () => {
    const port = await freePort();
    const plain = spawnSync(process.execPath, [join(import.meta.dirname, '../../../bin/berthd.js'), ...d.args(['-H', `tcp://127.0.0.1:${port}`])], { timeout: 15000 });
    assert.equal(plain.status, 1);
    assert.match(plain.stderr.toString(), /tls/i);
    makeCerts(d.dir);
    await d.start(['-H', `tcp://127.0.0.1:${port}`, '--tlsverify', '--tlscacert', join(d.dir, 'ca.pem'),
      '--tlscert', join(d.dir, 'server-cert.pem'), '--tlskey', join(d.dir, 'server-key.pem')]);
    const r = spawnSync(DOCKER, ['version', '--format', '{{.Server.APIVersion}}'], {
      env: { ...process.env, DOCKER_HOST: `tcp://127.0.0.1:${port}`, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: d.dir },
    });
    assert.equal(r.stdout.toString().trim(), '1.50', r.stderr.toString());
    if (have('curl')) {
      const noCert = spawnSync('curl', ['-sS', '--cacert', join(d.dir, 'ca.pem'), `https://127.0.0.1:${port}/_ping`]);
      assert.notEqual(noCert.status, 0, 'a client without a certificate is refused');
    }
  });
});
