import assert from 'node:assert/strict';
import { test } from 'node:test';
import { durationString, GoFileMode, timeString } from './govalues.ts';
import { Template } from './template.ts';
import { executeInspect, inspectKindOf, typedInspect, type InspectKind } from './typed-inspect.ts';

const CONTAINER = {
  Id: 'abc123', Created: '2026-11-23T09:00:00.5Z', Path: 'sleep', Args: ['1000'],
  State: { Status: 'running', Running: true, Paused: false, Restarting: false, OOMKilled: false, Dead: false, Pid: 1234, ExitCode: 0, Error: '', StartedAt: '2026-11-23T09:00:01Z', FinishedAt: '0001-01-01T00:00:00Z' },
  Image: 'sha256:1', Name: '/c1', RestartCount: 0,
  HostConfig: {
    Binds: null, LogConfig: { Type: 'json-file', Config: {} }, NetworkMode: 'bridge', PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] },
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, ConsoleSize: [0, 0], Dns: ['1.1.1.1'], Memory: 0, NanoCpus: 0, PidsLimit: 100,
    Ulimits: [{ Name: 'nofile', Hard: 2048, Soft: 1024 }], Init: null,
    Mounts: [{ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1000, Mode: 0o1777 } }],
  },
  GraphDriver: { Data: { MergedDir: '/m', LowerDir: '/l' }, Name: 'overlay2' },
  Mounts: [{ Type: 'volume', Name: 'v', Source: '/var/lib/v', Destination: '/data', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }],
  Config: { Hostname: 'abc', Labels: { zz: '1', aa: '2' }, ExposedPorts: null, Cmd: ['sleep', '1000'], Env: null, Image: 'busybox' },
  NetworkSettings: { Ports: {}, IPAddress: '10.0.0.2', Networks: { bridge: { NetworkID: 'n1', IPAddress: '10.0.0.2', IPPrefixLen: 24 } } },
};

function render(tpl: string, data: unknown = CONTAINER, kind: InspectKind = 'container', rawFallback = true): string {
  return executeInspect(new Template(tpl), kind, data, rawFallback ? JSON.stringify(data) : null);
}

