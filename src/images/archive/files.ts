/**
 * Lookups into what the scan found, by the paths that manifests name:
 * following links, checking kinds, and unpacking empty layers lazily.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { InvalidParameterError } from '../../core/errors.ts';
import type { ExtractedLayer } from '../../core/layers/types.ts';
import { normalizePath } from './scan.ts';
import type { ArchiveSink, Scan, ScannedFile } from './types.ts';

const MAX_LINK_HOPS = 40;

export class ArchiveFiles {
  private readonly scan: Scan;
  private readonly sink: ArchiveSink;
  private readonly unpacked: ExtractedLayer[];
  private readonly cap: number;

  constructor(scan: Scan, sink: ArchiveSink, unpacked: ExtractedLayer[], cap: number) {
    this.scan = scan;
    this.sink = sink;
    this.unpacked = unpacked;
    this.cap = cap;
  }

  /** The path a name finally designates, after symbolic/hard links (also on directories). */
  resolve(name: string): string {
    let p = normalizePath(name);
    for (let hop = 0; hop < MAX_LINK_HOPS; hop++) {
      if (this.scan.files.has(p)) return p;
      const parts = p.split('/');
      let next: string | null = null;
      for (let i = 1; i <= parts.length && next === null; i++) {
        const target = this.scan.links.get(parts.slice(0, i).join('/'));
        if (target !== undefined) next = normalizePath([target, ...parts.slice(i)].join('/'));
      }
      if (next === null) return p;
      p = next;
    }
    throw new InvalidParameterError(`invalid image archive: too many levels of links at ${name}`);
  }

  has(name: string): boolean {
    return this.scan.files.has(this.resolve(name));
  }

  get(name: string, what: string): ScannedFile {
    const f = this.scan.files.get(this.resolve(name));
    if (!f) throw new InvalidParameterError(`invalid image archive: ${what} ${JSON.stringify(name)} is not in the archive`);
    return f;
  }

  /** The bytes of a small (metadata) file. */
  data(name: string, what: string): Buffer {
    const f = this.get(name, what);
    if (f.kind === 'data') return f.data;
    if (f.kind === 'big') throw new InvalidParameterError(`invalid image archive: ${what} ${JSON.stringify(name)} is larger than ${this.cap} bytes (${f.size})`);
    throw new InvalidParameterError(`invalid image archive: ${what} ${JSON.stringify(name)} is a tar stream, not a JSON document`);
  }

  json(name: string, what: string): unknown {
    return parseJson(this.data(name, what), `${what} ${JSON.stringify(name)}`);
  }

  /** A blob parsed as JSON. */
  blobJson(digest: unknown, what: string, size?: unknown): unknown {
    return parseJson(this.blob(digest, what, size), what);
  }


  /** The bytes of `blobs/<alg>/<hex>`, checked against the digest (and size when given). */
  blob(digest: unknown, what: string, size?: unknown): Buffer {
    const path = blobPath(digest, what);
    const data = this.data(path, what);
    const [alg, hex] = (digest as string).split(':');
    const actual = createHash(alg).update(data).digest('hex');
    if (actual !== hex) throw new InvalidParameterError(`invalid image archive: ${what}: blob ${digest as string} has digest ${alg}:${actual}`);
    if (typeof size === 'number' && size !== data.length) {
      throw new InvalidParameterError(`invalid image archive: ${what}: blob ${digest as string} has size ${data.length}, descriptor says ${size}`);
    }
    return data;
  }

  /** The layer unpacked from a file; an empty file is unpacked now (as an empty tar stream). */
  async layer(name: string, what: string): Promise<ExtractedLayer> {
    const f = this.get(name, what);
    if (f.kind === 'layer') return f.layer;
    if (f.kind === 'data' && f.data.length === 0) {
      const layer = await this.sink.unpackLayer(Readable.from([], { objectMode: false }));
      this.unpacked.push(layer);
      this.scan.files.set(this.resolve(name), { kind: 'layer', layer });
      return layer;
    }
    throw new InvalidParameterError(`invalid image archive: ${what} ${JSON.stringify(name)} is not a tar archive`);
  }
}

function parseJson(data: Buffer, what: string): unknown {
  try {
    return JSON.parse(data.toString('utf8'));
  } catch (e) {
    throw new InvalidParameterError(`invalid image archive: ${what} is not valid JSON: ${(e as Error).message}`);
  }
}

const DIGEST = /^(sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$/;

/** The layout path of a blob, after checking the digest's form. */
export function blobPath(digest: unknown, what: string): string {
  if (typeof digest !== 'string' || !DIGEST.test(digest)) {
    throw new InvalidParameterError(`invalid image archive: ${what} has invalid digest ${JSON.stringify(digest)}`);
  }
  const [alg, hex] = digest.split(':');
  return `blobs/${alg}/${hex}`;
}
