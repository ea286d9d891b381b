import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { leftoverRules } from '../../network/iptables.ts';
import { hostHasIPv6 } from '../../network/userland-proxy.ts';
import { Daemon, have, removeAll, startWithBusybox } from './harness.ts';

const canRun = process.getuid?.() === 0 && have('runc') && have('conmon') && have('iptables') && have('ip');

/** The host's own address: the first address on the interface of the default route. */
function hostAddr(): string {
  const routes = JSON.parse(spawnSync('ip', ['-4', '-j', 'route', 'show', 'default']).stdout.toString() || '[]') as { dev?: string }[];
  const dev = routes[0]?.dev ?? 'eth0';
  const addrs = JSON.parse(spawnSync('ip', ['-4', '-j', 'addr', 'show', 'dev', dev]).stdout.toString() || '[]') as { addr_info: { local: string }[] }[];
  return addrs[0]?.addr_info[0]?.local ?? '127.0.0.1';
}

/** A free TCP port on the host. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '0.0.0.0', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** GET over plain TCP; the body, or '' on failure. */
function httpGet(host: string, port: number, path = '/'): Promise<string> {
  return new Promise((resolve) => {
    const c = connect(port, host, () => c.write(`GET ${path} HTTP/1.0\r\n\r\n`));
    let data = '';
    c.setTimeout(3000, () => c.destroy());
    c.on('data', (d) => { data += d; });
    c.on('close', () => resolve(data.split('\r\n\r\n').slice(1).join('\r\n\r\n')));
    c.on('error', () => resolve(''));
  });
}

/** Network state of a daemon that is still on the host. */
function hostState(d: Daemon): { bridges: string[]; veths: string[]; netns: string[] } {
  const bridges = d.bridges();
  const veths = bridges.flatMap((b) => spawnSync('ip', ['-o', 'link', 'show', 'master', b]).stdout.toString().split('\n').filter(Boolean));
  const netns = readFileSync('/proc/mounts', 'utf8').split('\n').filter((l) => l.startsWith('nsfs ') && l.includes(d.dir));
  return { bridges, veths, netns };
}