test('structs print their fields in Go order, nil values as Go does', () => {
  assert.equal(render('{{.HostConfig.RestartPolicy}}'), '{no 0}');
  assert.equal(render('{{.HostConfig.LogConfig}}'), '{json-file map[]}');
  assert.equal(render('{{.State}}'), '{running true false false false false 1234 0  2026-11-23T09:00:01Z 0001-01-01T00:00:00Z <nil>}');
  assert.equal(render('{{.GraphDriver}}'), '{map[LowerDir:/l MergedDir:/m] overlay2}');
  assert.equal(render('{{.Config.ExposedPorts}} {{.HostConfig.Binds}} {{.Config.Healthcheck}} {{.SizeRw}}'), 'map[] [] <nil> <nil>');
  assert.equal(render('{{.Mounts}}'), '[{volume v /var/lib/v /data local z true }]');
  assert.equal(render('{{.HostConfig.PortBindings}} {{.HostConfig.ConsoleSize}}'), 'map[80/tcp:[{127.0.0.1 8080}]] [0 0]');
  assert.match(render('{{.NetworkSettings.Networks}}'), /^map\[bridge:0xc000[0-9a-f]+\]$/);
  assert.match(render('{{.}}'), /^\{0xc000[0-9a-f]+ \[\{volume .*\}\] 0xc000[0-9a-f]+ 0xc000[0-9a-f]+ <nil>\}$/);
  assert.match(render('{{print .State}}'), /^&\{running true /);
  assert.equal(render('{{printf "%+v" .HostConfig.RestartPolicy}}'), '{Name:no MaximumRetryCount:0}');
});

test('pointers are followed, promoted fields found, Stringers used', () => {
  assert.equal(render('{{.HostConfig.PidsLimit}} {{.HostConfig.Init}} {{.NetworkSettings.IPAddress}} {{.ID}} {{.HostConfig.DNS}}'), '100 <nil> 10.0.0.2 abc123 [1.1.1.1]');
  assert.equal(render('{{.HostConfig.Ulimits}}'), '[nofile=1024:2048]');
  assert.equal(render('{{range .HostConfig.Mounts}}{{.TmpfsOptions}}{{end}}'), '{1000 -rwxrwxrwx []}');
  assert.equal(render('{{with .NetworkSettings.Networks.bridge}}{{.IPAddress}}/{{.IPPrefixLen}}{{end}}'), '10.0.0.2/24');
  const hc = { ...CONTAINER, Config: { ...CONTAINER.Config, Healthcheck: { Test: ['CMD', 'true'], Interval: 90e9, Timeout: 1.5e9, StartPeriod: 2e6 } } };
  assert.equal(render('{{.Config.Healthcheck}}', hc), '{[CMD true] 1m30s 1.5s 2ms 0s 0}');
});

test('typed maps: index gives the zero value, a field of a missing key no value', () => {
  assert.equal(render('[{{index .Config.Labels "zz"}}][{{index .Config.Labels "nope"}}]'), '[1][]');
  assert.equal(render('{{.Config.Labels.nope}}'), '<no value>');
  assert.equal(render('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}'), 'aa=2;zz=1;');
});

test('what the typed struct lacks runs on the raw JSON with missingkey=error', () => {
  assert.equal(render('{{.Id}}'), 'abc123');
  assert.equal(render('{{index . "NoSuch"}}'), '<no value>');
  assert.equal(render('{{range $k, $v := .GraphDriver.Data}}{{$k}} {{end}}'), 'LowerDir MergedDir ');
  assert.equal(render('{{len .State}}'), '11');
  assert.throws(() => render('{{.NoSuchField}}'), { message: 'template: :1:2: executing "" at <.NoSuchField>: map has no entry for key "NoSuchField"' });
  assert.throws(() => render('{{.State.NoSuch}}'), { message: 'template: :1:8: executing "" at <.State.NoSuch>: map has no entry for key "NoSuch"' });
  assert.throws(() => render('{{.State.Health.Status}}'), { message: 'template: :1:8: executing "" at <.State.Health.Status>: map has no entry for key "Health"' });
  // Go reports a parenthesized chain's field error at the node evaluated last (s.at).
  assert.throws(() => render('{{(index .Mounts 0).X}}'), { message: 'template: :1:17: executing "" at <0>: map has no entry for key "X"' });
  assert.throws(() => render('{{(.State).Nope}}'), { message: 'template: :1:3: executing "" at <.State>: map has no entry for key "Nope"' });
  assert.throws(() => render('{{.HostConfig.Init.X}}'), { message: 'template: :1:13: executing "" at <.HostConfig.Init.X>: nil pointer evaluating interface {}.X' });
});

test('{{json}} prints the daemon JSON of the value unchanged', () => {
  assert.equal(render('{{json .GraphDriver}}'), '{"Data":{"MergedDir":"/m","LowerDir":"/l"},"Name":"overlay2"}');
  assert.equal(render('{{json .Config.ExposedPorts}} {{json .HostConfig.Binds}} {{json .Config.Healthcheck}}'), 'null null null');
  assert.equal(render('{{json .}}'), JSON.stringify(CONTAINER));
  assert.equal(render('{{json .Mounts}}'), JSON.stringify(CONTAINER.Mounts));
});

test('image, network and volume schemas', () => {
  const img = { Id: 'sha256:1', RepoTags: ['busybox:latest'], Config: { Cmd: ['sh'], Env: ['PATH=/bin'] }, RootFS: { Type: 'layers', Layers: ['sha256:2'] }, Metadata: { LastTagTime: '2026-11-23T09:00:00.123400+01:00' } };
  assert.equal(render('{{.Config}}', img, 'image'), '{{ map[] [PATH=/bin] [] [sh] map[]  map[]  false} {<nil> [] []}}');
  assert.equal(render('{{.RootFS}} {{.Metadata}}', img, 'image'), '{layers [sha256:2]} {2026-11-23 09:00:00.1234 +0100 +0100}');
  const net = { Name: 'n', Id: 'x', Created: '2026-11-23T09:00:00.000000001Z', IPAM: { Driver: 'default', Options: null, Config: [{ Subnet: '10.0.0.0/24' }] }, Containers: {} };
  assert.equal(render('{{.Created}} {{.IPAM}} {{.ConfigFrom}} {{.Peers}}', net, 'network'), '2026-11-23 09:00:00.000000001 +0000 UTC {default map[] [{10.0.0.0/24   map[]}]} {} []');
  const vol = { Name: 'v', Driver: 'local', Labels: null, Mountpoint: '/m', Options: null, Scope: 'local', CreatedAt: '2026-11-23T09:00:00Z' };
  assert.equal(render('{{.}}', vol, 'volume'), '{<nil> 2026-11-23T09:00:00Z local map[] /m v map[] local map[] <nil>}');
  // docker's `volume inspect` has no raw JSON to fall back on: the typed error is final.
  assert.throws(() => render('{{.Nope}}', vol, 'volume', false), { message: 'template: :1:2: executing "" at <.Nope>: can\'t evaluate field Nope in type volume.Volume' });
  assert.throws(() => render('{{.UsageData.Size}}', vol, 'volume', false), { message: 'template: :1:12: executing "" at <.UsageData.Size>: nil pointer evaluating *volume.UsageData.Size' });
  assert.throws(() => render('{{.Nope}}', vol, 'volume'), { message: 'template: :1:2: executing "" at <.Nope>: map has no entry for key "Nope"' });
});

test('decoding: JSON names matched case-insensitively, an embedded pointer only when its fields are there', () => {
  const t = typedInspect('container', { id: 'lower', Mounts: [] });
  assert.equal(new Template('{{.ID}}').execute(t), 'lower');
  assert.equal(new Template('{{.}}').execute(typedInspect('container', { Mounts: [] })), '{<nil> [] <nil> <nil> <nil>}');
});

test('inspect paths name their Go type', () => {
  assert.equal(inspectKindOf('/containers/c1/json'), 'container');
  assert.equal(inspectKindOf('/images/library/busybox:latest/json'), 'image');
  assert.equal(inspectKindOf('/networks/n1'), 'network');
  assert.equal(inspectKindOf('/volumes/v1'), 'volume');
  assert.equal(inspectKindOf('/services/s1'), undefined);
  assert.equal(inspectKindOf('/plugins/p/json'), undefined);
});

test('time.Duration, time.Time and os.FileMode print as Go does', () => {
  const cases: [number, string][] = [[0, '0s'], [1, '1ns'], [1500, '1.5µs'], [2e6, '2ms'], [1.5e9, '1.5s'], [60e9, '1m0s'], [3600e9, '1h0m0s'], [3723.5e9, '1h2m3.5s'], [-30e9, '-30s']];
  for (const [ns, s] of cases) assert.equal(durationString(ns), s);
  assert.equal(timeString('0001-01-01T00:00:00Z'), '0001-01-01 00:00:00 +0000 UTC');
  assert.equal(timeString('2026-11-23T09:28:48.16046298Z'), '2026-11-23 09:28:48.16046298 +0000 UTC');
  assert.equal(timeString('2026-11-23T09:28:48.500-07:00'), '2026-11-23 09:28:48.5 -0700 -0700');
  assert.equal(String(new GoFileMode(0)), '----------');
  assert.equal(String(new GoFileMode(0o755 | 2 ** 31)), 'drwxr-xr-x');
});

test('nat.Port keys refuse string indexes (the raw JSON answers), methods of Go types are callable', () => {
  const c = { ...CONTAINER, NetworkSettings: { ...CONTAINER.NetworkSettings, Ports: { '80/tcp': null } } };
  assert.equal(render('{{index .HostConfig.PortBindings "80/tcp"}}'), '[map[HostIp:127.0.0.1 HostPort:8080]]');
  assert.equal(render('{{index .NetworkSettings.Ports "80/tcp"}}', c), '<no value>');
  assert.equal(render('{{printf "%T" .Config.Labels}} {{printf "%T" .State}}'), 'map[string]string *container.State');
  assert.equal(render('{{.HostConfig.RestartPolicy.IsNone}} {{.HostConfig.RestartPolicy.IsAlways}}'), 'true false');
  const hc = { ...CONTAINER, Config: { ...CONTAINER.Config, Healthcheck: { Interval: 90e9 } } };
  assert.equal(render('{{.Config.Healthcheck.Interval.Seconds}} {{.Config.Healthcheck.Interval.Milliseconds}}', hc), '90 90000');
  const net = { Name: 'n', Created: '2026-11-23T09:00:01.5Z' };
  assert.equal(render('{{.Created.Unix}} {{.Created.UnixNano}} {{.Created.IsZero}}', net, 'network'), '1795424401 1795424401500000000 false');
});

test('printf verbs other than %v go field by field', () => {
  assert.equal(render('{{printf "%s" .HostConfig.RestartPolicy}}'), '{no %!s(int=0)}');
  assert.equal(render('{{printf "%d" .HostConfig.Init}}'), '0');
  assert.equal(render('{{printf "%s|%q" .Config.Labels .Config.Labels}}'), 'map[aa:2 zz:1]|map["aa":"2" "zz":"1"]');
  assert.match(render('{{printf "%s" .State}}'), /^&\{running %!s\(bool=true\) %!s\(bool=false\) .* %!s\(int=1234\) %!s\(int=0\)  2026-11-23T09:00:01Z 0001-01-01T00:00:00Z %!s\(\*container.Health=<nil>\)\}$/);
});
