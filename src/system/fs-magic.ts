/**
 * The name dockerd gives the filesystem under its data root ("Backing
 * Filesystem" in `docker info`), from the statfs magic number, as moby's
 * fsutils/graphdriver FsNames.
 */
import { statfsSync } from 'node:fs';

const NAMES: Record<number, string> = {
  0xef53: 'extfs',
  0x58465342: 'xfs',
  0x01021994: 'tmpfs',
  0x9123683e: 'btrfs',
  0x794c7630: 'overlayfs',
  0x2fc12fc1: 'zfs',
  0x6969: 'nfs',
  0xf2f52010: 'f2fs',
  0xf15f: 'ecryptfs',
  0x61756673: 'aufs',
  0x73717368: 'squashfs',
  0xa501fcf5: 'vxfs',
  0x65735546: 'fuse',
  0x5346544e: 'ntfs',
  0x858458f6: 'ramfs',
};

/** "extfs", "xfs", … or "<unknown>" as dockerd says for a magic it does not know. */
export function backingFilesystem(path: string): string {
  try {
    return NAMES[statfsSync(path).type] ?? '<unknown>';
  } catch {
    return '<unknown>';
  }
}
