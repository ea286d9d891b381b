/* `docker top`: the host's ps, its rows narrowed to the container's processes (as dockerd does). */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { InvalidParameterError } from '../core/errors.ts';

const run = promisify(execFile);

/** ps with `psArgs` (default -ef), only the rows whose PID is one of `pids`. */
export async function containerTop(pids: number[], psArgs: string): Promise<{ Titles: string[]; Processes: string[][] }> {
  const mine = new Set(pids.map(String));
  const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
  const { stdout } = await run('ps', args).catch((e: { stderr?: string; message: string }) => {
    // dockerd's: "ps: " and the first line of what ps said
    throw new InvalidParameterError(`ps: ${(e.stderr ?? '').split('\n')[0].trim() || e.message}`);
  });
  const lines = stdout.trimEnd().split('\n');
  const titles = lines[0].trim().split(/\s+/);
  const pidCol = titles.indexOf('PID');
  if (pidCol < 0) throw new InvalidParameterError(`Couldn't find PID field in ps output`);
  const rows = lines.slice(1).map((l) => {
    const f = l.trim().split(/\s+/);
    return [...f.slice(0, titles.length - 1), f.slice(titles.length - 1).join(' ')];
  }).filter((f) => mine.has(f[pidCol]));
  return { Titles: titles, Processes: rows };
}
