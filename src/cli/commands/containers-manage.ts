/** `commit`, `export`, `update`, `container inspect` and `container prune`. */
import { buildFilters, validateFilterArg } from '../client/filters.ts';
import { describeError, StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { FlagSpec, ParsedArgs } from '../framework/flags.ts';
import { humanSize, ramInBytes } from '../format/units.ts';
import { parseReference, repositoryName, withDefaultTag } from '../../core/reference/reference.ts';
import { parseCpus, parseRestartPolicy, parseUint } from './containers-parse.ts';
import { containerPath, sortedFilterArgs } from './containers-shared.ts';
import { writeOutput } from './images-transfer.ts';
import { getInspected, inspectRefs } from './inspect.ts';
import { confirm, INSPECT_FORMAT_HELP } from './shared.ts';

// ---- commit ----

/** The repo/tag query of POST /commit for a REPOSITORY[:TAG] argument ('' for none). */
export function commitReference(ref: string): { repo: string; tag: string } {
  if (ref === '') return { repo: '', tag: '' };
  const parsed = parseReference(ref);
  if (parsed.digest !== undefined) throw new Error('refusing to create a tag with a digest reference');
  return { repo: repositoryName(parsed), tag: withDefaultTag(parsed).tag ?? '' };
}

async function runCommit(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const [container, ref = ''] = p.args;
  const { repo, tag } = commitReference(ref);
  const res = await ctx.client.json<{ Id?: string; ID?: string }>('POST', '/commit', {
    query: {
      container, repo, tag, comment: p.flags.message as string, author: p.flags.author as string,
      changes: p.flags.change as string[], pause: p.flags.pause === true ? undefined : false,
    },
  });
  ctx.stdout.write(`${res?.Id ?? res?.ID ?? ''}\n`);
}

export function commitCommand(): Command {
  return {
    name: 'commit', usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]', short: "Create a new image from a container's changes",
    aliasesHelp: ['container commit', 'commit'], args: { min: 1, max: 2 }, run: runCommit,
    flags: [
      { name: 'author', short: 'a', kind: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
      { name: 'change', short: 'c', kind: 'list', description: 'Apply Dockerfile instruction to the created image' },
      { name: 'message', short: 'm', kind: 'string', description: 'Commit message' },
      { name: 'pause', short: 'p', kind: 'bool', default: true, description: 'Pause container during commit' },
    ],
  };
}

// ---- export ----

async function runExport(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  await writeOutput(ctx, p.flags.output as string, 'export container', () => ctx.client.stream('GET', containerPath(p.args[0], '/export')));
}

export function exportCommand(): Command {
  return {
    name: 'export', usage: '[OPTIONS] CONTAINER', short: "Export a container's filesystem as a tar archive",
    aliasesHelp: ['container export', 'export'], args: { exact: 1 }, run: runExport,
    flags: [{ name: 'output', short: 'o', kind: 'string', description: 'Write to a file, instead of STDOUT' }],
  };
}

// ---- update ----

const bytesFlag = (name: string, description: string, short?: string): FlagSpec =>
  ({ name, short, kind: 'string', valueName: 'bytes', description, validate: (v) => void (v === '-1' && name === 'memory-swap' ? 0 : ramInBytes(v)) });

/** The body of POST /containers/{id}/update: container.UpdateConfig as the docker CLI fills it. */
export function updateConfig(p: ParsedArgs): Record<string, unknown> {
  const s = (n: string) => p.flags[n] as string;
  const n = (n: string) => p.flags[n] as number;
  const bytes = (v: string) => (v === '' ? 0 : v === '-1' ? -1 : ramInBytes(v));
  const restart = parseRestartPolicy(s('restart'));
  return {
    CpuShares: n('cpu-shares'), Memory: bytes(s('memory')), NanoCpus: s('cpus') ? parseCpus(s('cpus')) : 0, CgroupParent: '',
    BlkioWeight: n('blkio-weight'), BlkioWeightDevice: null, BlkioDeviceReadBps: null, BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null, BlkioDeviceWriteIOps: null, CpuPeriod: n('cpu-period'), CpuQuota: n('cpu-quota'),
    CpuRealtimePeriod: n('cpu-rt-period'), CpuRealtimeRuntime: n('cpu-rt-runtime'), CpusetCpus: s('cpuset-cpus'),
    CpusetMems: s('cpuset-mems'), Devices: null, DeviceCgroupRules: null, DeviceRequests: null,
    MemoryReservation: bytes(s('memory-reservation')), MemorySwap: bytes(s('memory-swap')), MemorySwappiness: null,
    OomKillDisable: null, PidsLimit: p.changed.has('pids-limit') && n('pids-limit') !== 0 ? n('pids-limit') : null, Ulimits: null,
    CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0, RestartPolicy: restart,
  };
}

async function runUpdate(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  if (p.changed.size === 0) throw new Error('you must provide one or more flags when using this command');
  const body = updateConfig(p);
  const warnings: string[] = [];
  const errors: string[] = [];
  for (const name of p.args) {
    try {
      const res = await ctx.client.json<{ Warnings?: string[] | null }>('POST', containerPath(name, '/update'), { body });
      ctx.stdout.write(`${name}\n`);
      warnings.push(...(res?.Warnings ?? []));
    } catch (e) {
      errors.push(describeError(e));
    }
  }
  if (warnings.length > 0) ctx.stdout.write(warnings.join('\n') + '\n');
  if (errors.length > 0) throw new StatusError(1, errors.join('\n'));
}

export function updateCommand(): Command {
  return {
    name: 'update', usage: '[OPTIONS] CONTAINER [CONTAINER...]', short: 'Update configuration of one or more containers',
    aliasesHelp: ['container update', 'update'], args: { min: 1 }, run: runUpdate,
    flags: [
      { name: 'blkio-weight', kind: 'int', valueName: 'uint16', description: 'Block IO (relative weight), between 10 and 1000, or 0 to disable (default 0)', validate: (v) => void parseUint(v, 16) },
      { name: 'cpu-period', kind: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) period' },
      { name: 'cpu-quota', kind: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
      { name: 'cpu-rt-period', kind: 'int', description: 'Limit the CPU real-time period in microseconds' },
      { name: 'cpu-rt-runtime', kind: 'int', description: 'Limit the CPU real-time runtime in microseconds' },
      { name: 'cpu-shares', short: 'c', kind: 'int', description: 'CPU shares (relative weight)' },
      { name: 'cpus', kind: 'string', valueName: 'decimal', description: 'Number of CPUs', validate: (v) => void parseCpus(v) },
      { name: 'cpuset-cpus', kind: 'string', description: 'CPUs in which to allow execution (0-3, 0,1)' },
      { name: 'cpuset-mems', kind: 'string', description: 'MEMs in which to allow execution (0-3, 0,1)' },
      { ...bytesFlag('kernel-memory', 'Kernel memory limit (deprecated)'), hidden: true },
      bytesFlag('memory', 'Memory limit', 'm'),
      bytesFlag('memory-reservation', 'Memory soft limit'),
      bytesFlag('memory-swap', 'Swap limit equal to memory plus swap: -1 to enable unlimited swap'),
      { name: 'pids-limit', kind: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
      { name: 'restart', kind: 'string', description: 'Restart policy to apply when a container exits' },
    ],
  };
}

// ---- inspect ----

async function runContainerInspect(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const size = p.flags.size === true || undefined;
  await inspectRefs(ctx, p.args, p.flags.format as string, (ref) => getInspected(ctx, containerPath(ref, '/json'), { size }));
}

export function containerInspectCommand(): Command {
  return {
    name: 'inspect', usage: '[OPTIONS] CONTAINER [CONTAINER...]', short: 'Display detailed information on one or more containers',
    args: { min: 1 }, run: runContainerInspect,
    flags: [
      { name: 'format', short: 'f', kind: 'string', description: INSPECT_FORMAT_HELP },
      { name: 'size', short: 's', kind: 'bool', description: 'Display total file sizes' },
    ],
  };
}

// ---- prune ----

async function runPrune(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  if (p.flags.force !== true && !(await confirm(ctx, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue?'))) return;
  const report = await ctx.client.json<{ ContainersDeleted?: string[] | null; SpaceReclaimed?: number }>('POST', '/containers/prune', {
    query: { filters: buildFilters(sortedFilterArgs(p.flags.filter as string[])) },
  });
  const deleted = report?.ContainersDeleted ?? [];
  let out = '';
  if (deleted.length > 0) out += `Deleted Containers:\n${deleted.map((id) => `${id}\n`).join('')}\n`;
  ctx.stdout.write(`${out}Total reclaimed space: ${humanSize(report?.SpaceReclaimed ?? 0, 4)}\n`);
}

export function containerPruneCommand(): Command {
  return {
    name: 'prune', usage: '[OPTIONS]', short: 'Remove all stopped containers', args: { exact: 0 }, run: runPrune,
    flags: [
      { name: 'filter', kind: 'list', valueName: 'filter', description: 'Provide filter values (e.g. "until=<timestamp>")', validate: validateFilterArg },
      { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
    ],
  };
}
