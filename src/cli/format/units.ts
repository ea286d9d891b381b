/**
 * Human-readable sizes and durations, matching docker/go-units:
 * HumanSizeWithPrecision, BytesSize, HumanDuration, FromHumanSize and
 * RAMInBytes.
 */
import { InvalidParameterError } from '../../core/errors.ts';
import { formatFloat } from './gofmt.ts';

export const KB = 1000;
export const MB = 1000 * KB;
export const GB = 1000 * MB;
export const TB = 1000 * GB;
export const PB = 1000 * TB;
export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;
export const TiB = 1024 * GiB;
export const PiB = 1024 * TiB;

const DECIMAL_ABBRS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_ABBRS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

function sizeAndUnit(size: number, base: number, units: string[]): [number, string] {
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  return [size, units[i]!];
}

/** go-units HumanSizeWithPrecision: decimal units, `%.*g` (e.g. "4.26MB", "1e+03kB"). */
export function humanSizeWithPrecision(size: number, precision: number): string {
  const [v, unit] = sizeAndUnit(size, 1000, DECIMAL_ABBRS);
  return formatFloat(v, 'g', precision) + unit;
}

/**
 * Image/container sizes as the docker CLI prints them
 * (HumanSizeWithPrecision(size, 3)); pass 4 for go-units HumanSize.
 */
export function humanSize(size: number, precision = 3): string {
  return humanSizeWithPrecision(size, precision);
}

/** go-units BytesSize: binary units with %.4g (e.g. "1.5KiB", "44MiB"), used by `stats`. */
export function bytesSize(size: number): string {
  const [v, unit] = sizeAndUnit(size, 1024, BINARY_ABBRS);
  return formatFloat(v, 'g', 4) + unit;
}

export { humanDuration } from '../../core/duration.ts';

const FLOAT_RE = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf|infinity|nan)$/i;

function parseSize(sizeStr: string, multipliers: Record<string, number>): number {
  let sep = -1;
  for (let i = sizeStr.length - 1; i >= 0; i--) {
    if ('0123456789. '.includes(sizeStr[i]!)) { sep = i; break; }
  }
  if (sep < 0) throw new InvalidParameterError(`invalid size: '${sizeStr}'`);
  const num = sizeStr[sep] === ' ' ? sizeStr.slice(0, sep) : sizeStr.slice(0, sep + 1);
  let sfx = sizeStr.slice(sep + 1);
  if (!FLOAT_RE.test(num)) throw new InvalidParameterError(`strconv.ParseFloat: parsing "${num}": invalid syntax`);
  let size = Number(num.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity').replace(/^[+-]?nan$/i, 'NaN'));
  if (size < 0) throw new InvalidParameterError(`invalid size: '${sizeStr}'`);
  if (sfx.length === 0) return Math.trunc(size);
  const bad = (): never => { throw new InvalidParameterError(`invalid suffix: '${sfx}'`); };
  if (sfx.length > 3) bad();
  sfx = sfx.toLowerCase();
  if (sfx[0] === 'b') {
    if (sfx.length > 1) bad();
    return Math.trunc(size);
  }
  const mul = multipliers[sfx[0]!];
  if (mul === undefined) bad();
  size *= mul!;
  if ((sfx.length === 2 && sfx[1] !== 'b') || (sfx.length === 3 && sfx.slice(1) !== 'ib')) bad();
  return Math.trunc(size);
}

/** go-units FromHumanSize: decimal multipliers ("32kb" = 32000). */
export function fromHumanSize(size: string): number {
  return parseSize(size, { k: KB, m: MB, g: GB, t: TB, p: PB });
}

/** go-units RAMInBytes: binary multipliers ("512m" = 536870912, "1.5GB" = 1.5 GiB). */
export function ramInBytes(size: string): number {
  return parseSize(size, { k: KiB, m: MiB, g: GiB, t: TiB, p: PiB });
}

/** Byte-size flag values (--memory, --shm-size): RAMInBytes semantics. */
export const parseBytes = ramInBytes;