describe('networks with the docker CLI', { skip: !canRun && 'needs root, runc, conmon, ip and iptables' }, () => {
  const d = new Daemon('berth-net-');
  const host = hostAddr();
  before(() => startWithBusybox(d));
  after(async () => {
    removeAll(d);
    for (const n of d.docker(['network', 'ls', '-q', '--filter', 'type=custom']).stdout.split('\n').filter(Boolean)) d.docker(['network', 'rm', n]);
    await d.cleanup();
  });
  const ok = (args: string[], input?: string): string => {
    const r = d.docker(args, input);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const sh = (args: string[], script: string): string => ok(['run', '--rm', ...args, 'busybox', 'sh', '-c', script]);

  it('lists the predefined networks and puts containers on the default bridge with outbound NAT', async () => {
    assert.match(ok(['network', 'ls']), /^NETWORK ID\s+NAME\s+DRIVER\s+SCOPE\n[0-9a-f]{12}\s+bridge\s+bridge\s+local\n[0-9a-f]{12}\s+host\s+host\s+local\n[0-9a-f]{12}\s+none\s+null\s+local\n$/);
    const inspect = JSON.parse(ok(['network', 'inspect', 'bridge']))[0];
    assert.equal(inspect.IPAM.Config[0].Subnet, `10.${d.block}.0.0/24`);
    assert.equal(inspect.Options['com.docker.network.bridge.name'], d.bridge);
    const out = sh([], 'ip addr show eth0; ip route; cat /etc/resolv.conf');
    assert.match(out, new RegExp(`inet 10\\.${d.block}\\.0\\.\\d+/24`));
    assert.match(out, new RegExp(`default via 10\\.${d.block}\\.0\\.1 dev eth0`));
    assert.doesNotMatch(out, new RegExp(`nameserver 10\\.${d.block}\\.`), 'no embedded DNS on the default bridge');
    // Outbound: a listener on the host's own address.
    const got: string[] = [];
    const conns: import('node:net').Socket[] = [];
    const srv = createServer((s) => { conns.push(s); s.on('data', (b) => { got.push(b.toString()); s.end(); }); });
    await new Promise<void>((r) => srv.listen(0, host, r));
    const port = (srv.address() as { port: number }).port;
    // The listener lives in this process: run docker without blocking it.
    const r = await d.dockerAsync(['run', '--rm', 'busybox', 'sh', '-c', `echo hello-from-bridge | nc -w 2 ${host} ${port}`]);
    srv.close();
    for (const s of conns) s.destroy();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(got.join(''), 'hello-from-bridge\n');
  });

  it('has no name resolution between containers on the default bridge', () => {
    ok(['run', '-d', '--name', 'plain1', 'busybox', 'sleep', '300']);
    const r = d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'grep -c plain1 /etc/hosts; cat /etc/resolv.conf']);
    assert.match(r.stdout, /^0\n/);
    ok(['rm', '-f', 'plain1']);
  });

  it('resolves names, aliases and short IDs on a user-defined network and forwards other names', () => {
    ok(['network', 'create', 'mynet']);
    const id = ok(['run', '-d', '--name', 'srv', '--network', 'mynet', '--network-alias', 'db', 'busybox', 'sleep', '300']).trim();
    const ip = ok(['inspect', '-f', '{{.NetworkSettings.Networks.mynet.IPAddress}}', 'srv']).trim();
    assert.match(ip, new RegExp(`^10\\.${d.block}\\.\\d+\\.\\d+$`));
    const out = sh(['--network', 'mynet'], `cat /etc/resolv.conf; for n in srv db ${id.slice(0, 12)}; do nslookup $n | grep -A1 "^Name:" | tail -1; done; ping -c1 -W2 srv >/dev/null && echo ping-ok`);
    assert.match(out, /options ndots:0/);
    assert.equal(out.match(new RegExp(`Address: ${ip.replaceAll('.', '\\.')}`, 'g'))?.length, 3, out);
    assert.match(out, /ping-ok/);
    const net = JSON.parse(ok(['network', 'inspect', 'mynet']))[0];
    assert.equal(net.Containers[id].Name, 'srv');
    assert.equal(net.Containers[id].IPv4Address, `${ip}/24`);
    const ep = JSON.parse(ok(['inspect', 'srv']))[0].NetworkSettings.Networks.mynet;
    assert.deepEqual(ep.Aliases, ['db']);
    assert.deepEqual(ep.DNSNames, ['srv', id.slice(0, 12), 'db']);
    assert.equal(ep.NetworkID, net.Id);
  });

  it('isolates user-defined networks from each other', () => {
    ok(['network', 'create', '--subnet', `10.${d.block}.200.0/24`, '--gateway', `10.${d.block}.200.254`, 'othernet']);
    const ip = ok(['inspect', '-f', '{{.NetworkSettings.Networks.mynet.IPAddress}}', 'srv']).trim();
    const out = sh(['--network', 'othernet'], `ip addr show eth0 | grep inet; ping -c1 -W1 ${ip} >/dev/null && echo reached || echo isolated; nslookup srv >/dev/null 2>&1 && echo resolved || echo unknown`);
    assert.match(out, new RegExp(`inet 10\\.${d.block}\\.200\\.1/24`));
    assert.match(out, /isolated/);
    assert.match(out, /unknown/);
    assert.match(sh(['--network', 'othernet'], 'cat /etc/resolv.conf'), new RegExp(`nameserver 10\\.${d.block}\\.200\\.254`));
  });

  it('gives --internal networks no way out', () => {
    ok(['network', 'create', '--internal', 'inner']);
    const out = sh(['--network', 'inner'], `ip route; ping -c1 -W1 ${host} >/dev/null 2>&1 && echo out || echo blocked`);
    assert.doesNotMatch(out, /default via/);
    assert.match(out, /blocked/);
    assert.equal(JSON.parse(ok(['network', 'inspect', 'inner']))[0].Internal, true);
  });

  it('connects and disconnects a running container', () => {
    ok(['run', '-d', '--name', 'roam', '--network', 'othernet', 'busybox', 'sleep', '300']);
    ok(['network', 'connect', '--alias', 'wanderer', 'mynet', 'roam']);
    assert.match(ok(['exec', 'roam', 'ip', 'addr', 'show', 'eth1']), new RegExp(`inet 10\\.${d.block}\\.\\d+\\.\\d+/24`));
    // as dockerd: the IPAMConfig the CLI's connect always sends is kept ({}); a run without --ip has none
    const eps = JSON.parse(ok(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'roam']));
    assert.deepEqual([eps.mynet.IPAMConfig, eps.othernet.IPAMConfig], [{}, null]);
    assert.match(sh(['--network', 'mynet'], 'nslookup wanderer'), /Name:\s+wanderer/);
    const twice = d.docker(['network', 'connect', 'mynet', 'roam']);
    assert.notEqual(twice.code, 0);
    assert.match(twice.stderr, /endpoint with name roam already exists in network mynet/);
    ok(['network', 'disconnect', 'mynet', 'roam']);
    assert.notEqual(d.docker(['exec', 'roam', 'ip', 'addr', 'show', 'eth1']).code, 0, 'eth1 gone');
    const again = d.docker(['network', 'disconnect', 'mynet', 'roam']);
    assert.match(again.stderr, /is not connected to network mynet/);
    const events = ok(['events', '--since', '0', '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'type=network', '--filter', 'event=connect', '--format', '{{.Actor.Attributes.name}}']);
    assert.match(events, /^othernet$/m, 'a start connects the container to its network');
    assert.match(events, /^mynet$/m);
    ok(['rm', '-f', 'roam']);
  });

  it('publishes ports on 127.0.0.1, the host address and to other containers (hairpin)', async () => {
    const port = await freePort();
    ok(['run', '-d', '--name', 'web', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo web-page > /index.html; exec httpd -f -p 80 -h /']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await httpGet('127.0.0.1', port, '/index.html'), 'web-page\n');
    assert.equal(await httpGet(host, port, '/index.html'), 'web-page\n');
    const hairpin = sh([], `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} ${port}`);
    assert.match(hairpin, /web-page/);
    const other = sh(['--network', 'mynet'], `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 3 ${host} ${port}`);
    assert.match(other, /web-page/, 'from another network through the host address');
    // with IPv6 on the host, [::] too, relayed to the container's IPv4 address (dockerd 27+ and its docker-proxy)
    const v6 = await hostHasIPv6();
    if (v6) assert.equal(await httpGet('::1', port, '/index.html'), 'web-page\n');
    assert.equal(ok(['port', 'web']), `80/tcp -> 0.0.0.0:${port}\n${v6 ? `80/tcp -> [::]:${port}\n` : ''}`);
    assert.equal(ok(['port', 'web', '80']), `0.0.0.0:${port}\n${v6 ? `[::]:${port}\n` : ''}`);
    assert.match(ok(['ps', '--filter', 'name=web']), new RegExp(`0\\.0\\.0\\.0:${port}->80/tcp${v6 ? `, \\[::\\]:${port}->80/tcp` : ''}\\s+web`));
    const ports = JSON.parse(ok(['inspect', 'web']))[0].NetworkSettings.Ports;
    assert.deepEqual(ports['80/tcp'], [{ HostIp: '0.0.0.0', HostPort: String(port) }, ...(v6 ? [{ HostIp: '::', HostPort: String(port) }] : [])]);
    // The port is taken while web runs.
    const taken = d.docker(['run', '-d', '--name', 'web2', '-p', `${port}:80`, 'busybox', 'httpd', '-f']);
    assert.equal(taken.code, 125);
    assert.match(taken.stderr, new RegExp(`Bind for 0\\.0\\.0\\.0:${port} failed: port is already allocated`));
    // Stopping web releases it: web2 can start.
    ok(['stop', '-t', '1', 'web']);
    assert.equal(await httpGet('127.0.0.1', port, '/index.html'), '');
    if (v6) assert.equal(await httpGet('::1', port, '/index.html'), '', 'the relay closes with the container');
    ok(['start', 'web2']);
    ok(['rm', '-f', 'web', 'web2']);
  });

  it('publishes -P exposed ports, ranges, udp and a host address', async () => {
    const a = await freePort();
    ok(['run', '-d', '--name', 'multi', '--expose', '7000', '-P', '-p', `127.0.0.1:${a}:81`, '-p', `${a}-${a + 2}:82`, 'busybox', 'sleep', '300']);
    const port = ok(['port', 'multi']);
    assert.match(port, /^7000\/tcp -> 0\.0\.0\.0:\d+$/m);
    assert.match(port, new RegExp(`^81/tcp -> 127\\.0\\.0\\.1:${a}$`, 'm'));
    assert.match(port, new RegExp(`^82/tcp -> 0\\.0\\.0\\.0:${a + 1}$`, 'm'), 'the first free port of the range (127.0.0.1:a is taken)');
    assert.match(ok(['ps', '--filter', 'name=multi', '--format', '{{.Ports}}']), new RegExp(`127\\.0\\.0\\.1:${a}->81/tcp`));
    ok(['rm', '-f', 'multi']);
  });

  it('publishes udp ports', { skip: !have('python3') && 'needs python3 for a UDP echo server' }, async () => {
    // busybox has no UDP server: the host's python3, mounted read-only, echoes datagrams.
    const port = await freePort();
    const echo = 'import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(("0.0.0.0",9999))\nwhile True:\n d,a=s.recvfrom(2048)\n s.sendto(b"echo:"+d,a)\n';
    ok(['run', '-d', '--name', 'udp', '-p', `${port}:9999/udp`, '-v', '/usr:/usr:ro', '-v', '/usr/lib:/lib:ro', '-v', '/usr/lib64:/lib64:ro', 'busybox', '/usr/bin/python3', '-c', echo]);
    const v6 = await hostHasIPv6();
    assert.equal(ok(['port', 'udp']), `9999/udp -> 0.0.0.0:${port}\n${v6 ? `9999/udp -> [::]:${port}\n` : ''}`);
    const ask = async (family: 'udp4' | 'udp6', to: string): Promise<string> => {
      let reply = '';
      for (let i = 0; i < 20 && !reply; i++) {
        reply = await new Promise<string>((resolve) => {
          const s = createSocket(family);
          const t = setTimeout(() => { s.close(); resolve(''); }, 300);
          s.on('message', (m) => { clearTimeout(t); s.close(); resolve(m.toString()); });
          s.send('udp-hello', port, to);
        });
      }
      return reply;
    };
    assert.equal(await ask('udp4', host), 'echo:udp-hello');
    if (v6) assert.equal(await ask('udp6', '::1'), 'echo:udp-hello', 'relayed from [::]');
    ok(['rm', '-f', 'udp']);
  });

  it('shares the namespace of another container with container:<name>', () => {
    ok(['run', '-d', '--name', 'owner', '--hostname', 'ownerhost', '--network', 'mynet', 'busybox', 'sleep', '300']);
    const ip = ok(['inspect', '-f', '{{.NetworkSettings.Networks.mynet.IPAddress}}', 'owner']).trim();
    const out = sh(['--network', 'container:owner'], 'hostname; ip addr show eth0 | grep "inet "');
    assert.match(out, /^ownerhost\n/);
    assert.match(out, new RegExp(`inet ${ip.replaceAll('.', '\\.')}/`));
    const bad = d.docker(['run', '--rm', '--network', 'container:owner', '-p', '80:80', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /conflicting options: port publishing and the container type network mode/);
    assert.match(sh(['--network', 'none'], 'ip addr'), /^1: lo/m);
    assert.doesNotMatch(sh(['--network', 'none'], 'ip addr'), /eth0/);
    assert.match(sh(['--network', 'host'], 'ip addr'), new RegExp(host.replaceAll('.', '\\.')));
    const warn = d.docker(['run', '--rm', '--network', 'host', '-p', '80:80', 'busybox', 'true']);
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stderr, /WARNING: Published ports are discarded when using host network mode/);
    const hostc = ok(['run', '-d', '--name', 'hostc', '--network', 'host', 'busybox', 'sleep', '300']).trim();
    assert.equal(JSON.parse(ok(['network', 'inspect', 'host']))[0].Containers[hostc].Name, 'hostc');
    assert.deepEqual(Object.keys(JSON.parse(ok(['inspect', 'hostc']))[0].NetworkSettings.Networks), ['host']);
    ok(['rm', '-f', 'hostc']);
    ok(['rm', '-f', 'owner']);
  });

  it('applies --add-host host-gateway, --dns*, --ip, --mac-address and --hostname', () => {
    const out = sh(['--add-host', 'gw.test:host-gateway', '--add-host', 'x.test:10.1.2.3', '--dns', '10.9.9.9', '--dns-search', 'corp.test', '--dns-option', 'timeout:2', '--hostname', 'box'],
      'cat /etc/hosts /etc/resolv.conf; hostname');
    assert.match(out, new RegExp(`^10\\.${d.block}\\.0\\.1\\tgw\\.test$`, 'm'));
    assert.match(out, /^10\.1\.2\.3\tx\.test$/m);
    assert.match(out, /^nameserver 10\.9\.9\.9$/m);
    assert.match(out, /^search corp\.test$/m);
    assert.match(out, /^options timeout:2$/m);
    assert.match(out, /^box$/m);
    const mine = sh(['--network', 'othernet', '--ip', `10.${d.block}.200.77`, '--mac-address', '92:d0:c6:0a:29:33'], 'ip addr show eth0');
    assert.match(mine, new RegExp(`inet 10\\.${d.block}\\.200\\.77/24`));
    assert.match(mine, /link\/ether 92:d0:c6:0a:29:33/);
    const user = sh(['--network', 'mynet', '--dns-search', 'corp.test'], 'cat /etc/resolv.conf');
    assert.match(user, /^search corp\.test$/m);
    const bad = d.docker(['run', '--rm', '--ip', '10.1.1.1', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /user specified IP address is supported on user defined networks only/);
  });

  it('gives --ipv6 networks IPv6 addresses, routes and AAAA answers', () => {
    const sub = `fd${(d.block % 256).toString(16).padStart(2, '0')}:be:${Math.floor(Math.random() * 65535).toString(16)}::/64`;
    ok(['network', 'create', '--ipv6', '--subnet', sub, 'six']);
    const cfg = JSON.parse(ok(['network', 'inspect', 'six']))[0];
    assert.equal(cfg.EnableIPv6, true);
    assert.deepEqual(cfg.IPAM.Config.map((c: { Subnet: string }) => c.Subnet.includes(':')), [false, true], 'an IPv4 subnet from the pool plus the IPv6 one');
    ok(['run', '-d', '--name', 'v6a', '--network', 'six', 'busybox', 'sleep', '300']);
    const v6 = ok(['inspect', '-f', '{{.NetworkSettings.Networks.six.GlobalIPv6Address}}', 'v6a']).trim();
    assert.ok(v6.startsWith(sub.split('::')[0]), v6);
    const out = sh(['--network', 'six'], 'ip -6 route; ping6 -c1 -W2 v6a >/dev/null && echo ping6-ok; nslookup -type=AAAA v6a');
    assert.match(out, /default via .* dev eth0/);
    assert.match(out, /ping6-ok/);
    assert.ok(out.includes(`Address: ${v6}`), out);
    ok(['rm', '-f', 'v6a']);
    ok(['network', 'rm', 'six']);
  });

  it('filters ps by network, publish and expose', async () => {
    const port = await freePort();
    ok(['run', '-d', '--name', 'pubd', '-p', `${port}:80`, '--expose', '90', 'busybox', 'sleep', '300']);
    ok(['run', '-d', '--name', 'onnet', '--network', 'mynet', 'busybox', 'sleep', '300']);
    const names = (f: string): string => ok(['ps', '--filter', f, '--format', '{{.Names}}']).split('\n').filter(Boolean).sort().join(' ');
    assert.equal(names('network=mynet'), 'onnet srv');
    // publish names the host port, expose the container's (dockerd's list.go)
    assert.equal(names(`publish=${port}`), 'pubd');
    assert.equal(names('publish=80'), '');
    assert.equal(names('publish=90'), '');
    assert.equal(names('expose=80'), 'pubd');
    assert.equal(names('expose=90'), 'pubd');
    assert.equal(names('expose=80-85/tcp'), 'pubd');
    ok(['rm', '-f', 'pubd', 'onnet']);
  });

  it('refuses bad input with docker\'s messages and leaves nothing half-made', () => {
    // this daemon's bridges and what hangs on them (other tests make and drop links meanwhile)
    const links = (): string => d.bridges().map((br) => `${br}\n${spawnSync('ip', ['-o', 'link', 'show', 'master', br]).stdout.toString()}`).join('');
    const before = links();
    const dup = d.docker(['network', 'create', 'mynet']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /network with name mynet already exists/);
    const overlap = d.docker(['network', 'create', '--subnet', `10.${d.block}.200.0/25`, 'clash']);
    assert.match(overlap.stderr, /invalid pool request: Pool overlaps with other one on this address space/);
    const range = d.docker(['network', 'create', '--subnet', '10.77.0.0/24', '--ip-range', '10.77.0.0/16', 'wide']);
    assert.match(range.stderr, /invalid ip-range 10\.77\.0\.0\/16: it should be within its parent subnet 10\.77\.0\.0\/24/);
    const gw = d.docker(['network', 'create', '--subnet', '10.77.0.0/24', '--gateway', '10.78.0.1', 'nogw']);
    assert.match(gw.stderr, /no matching subnet for gateway 10\.78\.0\.1/);
    assert.match(d.docker(['network', 'inspect', 'nosuch']).stderr, /network nosuch not found/);
    const run = d.docker(['run', '--rm', '--network', 'nosuch', 'busybox', 'true']);
    assert.equal(run.code, 125);
    assert.match(run.stderr, /network nosuch not found/);
    const port = d.docker(['run', '--rm', '-p', '99999:80', 'busybox', 'true']);
    assert.match(port.stderr, /invalid hostPort: 99999/);
    const ranges = d.docker(['run', '--rm', '-p', '8000-8002:80-81', 'busybox', 'true']);
    assert.match(ranges.stderr, /invalid ranges specified for container and host Ports: 80-81 and 8000-8002/);
    ok(['run', '-d', '--name', 'holder', '--network', 'inner', 'busybox', 'sleep', '300']);
    const rm = d.docker(['network', 'rm', 'inner']);
    assert.equal(rm.code, 1);
    assert.match(rm.stderr, /error while removing network: network inner has active endpoints \(name:"holder"/);
    assert.match(d.docker(['network', 'rm', 'bridge']).stderr, /bridge is a pre-defined network and cannot be removed/);
    ok(['rm', '-f', 'holder']);
    assert.equal(JSON.parse(ok(['network', 'ls', '--format', 'json', '--filter', 'name=clash']) || 'null'), null);
    assert.equal(links().split('\n').length, before.split('\n').length, 'no link was left by the failures');
  });

  it('filters, formats and prunes networks', () => {
    ok(['network', 'create', '--label', 'team=blue', 'labelled']);
    assert.equal(ok(['network', 'ls', '--filter', 'label=team=blue', '--format', '{{.Name}} {{.Driver}} {{.Label "team"}}']), 'labelled bridge blue\n');
    assert.match(ok(['network', 'ls', '-q', '--no-trunc', '--filter', 'name=labelled']), /^[0-9a-f]{64}\n$/);
    assert.equal(ok(['network', 'ls', '--filter', 'type=builtin', '--format', '{{.Name}}']), 'bridge\nhost\nnone\n');
    const pruned = ok(['network', 'prune', '-f', '--filter', 'label=team=blue']);
    assert.equal(pruned, 'Deleted Networks:\nlabelled\n\n');
    assert.equal(d.docker(['network', 'inspect', 'labelled']).code, 1);
  });

  it('works from the berth CLI too, with a named bridge', () => {
    const br = `bx${d.bridge.slice(2)}`;
    const r = d.berth(['network', 'create', '-o', `com.docker.network.bridge.name=${br}`, 'berthnet']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(spawnSync('ip', ['link', 'show', br]).status, 0, 'the bridge has the given name');
    assert.match(d.berth(['network', 'ls']).stdout, /berthnet\s+bridge\s+local/);
    assert.equal(d.berth(['network', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'berthnet']).stdout, 'berthnet bridge\n');
    assert.equal(d.berth(['network', 'rm', 'berthnet']).stdout, 'berthnet\n');
    assert.notEqual(spawnSync('ip', ['link', 'show', br]).status, 0, 'and it is gone with the network');
  });

  it('removes veths and namespaces with the container, bridges with the network', () => {
    removeAll(d);
    const st = hostState(d);
    assert.deepEqual(st.veths, []);
    assert.deepEqual(st.netns, []);
    const before = d.bridges().length;
    ok(['network', 'rm', 'othernet', 'inner']);
    assert.equal(d.bridges().length, before - 2);
  });
});

describe('network state across daemon restarts', { skip: !canRun && 'needs root, runc, conmon, ip and iptables' }, () => {
  const d = new Daemon('berth-netr-');
  before(() => {
    d.writeConfig({ 'live-restore': true });
    return startWithBusybox(d);
  });
  after(async () => {
    removeAll(d);
    await d.cleanup();
  });
  const ok = (args: string[]): string => {
    const r = d.docker(args);
    assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  it('keeps networks, addresses and rules without duplicates over a live-restore restart', async () => {
    ok(['network', 'create', 'keep']);
    const port = await freePort();
    ok(['run', '-d', '--name', 'kept', '--stop-timeout', '1', '--network', 'keep', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'echo kept > /index.html; exec httpd -f -p 80 -h /']);
    await new Promise((r) => setTimeout(r, 300));
    const ip = ok(['inspect', '-f', '{{.NetworkSettings.Networks.keep.IPAddress}}', 'kept']);
    const rules = (await leftoverRules(d.fwTag)).sort();
    await d.stop();
    await d.start();
    assert.equal(await httpGet('127.0.0.1', port, '/index.html'), 'kept\n');
    assert.deepEqual((await leftoverRules(d.fwTag)).sort(), rules, 'same rules, no duplicates');
    assert.equal(ok(['inspect', '-f', '{{.NetworkSettings.Networks.keep.IPAddress}}', 'kept']), ip);
    const v6 = await hostHasIPv6();
    assert.equal(ok(['port', 'kept']), `80/tcp -> 0.0.0.0:${port}\n${v6 ? `80/tcp -> [::]:${port}\n` : ''}`);
    if (v6) assert.equal(await httpGet('::1', port, '/index.html'), 'kept\n', 'the IPv6 relay is back too');
    // The port is held again after the restart.
    const taken = d.docker(['run', '--rm', '-p', `${port}:80`, 'busybox', 'true']);
    assert.match(taken.stderr, /port is already allocated/);
    // A plain restart (containers stop) removes and restores everything.
    await d.stop();
    d.writeConfig({});
    await d.start();
    assert.equal(await httpGet('127.0.0.1', port, '/index.html'), 'kept\n', 'adopted again');
    await d.stop();
    assert.deepEqual(await leftoverRules(d.fwTag), [], 'shutdown removes every rule');
    assert.deepEqual(d.bridges(), [], 'shutdown removes the bridges');
    await d.start();
    ok(['start', 'kept']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await httpGet('127.0.0.1', port, '/index.html'), 'kept\n');
    assert.deepEqual((await leftoverRules(d.fwTag)).sort(), rules);
  });

  it('leaves no veth, bridge, namespace or rule after rm, network rm and shutdown', async () => {
    ok(['rm', '-f', 'kept']);
    ok(['network', 'rm', 'keep']);
    const st = hostState(d);
    assert.deepEqual(st.veths, []);
    assert.deepEqual(st.netns, []);
    assert.deepEqual(st.bridges, [d.bridge], 'only the default bridge');
    await d.stop();
    assert.deepEqual(d.bridges(), []);
    assert.deepEqual(await leftoverRules(d.fwTag), []);
    assert.equal(spawnSync('ip', ['link', 'show', d.bridge]).status, 1);
  });
});
