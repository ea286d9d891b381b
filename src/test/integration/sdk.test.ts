/* The Docker SDK for Python (docker-py) against berthd: a user's usual calls, end to end. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, ROOT, startWithBusybox } from './harness.ts';

/** A python3 that can import the SDK (the one on PATH, else Debian's python3-docker). */
function sdkPython(): string | null {
  for (const py of ['python3', '/usr/bin/python3']) {
    if (spawnSync(py, ['-c', 'import docker'], { stdio: 'ignore' }).status === 0) return py;
  }
  return null;
}

const py = sdkPython();
const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');

describe('Docker SDK for Python against berthd', { skip: (!canRun && 'needs root, runc and conmon') || (!py && 'no python3 with the docker SDK') }, () => {
  const d = new Daemon();
  before(() => startWithBusybox(d));
  after(async () => { removeAll(d); await d.cleanup(); });

  it('runs, execs, inspects, pauses, updates, stops, commits and removes through the SDK', () => {
    const r = spawnSync(py!, [join(ROOT, 'src/test/integration/sdk-flow.py'), d.host, 'busybox'], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /sdk flow ok/);
  });
});
