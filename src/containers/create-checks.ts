/* The checks and fill-ins of a create request before any record exists (dockerd's verifyContainerSettings for a create). */
import { InvalidParameterError } from '../core/errors.ts';
import type { ContainerConfig, HostConfig } from '../core/containers/types.ts';
import { NO_PLACEMENT, placeContainer, type CgroupPlacement } from '../core/runtime/cgroup-path.ts';
import { hostSysInfo, type CgroupSysInfo } from '../runtime/sysinfo.ts';
import { validateHostConfig } from './create.ts';
import { checkResources } from './resource-checks.ts';
import { validateLogConfig } from './log-config.ts';
import { checkNamespaceModes } from './ns-modes.ts';
import { checkLinkModes } from './links.ts';

type LogConfig = { Type: string; Config: Record<string, string> };

/**
 * Fill in the log config from the daemon's defaults (dockerd's
 * mergeAndVerifyLogConfig: its log-opts apply when the driver is the
 * daemon's), then check everything; returns the warnings (settings the
 * host's cgroups cannot apply, discarded).
 */
export function checkCreateRequest(config: Partial<ContainerConfig>, hostConfig: HostConfig, o: {
  logDefaults?: LogConfig; cgroups?: CgroupPlacement; sysInfo?: CgroupSysInfo;
}): string[] {
  const lc = hostConfig.LogConfig as Partial<LogConfig> | undefined;
  const def = o.logDefaults ?? { Type: 'json-file', Config: {} };
  const type = lc?.Type || def.Type;
  hostConfig.LogConfig = { Type: type, Config: type === def.Type ? { ...def.Config, ...lc?.Config } : { ...lc?.Config } };
  validateHostConfig(hostConfig);
  validateCreateRequest(config, hostConfig);
  const warnings = checkResources(hostConfig, o.sysInfo ?? hostSysInfo());
  checkNamespaceModes(hostConfig);
  placeContainer('x', hostConfig.CgroupParent as string | undefined, o.cgroups ?? NO_PLACEMENT);
  validateLogConfig(type, (hostConfig.LogConfig as LogConfig).Config);
  return warnings;
}

/**
 * dockerd's create-time checks of the request that an update never sees:
 * working dir, tmpfs targets, OOM score, isolation, storage options, links
 * with a network mode that cannot have them (their targets: registerLinks).
 */
export function validateCreateRequest(config: Partial<ContainerConfig>, h: HostConfig): void {
  const wd = config.WorkingDir;
  if (wd && !wd.startsWith('/')) throw new InvalidParameterError(`the working directory '${wd}' is invalid, it needs to be an absolute path`);
  for (const dst of Object.keys((h.Tmpfs as Record<string, string> | null | undefined) ?? {})) {
    if (!dst.startsWith('/')) throw new InvalidParameterError(`invalid mount path: '${dst}' mount path must be absolute`);
  }
  const oom = Number(h.OomScoreAdj ?? 0);
  if (oom < -1000 || oom > 1000) throw new InvalidParameterError(`Invalid value ${oom}, range for oom score adj is [-1000, 1000]`);
  const iso = String(h.Isolation ?? '');
  if (iso !== '' && iso.toLowerCase() !== 'default') throw new InvalidParameterError(`Invalid isolation: "${iso}" - linux only supports 'default'`);
  if (Object.keys((h.StorageOpt as Record<string, string> | null | undefined) ?? {}).length) {
    throw new InvalidParameterError("--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  }
  checkLinkModes(h);
}
