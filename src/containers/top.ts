/* `docker top`: the host's ps narrowed to the container's processes, as dockerd's daemon/top_unix.go does it. */
import { execFile } from 'node:child_process';
import { SystemError } from '../core/errors.ts';

export interface TopResult { Titles: string[]; Processes: string[][] }

// Go's \s and unicode.IsSpace for one byte (ps output is read byte by byte, as latin1)
const ASCII_SPACE = '\t\n\f\r ';
const isSpaceByte = (ch: string): boolean => ASCII_SPACE.includes(ch) || ch === '\v' || ch === '\x85' || ch === '\xa0';

/** dockerd's validatePSArgs: a `k=PID…` column name other than pid would hide the PID column. */
export function validatePsArgs(psArgs: string): void {
  for (const m of psArgs.matchAll(/[\t\n\f\r ]+([^\t\n\f\r ]*)=[\t\n\f\r ]*(PID[^\t\n\f\r ]*)/g)) {
    if (m[1] !== 'pid') throw new Error(`specifying "${m[1]}=${m[2]}" is not allowed`);
  }
}

const fieldsAscii = (s: string): string[] => s.split(/[\t\n\f\r ]+/).filter(Boolean);

/**
 * dockerd's parsePSOutput: columns are cut where every row has a blank
 * (so "sleep 10" under CMD stays one field); rows whose PID is "-" (threads
 * with `m`) follow the process row before them.
 */
export function parsePsOutput(output: Buffer, pids: number[]): TopResult {
  const lines = output.toString('latin1').split('\n');
  const titles = fieldsAscii(lines[0]);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new Error(`Couldn't find PID field in ps output`);
  const idxs = [...lines[0].matchAll(/[^\t\n\f\r ]+/g)].map((m) => [m.index, m.index + m[0].length]);
  idxs[0][0] = 0;
  for (let i = 1; i < idxs.length; i++) {
    let start = idxs[i][0] - 1;
    for (;;) {
      const blocked = lines.slice(1).some((l) => l.length > start && !isSpaceByte(l[start]));
      if (blocked) start--;
      if (start < idxs[i - 1][1]) break;
      if (!blocked) {
        idxs[i][0] = start;
        break;
      }
    }
  }
  const utf8 = (s: string): string => Buffer.from(s, 'latin1').toString('utf8');
  const processes: string[][] = [];
  const add = (fields: string[]): void => {
    processes.push([...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')]);
  };
  const mine = new Set(pids);
  let afterMine = false;
  for (const line of lines.slice(1)) {
    if (line.length === 0) continue;
    const fields = idxs.map((idx, i) => utf8(line.slice(idx[0], i < idxs.length - 1 ? idxs[i + 1][0] : line.length)).trim());
    const pid = fields[pidIndex];
    if (pid === '-') {
      if (afterMine) add(fields);
      continue;
    }
    if (!/^[+-]?\d+$/.test(pid)) throw new Error(`Unexpected pid '${pid}': strconv.Atoi: parsing ${JSON.stringify(pid)}: invalid syntax`);
    afterMine = mine.has(Number(pid));
    if (afterMine) add(fields);
  }
  return { Titles: titles.map(utf8), Processes: processes };
}

const NO_HEADERS = new Set(['--no-header', '--no-headers', '--no-heading', '--no-headings', '--noheader', '--noheaders', '--noheading', '--noheadings']);

function ps(args: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    execFile('ps', args, { encoding: 'buffer', maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      // dockerd: the first line of what ps said, else Go's "exit status N"
      const first = stderr.toString('utf8').split('\n')[0];
      const code = (err as { code?: unknown }).code;
      reject(new Error(first || (typeof code === 'number' ? `exit status ${code}` : err.message)));
    });
  });
}

/** ps with `psArgs` (default -ef, split on single spaces) and `-q<pids>`, again without -q when ps refuses it (`f`). */
export async function containerTop(pids: number[], psArgs: string): Promise<TopResult> {
  const args = (psArgs || '-ef').split(' ');
  for (const a of args) if (NO_HEADERS.has(a)) throw new SystemError(`option ${a} is not allowed`);
  let out: Buffer;
  try {
    out = await ps([...args, `-q${pids.join(',')}`]);
  } catch {
    out = await ps(args).catch((e: Error) => {
      throw new SystemError(`ps: ${e.message}`);
    });
  }
  return parsePsOutput(out, pids);
}
