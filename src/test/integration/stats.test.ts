import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon');
const V1 = !existsSync('/sys/fs/cgroup/cgroup.controllers');
const MiB = 1024 * 1024;

/** A cgroup file of container `id` under daemon `d`'s cgroup parent (v1: per controller; v2: unified). */
function cgroupFile(d: Daemon, controller: string, id: string, file: string): string {
  const p = V1 ? `/sys/fs/cgroup/${controller}${d.cgroupParent}/${id}/${file}` : `/sys/fs/cgroup${d.cgroupParent}/${id}/${file}`;
  return readFileSync(p, 'utf8').trim();
}

/** The first `n` JSON lines of a streaming stats request, then hang up. */
function streamLines(d: Daemon, path: string, n: number): Promise<Record<string, unknown>[]> {
  return new Promise((resolve, reject) => {
    const rq = request({ socketPath: d.sock, path, method: 'GET' }, (r) => {
      let buf = '';
      const out: Record<string, unknown>[] = [];
      r.on('data', (c: Buffer) => {
        buf += c.toString();
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0 && out.length < n) {
          out.push(JSON.parse(buf.slice(0, i)) as Record<string, unknown>);
          buf = buf.slice(i + 1);
        }
        if (out.length >= n) {
          rq.destroy();
          resolve(out);
        }
      });
      r.on('end', () => resolve(out));
    });
    rq.on('error', reject);
    rq.end();
  });
}

