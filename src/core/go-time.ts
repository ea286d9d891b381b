/**
 * The `until` value of docker's filters as dockerd reads it: api/types/time
 * GetTimestamp (a Go duration before now, an RFC 3339-like date or time, or
 * unix seconds) with Go's time.Parse error texts, and the prune filters'
 * getUntilFromPruneFilters.
 */
import { InvalidParameterError } from './errors.ts';
import { parseGoDuration, type Filters } from './filters.ts';

/** Go's quote for the ASCII a user types (JSON's escapes are the same there). */
const quote = (s: string): string => JSON.stringify(s);

class ParseError extends Error {}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (y: number): boolean => y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
const isDigit = (s: string, i: number): boolean => i < s.length && s[i] >= '0' && s[i] <= '9';

/** Layout elements of the few layouts GetTimestamp uses, in Go's reference-time spelling. */
const CHUNKS = ['2006', '01', '02', '15', '04', '05', '.999999999', 'Z07:00'] as const;

function splitLayout(layout: string): { prefix: string; std: string }[] {
  const out: { prefix: string; std: string }[] = [];
  let prefix = '';
  for (let i = 0; i < layout.length;) {
    const std = CHUNKS.find((c) => layout.startsWith(c, i));
    if (std) {
      out.push({ prefix, std });
      prefix = '';
      i += std.length;
    } else {
      prefix += layout[i++];
    }
  }
  out.push({ prefix, std: '' });
  return out;
}

/** time.Parse (or ParseInLocation with a fixed offset in minutes) for these layouts; milliseconds since the epoch. */
export function goParseTime(layout: string, value: string, localOffsetMin = 0): number {
  const bad = (layoutElem: string, valueElem: string): never => {
    throw new ParseError(`parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`);
  };
  const range = (what: string): never => { throw new ParseError(`parsing time ${quote(value)}: ${what} out of range`); };
  /** getnum: one or two digits (two when fixed). */
  const getnum = (s: string, fixed: boolean): [number, string] | null => {
    if (!isDigit(s, 0)) return null;
    if (!isDigit(s, 1)) return fixed ? null : [Number(s[0]), s.slice(1)];
    return [Number(s.slice(0, 2)), s.slice(2)];
  };
  let rest = value;
  let year = 0, month = 1, day = 1, hour = 0, min = 0, sec = 0, nsec = 0;
  let offsetMin: number | null = null;
  for (const { prefix, std } of splitLayout(layout)) {
    for (let i = 0; i < prefix.length; i++) {
      if (rest[0] !== prefix[i]) bad(prefix, rest);
      rest = rest.slice(1);
    }
    if (!std) {
      if (rest) throw new ParseError(`parsing time ${quote(value)}: extra text: ${quote(rest)}`);
      break;
    }
    const hold = rest;
    switch (std) {
      case '2006': {
        if (rest.length < 4 || !/^\d{4}/.test(rest)) bad(std, hold);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      }
      case '01': case '02': case '15': case '04': case '05': {
        const got = getnum(rest, std !== '15');
        if (!got) bad(std, hold);
        const [n, r] = got!;
        rest = r;
        if (std === '01') {
          if (n <= 0 || n > 12) range('month');
          month = n;
        } else if (std === '02') day = n;
        else if (std === '15') {
          if (n >= 24) range('hour');
          hour = n;
        } else if (std === '04') {
          if (n >= 60) range('minute');
          min = n;
        } else {
          if (n >= 60) range('second');
          sec = n;
          // a fraction the layout does not name is still read
          if (!layout.includes('.999999999') && rest.length >= 2 && (rest[0] === '.' || rest[0] === ',') && isDigit(rest, 1)) {
            let n2 = 2;
            while (isDigit(rest, n2)) n2++;
            nsec = Number(rest.slice(1, n2).padEnd(9, '0').slice(0, 9));
            rest = rest.slice(n2);
          }
        }
        break;
      }
      case '.999999999': {
        if (rest.length < 2 || (rest[0] !== '.' && rest[0] !== ',') || !isDigit(rest, 1)) break;
        let i = 1;
        while (isDigit(rest, i)) i++;
        nsec = Number(rest.slice(1, i).padEnd(9, '0').slice(0, 9));
        rest = rest.slice(i);
        break;
      }
      case 'Z07:00': {
        if (rest[0] === 'Z') {
          offsetMin = 0;
          rest = rest.slice(1);
          break;
        }
        if (rest.length < 6 || rest[3] !== ':' || (rest[0] !== '+' && rest[0] !== '-')) bad(std, hold);
        const hh = getnum(rest.slice(1, 3), true);
        const mm = getnum(rest.slice(4, 6), true);
        if (!hh || !mm || hh[1] || mm[1]) bad(std, hold);
        if (hh![0] > 24) range('time zone offset hour');
        if (mm![0] > 60) range('time zone offset minute');
        offsetMin = (rest[0] === '-' ? -1 : 1) * (hh![0] * 60 + mm![0]);
        rest = rest.slice(6);
        break;
      }
    }
  }
  if (day < 1 || day > (month === 2 && isLeap(year) ? 29 : DAYS[month - 1])) throw new ParseError(`parsing time ${quote(value)}: day out of range`);
  const d = new Date(Date.UTC(2000, month - 1, day, hour, min, sec));
  d.setUTCFullYear(year); // Date.UTC reads years below 100 as 19xx
  return d.getTime() - (offsetMin ?? localOffsetMin) * 60_000 + nsec / 1e6;
}

