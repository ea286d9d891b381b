#!/usr/bin/env bash
# Write a busybox root filesystem tarball (from Debian's busybox-static) to stdout.
set -euo pipefail
bb=/bin/busybox
[ -x "$bb" ] || { echo "busybox-static is not installed" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,etc,root,tmp,var,home,proc,sys,dev}
chmod 1777 "$dir/tmp"
cp "$bb" "$dir/bin/busybox"
for applet in $("$bb" --list-full); do
  [ "$applet" = "bin/busybox" ] && continue
  mkdir -p "$dir/$(dirname "$applet")"
  ln -sf /bin/busybox "$dir/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n' > "$dir/etc/passwd"
printf 'root:x:0:\ndaemon:x:1:\nnogroup:x:65534:\n' > "$dir/etc/group"
tar --numeric-owner --owner=0 --group=0 --sort=name --mtime='2024-01-01 00:00Z' -C "$dir" -c .
