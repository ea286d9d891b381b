// Durations as people read them; shared by the daemon (ps status) and the CLI.

/** go-units HumanDuration, from milliseconds ("Less than a second" ... "2 years"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(Math.trunc(ms / 3_600_000) / 24 / 365)} years`;
}

/** Go's time.Duration.String() of `ns` nanoseconds: "500ms", "1.5s", "1m30s", "1h0m0s", "0s". */
export function goDurationString(ns: number): string {
  if (ns === 0) return '0s';
  const neg = ns < 0;
  const abs = Math.abs(Math.round(ns));
  const trim = (n: number, unit: number): string => {
    const whole = Math.trunc(n / unit);
    const frac = String(n % unit).padStart(String(unit).length - 1, '0').replace(/0+$/, '');
    return frac ? `${whole}.${frac}` : String(whole);
  };
  let out: string;
  if (abs < 1e3) out = `${abs}ns`;
  else if (abs < 1e6) out = `${trim(abs, 1e3)}µs`;
  else if (abs < 1e9) out = `${trim(abs, 1e6)}ms`;
  else {
    const h = Math.trunc(abs / 3.6e12);
    const m = Math.trunc((abs % 3.6e12) / 6e10);
    const s = trim(abs % 6e10, 1e9);
    out = h ? `${h}h${m}m${s}s` : m ? `${m}m${s}s` : `${s}s`;
  }
  return neg ? `-${out}` : out;
}
