import { InvalidParameterError } from '../core/errors.ts';
import { cstr, parseDecimal, parseNumber, parsePax, ustarName, verifyChecksum } from './tar-header.ts';
import { baseOf, normalizeMemberPath } from './tar-paths.ts';

/** One archive member as GNU tar will extract it (meta entries excluded). */
export interface TarEntry {
  /** Normalised path (see normalizeMemberPath); null for the root itself. */
  path: Buffer | null;
  /** The typeflag character ('0', '5', '2', ...; '\0' for old regular files). */
  type: string;
  /** Normalised target for hard links, raw target for symlinks, else null. */
  linkPath: Buffer | null;
  /** Payload size after PAX overrides. */
  size: number;
  /** A regular file whose payload is replayed from disk (not recorded raw). */
  replayed: boolean;
  /** A directory (typeflag '5', or an old-style regular entry ending in '/'). */
  dir: boolean;
  /** A regular-file typeflag (counts towards the layer's content size). */
  regular: boolean;
}

/** Receives the split of the stream; raw buffers may be slices of the input chunks. */
export interface SplitHandler {
  /** Bytes that are not regular-file payload (headers, meta payloads, padding, trailer). */
  raw(bytes: Buffer): void;
  /** A regular file's payload of `size` bytes follows; it is not passed to raw(). */
  file(path: Buffer, size: number): void;
  /** Every real member, after its header (and before file()). */
  entry(e: TarEntry): void;
}

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);
/** Largest accepted PAX / GNU long-name payload (Go's archive/tar uses the same). */
const MAX_META = 1 << 20;
const HEADER_ONLY = new Set(['1', '2', '3', '4', '5', '6']);
const REGULAR = new Set(['0', '\0', '7']);
const META = new Set(['x', 'g', 'L', 'K']);
const WH_PREFIX = Buffer.from('.wh.');
const WH_META = Buffer.from('.wh..wh.');
const WH_META_DIR = Buffer.from('/.wh..wh.');

const S_HEADER = 0;
const S_PAYLOAD = 1;
const S_PAD = 2;
const S_TRAILER = 3;

/**
 * Incremental tar parser that splits an uncompressed tar stream into raw
 * (metadata) bytes and regular-file payloads, validating every header. It
 * never buffers more than one header block or one meta payload (≤ 1 MiB).
 */
export class TarSplitter {
  /** Bytes seen so far. */
  offset = 0;
  /** Sum of regular-file sizes. */
  contentSize = 0;
  private readonly h: SplitHandler;
  private state = S_HEADER;
  private readonly hdr = Buffer.alloc(BLOCK);
  private hdrFill = 0;
  private remain = 0;
  private pad = 0;
  private mode: 'skip' | 'raw' | 'meta' = 'raw';
  private metaType = '';
  private metaChunks: Buffer[] = [];
  private local = new Map<string, Buffer>();
  private global = new Map<string, Buffer>();
  private longName: Buffer | null = null;
  private longLink: Buffer | null = null;
  private trailerBudget = 0;

  constructor(handler: SplitHandler) {
    this.h = handler;
  }

  /** True once the end-of-archive marker (a zero block) was seen. */
  get ended(): boolean {
    return this.state === S_TRAILER;
  }

  /**
   * Consume a chunk. Returns how many leading bytes of it GNU tar needs: all
   * of it, except after the end-of-archive blocks (trailing bytes are only
   * recorded, so tar is never written to after it may have stopped reading).
   */
  write(chunk: Buffer): number {
    let i = 0;
    let fwd = chunk.length;
    const len = chunk.length;
    while (i < len) {
      if (this.state === S_HEADER) {
        if (this.hdrFill === 0 && len - i >= BLOCK) {
          const block = chunk.subarray(i, i + BLOCK);
          i += BLOCK;
          this.offset += BLOCK;
          this.onBlock(block);
        } else {
          const n = Math.min(BLOCK - this.hdrFill, len - i);
          chunk.copy(this.hdr, this.hdrFill, i, i + n);
          this.hdrFill += n;
          i += n;
          this.offset += n;
          if (this.hdrFill === BLOCK) {
            this.hdrFill = 0;
            this.onBlock(Buffer.from(this.hdr));
          }
        }
      } else if (this.state === S_PAYLOAD) {
        const n = Math.min(this.remain, len - i);
        const part = chunk.subarray(i, i + n);
        if (this.mode !== 'skip') this.h.raw(part);
        if (this.mode === 'meta') this.metaChunks.push(part);
        i += n;
        this.offset += n;
        this.remain -= n;
        if (this.remain === 0) this.endPayload();
      } else if (this.state === S_PAD) {
        const n = Math.min(this.pad, len - i);
        this.h.raw(chunk.subarray(i, i + n));
        i += n;
        this.offset += n;
        this.pad -= n;
        if (this.pad === 0) this.state = S_HEADER;
      } else {
        const n = len - i;
        this.h.raw(chunk.subarray(i));
        const give = Math.min(this.trailerBudget, n);
        this.trailerBudget -= give;
        fwd = i + give;
        this.offset += n;
        i = len;
      }
    }
    return fwd;
  }