/** Go's parseTimestamp of api/types/time: `seconds[.fraction]`, as int64s. */
function unixSeconds(value: string): number | null {
  const [s, frac] = value.split(/\.(.*)/s, 2);
  if (!/^[+-]?\d+$/.test(s) || (frac !== undefined && !/^[+-]?\d+$/.test(frac))) return null;
  const n = frac === undefined ? 0 : Number(frac) * 10 ** (9 - frac.length);
  return Number(s) * 1000 + n / 1e6;
}

/**
 * GetTimestamp then ParseTimestamps: a filter's time value in milliseconds
 * since the epoch, or InvalidParameterError with dockerd's text.
 */
export function goTimestamp(value: string, now = Date.now()): number {
  if (value !== '0') {
    let ns: number | undefined;
    try {
      ns = parseGoDuration(value);
    } catch {
      // not a duration
    }
    if (ns !== undefined) return Math.floor((now - ns / 1e6) / 1000) * 1000;
  }
  const inLocation = !(/[zZ+]/.test(value) || value.split('-').length - 1 === 3);
  let layout: string;
  if (value.includes('.')) layout = inLocation ? '2006-01-02T15:04:05.999999999' : '2006-01-02T15:04:05.999999999Z07:00';
  else if (value.includes('T')) {
    let colons = value.split(':').length - 1;
    if (!inLocation && !/[zZ]/.test(value) && colons > 0) colons--;
    const base = colons === 0 ? '2006-01-02T15' : colons === 1 ? '2006-01-02T15:04' : '2006-01-02T15:04:05';
    layout = inLocation ? base : `${base}Z07:00`;
  } else layout = inLocation ? '2006-01-02' : '2006-01-02Z07:00';
  try {
    return goParseTime(layout, value, -new Date(now).getTimezoneOffset());
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    if (value.includes('-')) throw new InvalidParameterError(e.message);
    const ms = unixSeconds(value);
    if (ms === null) throw new InvalidParameterError(`failed to parse value as time or duration: ${quote(value)}`);
    return ms;
  }
}

/** getUntilFromPruneFilters: at most one `until`, as a time in milliseconds; undefined when absent. */
export function pruneUntil(f: Filters, now = Date.now()): number | undefined {
  const v = f.get('until');
  if (!v) return undefined;
  if (v.length > 1) throw new InvalidParameterError('more than one until filter specified');
  return goTimestamp(v[0] ?? '', now);
}