describe('docker stats and docker update', { skip: !canRun && 'needs root, runc and conmon' }, () => {
  const d = new Daemon();
  before(() => startWithBusybox(d));
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });

  it('docker stats --no-stream shows memory, pids and CPU of running containers', async () => {
    const mem = d.docker(['run', '-d', '--name', 'mem', '--network', 'none', 'busybox', 'sh', '-c', 'dd if=/dev/zero of=/dev/shm/f bs=1M count=20 2>/dev/null; exec sleep 1000']);
    assert.equal(mem.code, 0, mem.stderr);
    const busy = d.docker(['run', '-d', '--name', 'busy', 'busybox', 'sh', '-c', 'while :; do :; done']);
    assert.equal(busy.code, 0, busy.stderr);
    await new Promise((r) => setTimeout(r, 500));
    const r = d.docker(['stats', '--no-stream']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/);
    const row = (name: string): string[] => {
      const l = lines.find((x) => x.includes(`   ${name}   `));
      assert.ok(l, `${name} in ${r.stdout}`);
      return l.split(/\s{2,}/);
    };
    const [id, name, cpu, usage, memPct, net, block, pids] = row('mem');
    assert.equal(id, mem.stdout.trim().slice(0, 12));
    assert.equal(name, 'mem');
    assert.match(cpu, /^\d+\.\d\d%$/);
    const m = /^([\d.]+)MiB \/ [\d.]+GiB$/.exec(usage);
    assert.ok(m && Number(m[1]) >= 20 && Number(m[1]) < 40, `20 MiB of /dev/shm counted: ${usage}`);
    assert.match(memPct, /^\d+\.\d\d%$/);
    assert.equal(net, '0B / 0B');
    assert.match(block, /^\S+ \/ \S+$/);
    assert.equal(pids, '1');
    const busyCpu = Number(row('busy')[2].replace('%', ''));
    assert.ok(busyCpu > 20 && busyCpu < 210, `a busy loop uses about one CPU: ${busyCpu}%`);
    assert.equal(d.docker(['rm', '-f', 'busy']).code, 0);
  });

  it('the API sends docker-shaped samples: primed, one-shot, streamed', async () => {
    const one = JSON.parse((await d.http('GET', '/containers/mem/stats?stream=false')).body);
    assert.equal(one.name, '/mem');
    assert.notEqual(one.preread, '0001-01-01T00:00:00Z');
    assert.ok(Date.parse(one.read) > Date.parse(one.preread));
    assert.ok(one.cpu_stats.system_cpu_usage > one.precpu_stats.system_cpu_usage);
    assert.ok(one.cpu_stats.online_cpus >= 1);
    assert.ok(one.memory_stats.usage >= 20 * MiB);
    assert.equal(one.pids_stats.current, 1);
    assert.ok(Array.isArray(one.blkio_stats.io_service_bytes_recursive));
    const shot = JSON.parse((await d.http('GET', '/containers/mem/stats?stream=false&one-shot=true')).body);
    assert.equal(shot.preread, '0001-01-01T00:00:00Z');
    assert.equal(shot.precpu_stats.cpu_usage.total_usage, 0);
    const bad = await d.http('GET', '/containers/mem/stats?one-shot=true');
    assert.equal(bad.status, 400);
    assert.match(bad.body, /cannot have stream=true and one-shot=true/);
    assert.equal((await d.http('GET', '/containers/nope/stats?stream=false')).status, 404);
    const t0 = Date.now();
    const lines = await streamLines(d, '/containers/mem/stats', 2);
    assert.equal(lines.length, 2);
    assert.ok(Date.now() - t0 >= 900, 'one sample a second');
    assert.equal(lines[1].preread, lines[0].read);
  });

  it('docker update changes memory and restart policy, in the record and the cgroup', async () => {
    const id = d.docker(['inspect', '-f', '{{.Id}}', 'mem']).stdout.trim();
    const since = Math.floor(Date.now() / 1000) - 1;
    // as dockerd: a container with no memory limit needs the swap limit in the same update
    assert.match(d.docker(['update', '--memory', '64m', 'mem']).stderr, /Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time/);
    const r = d.docker(['update', '--memory', '64m', '--memory-swap', '128m', '--restart', 'always', 'mem']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'mem\n');
    const hc = JSON.parse(d.docker(['inspect', 'mem']).stdout)[0].HostConfig;
    assert.equal(hc.Memory, 64 * MiB);
    assert.deepEqual(hc.RestartPolicy, { Name: 'always', MaximumRetryCount: 0 });
    assert.equal(cgroupFile(d, 'memory', id, V1 ? 'memory.limit_in_bytes' : 'memory.max'), String(64 * MiB));
    assert.match(d.docker(['stats', '--no-stream', 'mem']).stdout, /MiB \/ 64MiB\s+\d+\.\d\d%/);
    const ev = d.docker(['events', '--since', String(since), '--until', String(Math.ceil(Date.now() / 1000) + 1), '--filter', 'event=update', '--format', '{{.Action}} {{.Actor.Attributes.name}}']);
    assert.equal(ev.stdout, 'update mem\n');

    const cpu = d.docker(['update', '--cpus', '0.5', '--pids-limit', '10', '--cpu-shares', '512', 'mem']);
    assert.equal(cpu.code, 0, cpu.stderr);
    if (V1) {
      assert.equal(cgroupFile(d, 'cpu', id, 'cpu.cfs_quota_us'), '50000');
      assert.equal(cgroupFile(d, 'cpu', id, 'cpu.shares'), '512');
    }
    assert.equal(cgroupFile(d, 'pids', id, 'pids.max'), '10');
    assert.equal(d.docker(['update', '--pids-limit', '-1', 'mem']).code, 0);
    assert.equal(cgroupFile(d, 'pids', id, 'pids.max'), 'max');
    assert.equal(JSON.parse(d.docker(['inspect', 'mem']).stdout)[0].HostConfig.NanoCpus, 5e8);
    // The new restart policy is in force at the next exit (of its own: a docker kill is a manual stop, as in dockerd).
    const oldPid = JSON.parse(d.docker(['inspect', 'mem']).stdout)[0].State.Pid as number;
    process.kill(oldPid, 'SIGKILL');
    // Running again under a new pid (right after the kill, inspect may still show the old run).
    let st: { Running: boolean; Pid: number } = { Running: false, Pid: oldPid };
    for (let i = 0; i < 50 && !(st.Running && st.Pid !== oldPid); i++) {
      await new Promise((res) => setTimeout(res, 100));
      st = JSON.parse(d.docker(['inspect', 'mem']).stdout)[0].State;
    }
    assert.equal(st.Running, true, 'restarted by the updated policy');
    assert.equal(JSON.parse(d.docker(['inspect', 'mem']).stdout)[0].RestartCount, 1);
    await new Promise((res) => setTimeout(res, 300));
  });

  it('docker update errors: below usage, above swap, AutoRemove, bad values', () => {
    const id = d.docker(['inspect', '-f', '{{.Id}}', 'mem']).stdout.trim();
    const low = d.docker(['update', '--memory', '6m', '--memory-swap', '6m', 'mem']);
    assert.equal(low.code, 1);
    assert.match(low.stderr, new RegExp(`Error response from daemon: Cannot update container ${id}: runc did not terminate successfully: exit status 1: unable to set memory limit to 6291456 \\(current usage: \\d+, peak usage: \\d+\\)\\n: unknown`));
    assert.equal(JSON.parse(d.docker(['inspect', 'mem']).stdout)[0].HostConfig.Memory, 64 * MiB, 'restored after the failure');
    const run = d.docker(['run', '-d', '--name', 'small', '-m', '32m', 'busybox', 'sleep', '1000']);
    assert.equal(run.code, 0, run.stderr);
    const high = d.docker(['update', '--memory', '100m', 'small']);
    assert.match(high.stderr, /Cannot update container [0-9a-f]{64}: Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time/);
    assert.equal(d.docker(['update', '--memory', '100m', '--memory-swap', '200m', 'small']).code, 0);
    const rm = d.docker(['run', '-d', '--rm', '--name', 'tmp', 'busybox', 'sleep', '1000']);
    assert.equal(rm.code, 0, rm.stderr);
    const auto = d.docker(['update', '--restart', 'always', 'tmp']);
    assert.equal(auto.code, 1);
    assert.match(auto.stderr, /Cannot update container [0-9a-f]{64}: Restart policy cannot be updated because AutoRemove is enabled for the container/);
    assert.match(d.docker(['update', '--memory', '1m', 'small']).stderr, /Minimum memory limit allowed is 6MB/);
    assert.match(d.docker(['update', '--restart', 'always', 'nope']).stderr, /No such container: nope/);
    d.docker(['rm', '-f', 'small', 'tmp']);
  });

  it('a stopped container: zeroed stats, update only recorded', () => {
    assert.equal(d.docker(['stop', '-t', '0', 'mem']).code, 0);
    const r = d.docker(['stats', '--no-stream', 'mem']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\s+mem\s+0\.00%\s+0B \/ 0B\s+0\.00%\s+0B \/ 0B\s+0B \/ 0B\s+0\n$/);
    const u = d.docker(['update', '--memory', '128m', '--memory-swap', '256m', 'mem']);
    assert.equal(u.code, 0, u.stderr);
    assert.equal(JSON.parse(d.docker(['inspect', 'mem']).stdout)[0].HostConfig.Memory, 128 * MiB);
  });
});
