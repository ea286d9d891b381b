/** `events` / `system events`: the daemon's event stream, one line per event. */
import { buildFilters } from '../client/filters.ts';
import { StatusError } from '../framework/errors.ts';
import type { Command, CommandContext } from '../framework/command.ts';
import type { ParsedArgs } from '../framework/flags.ts';
import { Template } from '../format/template.ts';
import { FILTER_FLAG, INSPECT_FORMAT_HELP, rfc3339NanoFixed } from './shared.ts';

const DURATION_RE = /^[-+]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** time.ParseDuration in milliseconds, or undefined when `s` is not a Go duration. */
export function parseGoDuration(s: string): number | undefined {
  if (!DURATION_RE.test(s)) return undefined;
  const sign = s.startsWith('-') ? -1 : 1;
  let ms = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) ms += Number(m[1]) * UNIT_MS[m[2]];
  return sign * ms;
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?(Z|z|[+-]\d{2}:\d{2})?$/;

/** The field Go's time.Parse reports as out of range, if any. */
function dateRangeError(y: number, mo: number, d: number, h: number, mi: number, s: number): string | undefined {
  if (mo < 1 || mo > 12) return 'month';
  if (d < 1 || d > new Date(Date.UTC(y, mo, 0)).getUTCDate()) return 'day';
  if (h > 23) return 'hour';
  if (mi > 59) return 'minute';
  if (s > 59) return 'second';
  return undefined;
}

/**
 * timetypes.GetTimestamp: a --since/--until value as the "seconds.nanoseconds"
 * string the API takes (durations count back from `now`; dates without a zone
 * are local time; unix timestamps pass through).
 */
export function getTimestamp(value: string, now = Date.now()): string {
  const d = value !== '0' ? parseGoDuration(value) : undefined;
  if (d !== undefined) return String(Math.floor((now - d) / 1000));
  const m = DATE_RE.exec(value);
  if (m) {
    const [, y, mo, da, h = '0', mi = '0', s = '0', frac = '', zone] = m;
    const range = dateRangeError(Number(y), Number(mo), Number(da), Number(h), Number(mi), Number(s));
    if (range) throw new Error(`parsing time ${JSON.stringify(value)}: ${range} out of range`);
    let ms: number;
    if (zone === undefined) {
      ms = new Date(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s)).getTime();
    } else {
      ms = Date.UTC(Number(y), Number(mo) - 1, Number(da), Number(h), Number(mi), Number(s));
      if (!/^[zZ]$/.test(zone)) ms -= (zone[0] === '-' ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * 60_000;
    }
    if (!Number.isNaN(ms)) return `${Math.floor(ms / 1000)}.${frac.padEnd(9, '0')}`;
  }
  if (value.includes('-')) throw new Error(`parsing time ${JSON.stringify(value)}: cannot parse ${JSON.stringify(value)} as a date`);
  const parts = value.split('.');
  if (parts.length > 2 || !parts.every((p) => /^[-+]?\d+$/.test(p))) {
    throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`);
  }
  return value;
}

/** An event as docker's templates see it: events.Message's JSON names, with its Go field names as aliases. */
export function eventMessage(e: Record<string, any>, timeNano: bigint): Record<string, unknown> {
  const actor = e.Actor ?? {};
  const attrs: Record<string, string> = {};
  for (const k of Object.keys(actor.Attributes ?? {}).sort()) attrs[k] = actor.Attributes[k];
  const msg: Record<string, unknown> = {};
  if (e.status) msg.status = e.status;
  if (e.id) msg.id = e.id;
  if (e.from) msg.from = e.from;
  Object.assign(msg, { Type: e.Type ?? '', Action: e.Action ?? '', Actor: { ID: actor.ID ?? '', Attributes: attrs }, scope: e.scope ?? '', time: e.time ?? 0, timeNano });
  const alias = (name: string, value: unknown) => Object.defineProperty(msg, name, { value, enumerable: false });
  alias('Status', e.status ?? '');
  alias('ID', e.id ?? '');
  alias('From', e.from ?? '');
  alias('Scope', e.scope ?? '');
  alias('Time', e.time ?? 0);
  alias('TimeNano', timeNano);
  return msg;
}

/** prettyPrintEvent: "<time> <type> <action> <actor id> (k=v, ...)". */
export function eventLine(e: Record<string, any>, timeNano: bigint): string {
  let out = '';
  if (timeNano !== 0n) out += rfc3339NanoFixed(timeNano) + ' ';
  else if (e.time) out += rfc3339NanoFixed(BigInt(e.time) * 1_000_000_000n) + ' ';
  out += `${e.Type ?? ''} ${e.Action ?? ''} ${e.Actor?.ID ?? ''}`;
  const attrs: Record<string, string> = e.Actor?.Attributes ?? {};
  const keys = Object.keys(attrs).sort();
  if (keys.length > 0) out += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return out + '\n';
}

/** Parses one JSON line, keeping timeNano exact (it does not fit a double). */
export function parseEventLine(line: string): { event: Record<string, any>; timeNano: bigint } {
  const event = JSON.parse(line) as Record<string, any>;
  const m = /"timeNano"\s*:\s*(\d+)/.exec(line);
  return { event, timeNano: m ? BigInt(m[1]) : BigInt(Math.trunc(Number(event.timeNano ?? 0))) };
}

function makeTemplate(format: string): Template | undefined {
  if (format === '') return undefined;
  try {
    const tpl = new Template(format === 'json' ? '{{json .}}' : format);
    tpl.execute(eventMessage({}, 0n));
    return tpl;
  } catch (e) {
    throw new StatusError(64, `Error parsing format: ${e instanceof Error ? e.message : String(e)}`);
  }
}

async function runEvents(ctx: CommandContext, p: ParsedArgs): Promise<void> {
  const tpl = makeTemplate(p.flags.format as string);
  const now = Date.now();
  const since = p.flags.since as string;
  const until = p.flags.until as string;
  const query = {
    since: since ? getTimestamp(since, now) : undefined,
    until: until ? getTimestamp(until, now) : undefined,
    filters: buildFilters(p.flags.filter as string[]),
  };
  const res = await ctx.client.stream('GET', '/events', { query });
  const decoder = new TextDecoder();
  let pending = '';
  const show = (line: string): void => {
    if (line.trim() === '') return;
    const { event, timeNano } = parseEventLine(line);
    ctx.stdout.write(tpl ? tpl.execute(eventMessage(event, timeNano)) + '\n' : eventLine(event, timeNano));
  };
  for await (const chunk of res as AsyncIterable<Buffer>) {
    pending += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      show(pending.slice(0, nl));
      pending = pending.slice(nl + 1);
    }
  }
  show(pending + decoder.decode());
}

export function eventsCommand(): Command {
  return {
    name: 'events', aliasesHelp: ['system events', 'events'], usage: '[OPTIONS]', short: 'Get real time events from the server',
    args: { exact: 0 }, run: runEvents,
    flags: [
      FILTER_FLAG,
      { name: 'format', kind: 'string', description: INSPECT_FORMAT_HELP },
      { name: 'since', kind: 'string', description: 'Show all events created since timestamp' },
      { name: 'until', kind: 'string', description: 'Stream events until this timestamp' },
    ],
  };
}
