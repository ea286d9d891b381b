import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Daemon, removeAll, startWithBusybox } from './harness.ts';

/** Go heap addresses (nested pointers print as them) differ between runs. */
const masked = (s: string): string => s.replace(/0xc[0-9a-f]{6,}/g, '0xADDR');

describe('inspect -f renders as the docker CLI (typed struct first, raw JSON with missingkey=error second)', () => {
  const d = new Daemon();
  before(async () => {
    await startWithBusybox(d);
    for (const args of [
      ['volume', 'create', '--label', 'a=b', 'itv1'],
      ['network', 'create', '--label', 'x=y', 'itnet1'],
      ['create', '--name', 'itc1', '--label', 'zz=1', '--label', 'aa=2', '-v', 'itv1:/data', '-v', `${d.dir}:/host:ro`,
        '--health-cmd', 'true', '--health-interval', '90s', '-p', '127.0.0.1:18080:80', '--expose', '81',
        '--ulimit', 'nofile=1024:2048', '--restart', 'on-failure:3', '--mount', 'type=tmpfs,target=/t,tmpfs-size=1000000',
        '--pids-limit', '100', '--init', 'busybox', 'true'],
      ['run', '-d', '--name', 'itc2', 'busybox', 'sleep', '1000'],
    ]) {
      const r = d.docker(args);
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    }
  });
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });

  const same = (args: string[]): void => {
    const docker = d.docker(args);
    const berth = d.berth(args);
    const label = args.join(' ');
    assert.equal(masked(berth.stdout), masked(docker.stdout), label);
    assert.equal(berth.stderr.replace(/^berth:/, 'docker:'), docker.stderr, label);
    assert.equal(berth.code, docker.code, label);
  };

  it('containers: Go structs, nil values, typed maps, and the raw fallback errors', () => {
    const templates = [
      '{{.NoSuchField}}', '{{.State.NoSuch}}', '{{.State.Health.Status}}', '{{index .Config.Labels "zz"}}|{{index .Config.Labels "no"}}',
      '{{.Config.Labels.zz}}|{{.Config.Labels.no}}', '{{index . "NoSuch"}}', '{{.Config.ExposedPorts}} {{.HostConfig.Binds}} {{.Config.Healthcheck}}',
      '{{.HostConfig.RestartPolicy}} {{.HostConfig.LogConfig}}', '{{.State}}', '{{.GraphDriver}}', '{{.NetworkSettings.Networks}}', '{{.}}',
      '{{.Id}} {{.Name}}', '{{.Mounts}}', '{{.Config}}', '{{.HostConfig}}', '{{.NetworkSettings}}', '{{.HostConfig.Ulimits}} {{.HostConfig.PidsLimit}} {{.HostConfig.Init}}',
      '{{.Config.Healthcheck.Interval}} {{.HostConfig.Mounts}}', '{{json .State}} {{json .Config.Labels}} {{json .Mounts}} {{json .HostConfig.Binds}}',
      '{{range $k, $v := .State}}{{$k}}={{$v}} {{end}}', '{{printf "%v|%+v" .HostConfig.RestartPolicy .HostConfig.RestartPolicy}}', '{{.Name.First}}',
    ];
    for (const t of templates) same(['inspect', '-f', t, 'itc1', 'itc2']);
    same(['container', 'inspect', '-f', '{{.HostConfig.PortBindings}} {{.Config.Volumes}}', 'itc1']);
  });

  it('images, networks and volumes', () => {
    for (const t of ['{{.}}', '{{.Config}}', '{{.RootFS}} {{.Metadata}}', '{{.Nope}}', '{{json .Config}}']) same(['image', 'inspect', '-f', t, 'busybox']);
    for (const t of ['{{.}}', '{{.Created}} {{.IPAM}}', '{{.Labels}} {{index .Labels "q"}}', '{{.Nope}}']) same(['network', 'inspect', '-f', t, 'itnet1']);
    // volume inspect gives the template no raw JSON: the typed error is final; the top-level inspect falls back.
    for (const t of ['{{.}}', '{{.UsageData}} {{.Labels}}', '{{.Nope}}', '{{.UsageData.Size}}']) {
      same(['volume', 'inspect', '-f', t, 'itv1']);
      same(['inspect', '-f', t, 'itv1']);
    }
  });
});
