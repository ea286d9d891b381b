/**
 * Small helpers shared by the command files: docker's flag help texts, ID
 * truncation, Go-style time strings, row objects that marshal like docker's
 * formatter contexts, terminal checks and the y/N confirmation prompt.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateFilterArg } from '../client/filters.ts';
import type { CommandContext } from '../framework/command.ts';
import type { FlagSpec } from '../framework/flags.ts';
import { displayWidth } from '../format/tabwriter.ts';
import { humanDuration } from '../format/units.ts';

const FORMAT_TAIL = "'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.\n" +
  'Refer to https://docs.docker.com/go/formatting/ for more information about formatting output with templates';

/** --format help of list commands (flagsHelper.FormatHelp). */
export const FORMAT_HELP = "Format output using a custom template:\n'table':            Print output in table format with column headers (default)\n" +
  "'table TEMPLATE':   Print output in table format using the given Go template\n" + FORMAT_TAIL;

/** --format help of inspect-like commands (flagsHelper.InspectFormatHelp). */
export const INSPECT_FORMAT_HELP = 'Format output using a custom template:\n' + FORMAT_TAIL;

export const FILTER_FLAG: FlagSpec = {
  name: 'filter', short: 'f', kind: 'list', valueName: 'filter', description: 'Filter output based on conditions provided', validate: validateFilterArg,
};

/** stringid.TruncateID: drop an "algo:" prefix and keep 12 characters. */
export function truncateId(id: string): string {
  const colon = id.indexOf(':');
  const hex = colon >= 0 ? id.slice(colon + 1) : id;
  return hex.length > 12 ? hex.slice(0, 12) : hex;
}

/** formatter.Ellipsis: cut to `max` terminal columns, the last one being "…". */
export function ellipsis(s: string, max: number): string {
  if (max <= 0) return '';
  const chars = [...s];
  if (max === 1) return chars[0] ?? '';
  if (displayWidth(s) <= max) return s;
  let out = '';
  let width = 0;
  for (const ch of chars) {
    const w = displayWidth(ch);
    if (width + w > max - 1) break;
    out += ch;
    width += w;
  }
  return out + '…';
}

/** encoding/json's HTML-safe escaping of <, > and & (what json.Marshal does). */
function htmlEscapedJson(v: unknown): string {
  return JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const jsonWithRaw = JSON as unknown as { rawJSON?: (text: string) => unknown };
/** JSON.rawJSON where the runtime has it (Node 21+); plain values otherwise. */
const rawJSON = (text: string): unknown => (jsonWithRaw.rawJSON ? jsonWithRaw.rawJSON(text) : JSON.parse(text));

const ROW_PROTO = {
  /** `{{json .}}` of a docker formatter context: json.Marshal of a map, so sorted keys and HTML escaping. */
  toJSON(this: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(this).sort()) {
      const v = this[key];
      out[key] = typeof v === 'string' ? rawJSON(htmlEscapedJson(v)) : v;
    }
    return out;
  },
};
Object.defineProperty(ROW_PROTO, 'toJSON', { enumerable: false });

/** A template row that renders like docker's formatter contexts (see ROW_PROTO). */
export function contextRow<T extends Record<string, unknown>>(fields: T): T {
  const row = Object.create(ROW_PROTO) as T;
  for (const key of Object.keys(fields).sort()) (row as Record<string, unknown>)[key] = fields[key];
  return row;
}

// ---- time, in the local zone as Go prints it ----

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function local(ms: number): { date: string; time: string; offsetMin: number } {
  const d = new Date(ms);
  return {
    date: `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`,
    time: `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`,
    offsetMin: -d.getTimezoneOffset(),
  };
}

function offset(min: number, colon: boolean): string {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `${sign}${pad(Math.trunc(a / 60))}${colon ? ':' : ''}${pad(a % 60)}`;
}