  /** The input ended: throws when it stopped inside a member. */
  end(): void {
    if (this.state === S_TRAILER) return;
    if (this.state === S_HEADER && this.hdrFill === 0 && this.metaType === '' && this.local.size === 0 &&
        this.longName === null && this.longLink === null) return;
    throw new InvalidParameterError(`unexpected end of tar stream at byte ${this.offset} (truncated layer)`);
  }

  private onBlock(block: Buffer): void {
    this.h.raw(block);
    if (block.equals(ZERO_BLOCK)) {
      // End of archive. GNU tar reads the second zero block too when present.
      this.state = S_TRAILER;
      this.trailerBudget = BLOCK;
      return;
    }
    verifyChecksum(block, this.offset - BLOCK);
    const type = String.fromCharCode(block[156]);
    let size = parseNumber(block.subarray(124, 136), 'size');
    if (META.has(type)) {
      if (size > MAX_META) throw new InvalidParameterError(`tar ${type} header of ${size} bytes is too large`);
      this.metaType = type;
      this.metaChunks = [];
      this.startPayload(size, 'meta');
      return;
    }
    const paxSize = this.pax('size');
    if (paxSize) size = parseDecimal(paxSize, 'PAX size');
    const rawName = this.pax('path') ?? this.longName ?? ustarName(block);
    const rawLink = this.pax('linkpath') ?? this.longLink ?? cstr(block, 157, 100);
    const sparse = [...this.local.keys(), ...this.global.keys()].some((k) => k.startsWith('GNU.sparse.'));
    this.local.clear();
    this.longName = null;
    this.longLink = null;

    const path = normalizeMemberPath(rawName);
    const slash = rawName.length > 0 && rawName[rawName.length - 1] === 0x2f;
    const regular = REGULAR.has(type) && !slash;
    const dir = type === '5' || (REGULAR.has(type) && slash);
    if (size > 0 && (HEADER_ONLY.has(type) || dir)) {
      throw new InvalidParameterError(`invalid tar entry ${JSON.stringify(rawName.toString())}: type '${type}' with a payload`);
    }
    let linkPath: Buffer | null = null;
    if (type === '1') {
      linkPath = normalizeMemberPath(rawLink, 'hard link target');
      if (linkPath === null) throw new InvalidParameterError('invalid tar hard link to the root directory');
    } else if (type === '2') {
      linkPath = Buffer.from(rawLink);
    }
    // whiteouts and AUFS metadata (.wh..wh.plnk/...) are deleted after extraction: keep their bytes
    const whiteout = path !== null && (baseOf(path).subarray(0, 4).equals(WH_PREFIX) ||
      path.subarray(0, WH_META.length).equals(WH_META) || path.includes(WH_META_DIR));
    const replayed = regular && !sparse && !whiteout && path !== null && size > 0;
    if (regular) this.contentSize += size;
    else if (type === '2') this.contentSize += rawLink.length; // a symlink's size is its target's length (dockerd's directory.Size counts it)
    this.h.entry({ path, type, linkPath, size, replayed, dir, regular });
    if (replayed) this.h.file(path, size);
    this.startPayload(size, replayed ? 'skip' : 'raw');
  }

  private startPayload(size: number, mode: 'skip' | 'raw' | 'meta'): void {
    this.mode = mode;
    this.remain = size;
    this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (size === 0) this.endPayload();
    else this.state = S_PAYLOAD;
  }

  private endPayload(): void {
    if (this.mode === 'meta') this.endMeta();
    this.state = this.pad > 0 ? S_PAD : S_HEADER;
  }

  private endMeta(): void {
    const data = Buffer.concat(this.metaChunks);
    this.metaChunks = [];
    const type = this.metaType;
    this.metaType = '';
    if (type === 'L') this.longName = cstr(data, 0, data.length);
    else if (type === 'K') this.longLink = cstr(data, 0, data.length);
    else parsePax(data, type === 'x' ? this.local : this.global);
  }

  private pax(key: string): Buffer | undefined {
    const v = this.local.get(key) ?? this.global.get(key);
    return v && v.length > 0 ? v : undefined;
  }
}
