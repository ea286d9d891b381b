import type { Readable, Writable } from 'node:stream';
import type { ContainerConfig } from './types.ts';

/** docker's ContainerPathStat (the X-Docker-Container-Path-Stat header, base64 JSON). */
export interface ContainerPathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits (ModeDir = 1<<31, ModeSymlink = 1<<27, ... | permission bits). */
  mode: number;
  /** RFC 3339 with nanoseconds, UTC. */
  mtime: string;
  linkTarget: string;
}

/** One line of `docker diff`: Kind 0 = modified (C), 1 = added (A), 2 = deleted (D). */
export interface ContainerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

export interface ExtractOptions {
  /** Fail instead of replacing a directory with a non-directory or the reverse (docker cp sends true). */
  noOverwriteDirNonDir: boolean;
  /** Give the extracted files the container user's uid/gid (`docker cp -a`). */
  copyUIDGID: boolean;
}

export interface CommitOptions {
  container: string;
  repo?: string;
  tag?: string;
  comment?: string;
  author?: string;
  /** Dockerfile lines (CMD, ENV, ...) applied to the new image's config. */
  changes: string[];
  /** Pause a running container while its files are read (the API's default). */
  pause: boolean;
  /** A Config sent in the request body (replaces the container's own before the changes). */
  config?: Partial<ContainerConfig> | null;
}

/**
 * What the API needs for a container's files: export, diff, cp (archive) and
 * commit. Streams are written through `open`, called once the request is
 * known to succeed, so that errors before any byte still become JSON errors.
 */
export interface ContainerFilesBackend {
  exportRootfs(idOrName: string, open: () => Writable, signal: AbortSignal): Promise<void>;
  changes(idOrName: string): Promise<ContainerChange[]>;
  statPath(idOrName: string, path: string): Promise<ContainerPathStat>;
  archivePath(idOrName: string, path: string, open: (stat: ContainerPathStat) => Writable, signal: AbortSignal): Promise<void>;
  extractToDir(idOrName: string, path: string, input: Readable, opts: ExtractOptions, signal: AbortSignal): Promise<void>;
  commit(opts: CommitOptions): Promise<{ id: string }>;
}
