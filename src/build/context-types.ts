import type { BuildOptions, BuildSink } from '../core/build/types.ts';
import type { ImageRecord } from '../core/images/types.ts';
import type { ContainerFilesService } from '../containers/files.ts';
import type { ImageService } from '../images/service.ts';
import type { BuildCache } from './cache.ts';
import type { BuildContainers } from './run.ts';

/** Everything one build's steps share. */
export interface BuildCtx {
  opts: BuildOptions;
  sink: BuildSink;
  signal: AbortSignal;
  images: ImageService;
  files: ContainerFilesService;
  containers: BuildContainers;
  cache: BuildCache;
  /** The extracted context. */
  contextDir: string;
  /** .dockerignore: whether a context-relative path is excluded. */
  excluded: (rel: string) => boolean;
  escape: string;
  /** Values of the ARGs declared before the first FROM. */
  metaArgs: Map<string, string | undefined>;
  /** Build args that some ARG consumed. */
  usedArgs: Set<string>;
  /** Finished stages: index and name → image ID ('' for an empty scratch stage). */
  stageImages: Map<string, string>;
  /** Per-build scratch directory (heredocs, downloads). */
  tmpDir: string;
  /** Cache directories of RUN --mount=type=cache. */
  mountCacheDir: string;
  created(): string;
  clampMtime?: number;
  /** --cache-from images that exist here. */
  cacheFrom: ImageRecord[];
  /** Whether cache lookups are allowed (turned off after the first miss, as dockerd). */
  useCache: boolean;
  /** Output of steps (suppressed with -q). */
  out(text: string): void;
}
