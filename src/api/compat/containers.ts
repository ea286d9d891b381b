import type { ContainerRecord } from '../../core/containers/types.ts';
import { humanDuration } from '../../core/duration.ts';
import { hostConfigJson } from './host-config.ts';
import { mountsJson } from './volumes.ts';
import type { ContainerNetView } from '../../core/network/types.ts';

const ZERO = '0001-01-01T00:00:00Z';

/** dockerd's State.String(): "Up 5 seconds", "Exited (0) 3 seconds ago", … */
export function statusString(c: ContainerRecord, now = Date.now()): string {
  const s = c.state;
  const since = (t: string): string => humanDuration(now - Date.parse(t));
  if (s.Running) {
    if (s.Paused) return `Up ${since(s.StartedAt)} (Paused)`;
    if (s.Restarting) return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
    const health = (s as { Health?: { Status: string } }).Health?.Status;
    const suffix = health === 'starting' ? ' (health: starting)' : health === 'healthy' || health === 'unhealthy' ? ` (${health})` : '';
    return `Up ${since(s.StartedAt)}${suffix}`;
  }
  if (s.Restarting) return `Restarting (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
  if (s.Status === 'removing') return 'Removal In Progress';
  if (s.Dead) return 'Dead';
  if (s.StartedAt === ZERO) return 'Created';
  if (s.FinishedAt === ZERO) return '';
  return `Exited (${s.ExitCode}) ${since(s.FinishedAt)} ago`;
}

/** dockerd wraps arguments that contain a space in single quotes. */
function quoteArg(a: string): string {
  return a.includes(' ') ? `'${a}'` : a;
}

/** The endpoint of the container's network mode, when no network service tells more. */
function networks(c: ContainerRecord, net?: ContainerNetView): Record<string, unknown> {
  if (net) return net.networks;
  const mode = String(c.hostConfig.NetworkMode ?? 'bridge');
  if (mode.startsWith('container:')) return {};
  return {
    [mode]: {
      IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, NetworkID: '', EndpointID: '', Gateway: '',
      IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
    },
  };
}

/** docker's port list of `ps`: published bindings, then exposed ports without one. */
function portList(net?: ContainerNetView): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const [key, binds] of Object.entries(net?.ports ?? {})) {
    const [port, type] = key.split('/');
    if (!binds) out.push({ PrivatePort: Number(port), Type: type });
    else for (const b of binds) out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out;
}

/** GET /containers/json item; `image`: what to show as its Image (see listedImages); `names`: its name and link names (see listedNames). */
export function containerSummary(c: ContainerRecord, net?: ContainerNetView, image = c.image, names = [c.name]): Record<string, unknown> {
  return {
    Id: c.id,
    Names: names,
    Image: image,
    ImageID: c.imageId,
    Command: [c.path, ...c.args.map(quoteArg)].join(' '),
    Created: Math.floor(Date.parse(c.created) / 1000),
    Ports: portList(net),
    Labels: c.config.Labels ?? {},
    State: c.state.Status,
    Status: statusString(c),
    HostConfig: { NetworkMode: c.hostConfig.NetworkMode ?? 'bridge' },
    NetworkSettings: { Networks: networks(c, net) },
    Mounts: mountsJson(c.mountPoints),
  };
}

/** GET /containers/{id}/json (Docker's full shape). */
export function containerInspect(c: ContainerRecord, graph: Record<string, string> | null, net?: ContainerNetView, execIds?: string[], links: string[] | null = null): Record<string, unknown> {
  const p = net?.primary;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.path,
    Args: c.args,
    State: { ...c.state },
    Image: c.imageId,
    ResolvConfPath: `${c.bundle}/resolv.conf`,
    HostnamePath: `${c.bundle}/hostname`,
    HostsPath: `${c.bundle}/hosts`,
    LogPath: c.logPath,
    Name: c.name,
    RestartCount: c.restartCount,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: execIds?.length ? execIds : null,
    HostConfig: { ...hostConfigJson(c.hostConfig), Links: links }, // the registered links, not the request's (dockerd's getInspectData)
    GraphDriver: { Data: graph, Name: 'overlay2' },
    Mounts: mountsJson(c.mountPoints),
    Config: c.config,
    NetworkSettings: {
      Bridge: '', SandboxID: net?.sandboxKey ? c.id : '', SandboxKey: net?.sandboxKey ?? '', Ports: net?.ports ?? {}, HairpinMode: false,
      LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
      EndpointID: p?.endpointId ?? '', Gateway: p?.gateway ?? '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
      IPAddress: p?.ip ?? '', IPPrefixLen: p?.prefixLen ?? 0, IPv6Gateway: '', MacAddress: p?.mac ?? '', Networks: networks(c, net),
    },
  };
}

/** Docker's timestamp for `logs -t`: UTC with nanoseconds, from conmon's RFC3339Nano with offset. */
export function dockerTime(t: string): string {
  const frac = /\.(\d+)/.exec(t)?.[1] ?? '';
  const ms = Date.parse(t.replace(/(\.\d{3})\d+/, '$1'));
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac.padEnd(9, '0').slice(0, 9)}Z`;
}
