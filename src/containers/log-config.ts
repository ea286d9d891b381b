import { InvalidParameterError } from '../core/errors.ts';

/** The log drivers berthd implements: json-file and local share one file backend (conmon's k8s-file format); none keeps nothing. */
export const LOG_DRIVERS = ['json-file', 'local', 'none'] as const;
export type LogDriver = (typeof LOG_DRIVERS)[number];

const FILE_OPTS: Record<'json-file' | 'local', string[]> = {
  'json-file': ['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-file', 'max-size', 'compress'],
};

/** What rotation needs: bytes per file (0 = unlimited), files kept including the live one, gzip of rotated files. */
export interface RotationPolicy {
  maxSize: number;
  maxFiles: number;
  compress: boolean;
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, m: 1e6, g: 1e9, t: 1e12, p: 1e15 };

/** go-units FromHumanSize: decimal units ("10m" = 10,000,000 bytes), optional "b"/"ib" suffix. */
export function fromHumanSize(s: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([kmgtp]?)(i?b)?\s*$/i.exec(s);
  if (!m) throw new InvalidParameterError(`invalid size: '${s}'`);
  return Math.trunc(Number(m[1]) * UNITS[m[2].toLowerCase()]);
}

function parseBool(s: string): boolean {
  if (/^(1|t|true)$/i.test(s)) return true;
  if (/^(0|f|false)$/i.test(s)) return false;
  throw new InvalidParameterError(`strconv.ParseBool: parsing "${s}": invalid syntax`);
}

/**
 * Check a LogConfig as dockerd does at create: the driver is known and takes
 * every option named. The values are the driver's to check when it opens, at
 * start (see rotationPolicy).
 */
export function validateLogConfig(type: string, config: Record<string, string>): void {
  const driver = type || 'json-file';
  if (!(LOG_DRIVERS as readonly string[]).includes(driver)) throw new InvalidParameterError(`error looking up logging plugin ${driver}: plugin "${driver}" not found`); // dockerd, which looks a name it lacks up among plugins
  if (driver === 'none') {
    if (Object.keys(config).length > 0) throw new InvalidParameterError('invalid logging opts for driver none');
    return;
  }
  const allowed = FILE_OPTS[driver as 'json-file' | 'local'];
  // (the two drivers word it differently in dockerd)
  const unknown = (k: string): string => (driver === 'local' ? `unknown log opt '${k}' for log driver local` : `unknown log opt '${k}' for ${driver} log driver`);
  for (const k of Object.keys(config)) if (!allowed.includes(k)) throw new InvalidParameterError(unknown(k));
}

/**
 * The rotation of a file driver from its option values, parsed as the driver
 * does when it opens (json-file's and local's New): throws with its words.
 */
export function rotationPolicy(type: string, config: Record<string, string>): RotationPolicy {
  const driver = type || 'json-file';
  const policy: RotationPolicy = { maxSize: 0, maxFiles: 1, compress: false };
  if (driver === 'none') return policy;
  if (config['max-size'] !== undefined) {
    policy.maxSize = fromHumanSize(config['max-size']);
    if (policy.maxSize <= 0) throw new InvalidParameterError('max-size must be a positive number');
  }
  if (config['max-file'] !== undefined) {
    if (!/^[+-]?\d+$/.test(config['max-file'])) throw new InvalidParameterError(`strconv.Atoi: parsing "${config['max-file']}": invalid syntax`);
    policy.maxFiles = Number(config['max-file']);
    if (policy.maxFiles < 1) throw new InvalidParameterError('max-file cannot be less than 1');
  }
  if (config.compress !== undefined) {
    policy.compress = parseBool(config.compress);
    if (policy.compress && (policy.maxFiles === 1 || policy.maxSize === 0)) {
      throw new InvalidParameterError('compress cannot be true when max-file is less than 2 or max-size is not set');
    }
  }
  if (driver === 'local') {
    // The local driver rotates by default: 20 MB per file, 5 files, compressed.
    if (config['max-size'] === undefined) policy.maxSize = 20e6;
    if (config['max-file'] === undefined) policy.maxFiles = 5;
    if (config.compress === undefined) policy.compress = true;
  }
  return policy;
}
