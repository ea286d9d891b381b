/**
 * gzip for pushing locally built layers, adapting its level to the data:
 * level 1 while that pays, stored blocks (level 0) for windows that do not
 * compress (random or already-compressed files), probing again now and
 * then. The output is ordinary gzip; only its size/speed trade-off moves.
 */
import { Duplex } from 'node:stream';
import { constants, createGzip } from 'node:zlib';

const WINDOW = 4 << 20;
const PROBE_EVERY = 64 << 20;
const INCOMPRESSIBLE = 0.95;

export function adaptiveGzip(): Duplex {
  const gz = createGzip({ level: 1, chunkSize: 256 * 1024 });
  let level = 1;
  let winIn = 0;
  let winOut = 0;
  let stored = 0;
  const d = new Duplex({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _enc, cb) {
      const send = () => {
        winIn += chunk.length;
        if (level === 0) stored += chunk.length;
        if (gz.write(chunk)) cb();
        else gz.once('drain', () => cb());
      };
      if (winIn >= WINDOW) {
        const ratio = winOut / winIn;
        let want = level;
        if (level === 1 && ratio > INCOMPRESSIBLE) want = 0;
        else if (level === 0 && stored >= PROBE_EVERY) want = 1;
        winIn = 0;
        winOut = 0;
        if (want !== level) {
          level = want;
          stored = 0;
          (gz as unknown as { params(l: number, s: number, cb: (e?: Error | null) => void): void }).params(want, constants.Z_DEFAULT_STRATEGY, (err) => (err ? cb(err) : send()));
          return;
        }
      }
      send();
    },
    final(cb) {
      gz.end();
      cb();
    },
    read() {
      gz.resume();
    },
    destroy(err, cb) {
      gz.destroy();
      cb(err);
    },
  });
  gz.on('data', (c: Buffer) => {
    winOut += c.length;
    if (!d.push(c)) gz.pause();
  });
  gz.on('end', () => d.push(null));
  gz.on('error', (e) => d.destroy(e));
  return d;
}