function zoneName(ms: number, offsetMin: number): string {
  if (offsetMin === 0 && !process.env.TZ?.trim()) return 'UTC';
  const part = new Intl.DateTimeFormat('en-US', { timeZoneName: 'short' }).formatToParts(new Date(ms)).find((p) => p.type === 'timeZoneName');
  const name = part?.value ?? '';
  if (name === 'GMT' || name === 'UTC') return 'UTC';
  if (/^[A-Z]{3,5}$/.test(name)) return name;
  return offset(offsetMin, false).replace(/00$/, '');
}

/** Go's time.Unix(sec, 0).String(): "2024-05-01 12:00:00 +0000 UTC". */
export function goTimeString(sec: number): string {
  const ms = sec * 1000;
  const t = local(ms);
  return `${t.date} ${t.time} ${offset(t.offsetMin, false)} ${zoneName(ms, t.offsetMin)}`;
}

/** time.RFC3339 of unix seconds: "2024-05-01T12:00:00Z". */
export function rfc3339(sec: number): string {
  const t = local(sec * 1000);
  return `${t.date}T${t.time}${t.offsetMin === 0 ? 'Z' : offset(t.offsetMin, true)}`;
}

/** jsonmessage.RFC3339NanoFixed of unix nanoseconds: "2024-05-01T12:00:00.123456789Z". */
export function rfc3339NanoFixed(nanos: bigint): string {
  const sec = nanos / 1_000_000_000n;
  const frac = nanos % 1_000_000_000n;
  const t = local(Number(sec) * 1000);
  return `${t.date}T${t.time}.${frac.toString().padStart(9, '0')}${t.offsetMin === 0 ? 'Z' : offset(t.offsetMin, true)}`;
}

/** "2 weeks ago" for unix seconds. */
export function createdSince(sec: number, nowMs = Date.now()): string {
  return `${humanDuration(nowMs - sec * 1000)} ago`;
}

// ---- streams and prompts ----

export function isTerminal(stream: NodeJS.ReadableStream | NodeJS.WritableStream): boolean {
  return (stream as { isTTY?: boolean }).isTTY === true;
}

/** An image name inside a URL path, escaped like Go's url.URL does it. */
export function pathEscape(name: string): string {
  return encodeURI(name).replace(/[?#]/g, (c) => encodeURIComponent(c));
}

/** Reads one line (without the newline) from stdin; undefined when stdin ended first. */
export function readLine(stdin: NodeJS.ReadableStream): Promise<string | undefined> {
  return new Promise((resolve) => {
    let buf = '';
    const finish = (line: string | undefined): void => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onEnd);
      stdin.pause();
      resolve(line);
    };
    const onData = (chunk: Buffer | string): void => {
      buf += chunk.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) finish(buf.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = (): void => finish(buf === '' ? undefined : buf);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.on('error', onEnd);
    stdin.resume();
  });
}

/** command.PromptForConfirmation: prints "<message> [y/N] " and accepts only y/Y. */
export async function confirm(ctx: CommandContext, message: string): Promise<boolean> {
  ctx.stdout.write(`${message} [y/N] `);
  const answer = await readLine(ctx.stdin);
  return answer !== undefined && answer.trim().toLowerCase() === 'y';
}

/** The CLI config file (config.json in --config), or {} when missing or unreadable. */
export function readCliConfig(configDir: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** GOARCH names for Node's process.arch. */
export function goArch(arch: string = process.arch): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return map[arch] ?? arch;
}

/** An "os[/arch[/variant]]" flag as the OCI platform JSON the API takes. */
export function platformJson(s: string): string {
  const [os, architecture, variant] = s.toLowerCase().split('/');
  if (!os) throw new Error(`invalid platform: ${JSON.stringify(s)}: unknown operating system or architecture: invalid argument`);
  return JSON.stringify({ architecture: architecture ?? goArch(), os, ...(variant ? { variant } : {}) });
}

/** sortorder.NaturalLess: digit runs compare as numbers. */
export function naturalLess(a: string, b: string): boolean {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const nx = BigInt(x);
      const ny = BigInt(y);
      if (nx !== ny) return nx < ny;
      return x.length < y.length;
    }
    return x < y;
  }
  return pa.length < pb.length;
}
