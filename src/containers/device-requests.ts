/*
 * --gpus and other device requests (HostConfig.DeviceRequests). dockerd
 * hands each to the device driver that offers its capabilities (nvidia,
 * when its container toolkit is installed; CDI). Berth has no such driver
 * yet, so a container that asks for one fails to start with dockerd's
 * message for a request no driver can serve, as dockerd without them does.
 */
import { InvalidParameterError } from '../core/errors.ts';
import type { HostConfig } from '../core/containers/types.ts';

interface DeviceRequest { Driver?: string; Capabilities?: string[][] | null }

/** Go's %v of a [][]string: [[gpu] [compute utility]]. */
export function goStringMatrix(m: string[][] | null | undefined): string {
  return `[${(m ?? []).map((row) => `[${row.join(' ')}]`).join(' ')}]`;
}

export function checkDeviceRequests(h: HostConfig): void {
  for (const r of (h.DeviceRequests as DeviceRequest[] | null | undefined) ?? []) {
    throw new InvalidParameterError(`could not select device driver ${JSON.stringify(r.Driver ?? '')} with capabilities: ${goStringMatrix(r.Capabilities)}`);
  }
}
