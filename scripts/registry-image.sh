#!/usr/bin/env bash
# Builds the `registry` image offline, as a docker-archive: Node 24 (from
# node_modules) with the shared libraries it needs, Berth's dist/ and its
# production dependencies, a distribution-style config.yml; the entrypoint is
# `berth registry serve /etc/docker/registry/config.yml` on :5000 with storage
# in the volume /var/lib/registry.
# Usage: bash scripts/registry-image.sh OUT.tar [NAME:TAG]   (then `docker load -i OUT.tar`)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: registry-image.sh OUT.tar [NAME:TAG]}
ref=${2:-registry:latest}
[ -f dist/cli/main.js ] || { echo "build first: npm run build" >&2; exit 1; }
work=$(mktemp -d /tmp/berth-registry-image-XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
node=$(readlink -f node_modules/node/bin/node)
mkdir -p "$root"/usr/local/bin "$root"/berth "$root"/etc/docker/registry "$root"/var/lib/registry "$root"/tmp
chmod 1777 "$root"/tmp
cp "$node" "$root"/usr/local/bin/node
# The dynamic loader and every library node links against, at their paths.
for lib in $(ldd "$node" | grep -o '/[^ ]*'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp -r bin dist package.json "$root"/berth/
find "$root"/berth/dist -name '*.test.js' -delete
mkdir -p "$root"/berth/node_modules
npm ls --omit=dev --parseable --all 2>/dev/null | tail -n +2 | while read -r dir; do
  cp -r "$dir" "$root"/berth/node_modules/
done
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root"/etc/passwd
cat > "$root"/etc/docker/registry/config.yml <<'YML'
version: 0.1
log:
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: /var/lib/registry
  delete:
    enabled: true
http:
  addr: :5000
YML
tar --sort=name --numeric-owner --owner=0 --group=0 --mtime='2024-01-01 00:00:00' -C "$root" -cf "$work/layer.tar" .
diff_id=sha256:$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
cat > "$work/config.json" <<JSON
{"architecture":"amd64","os":"linux","created":"2024-01-01T00:00:00Z","config":{"Entrypoint":["/usr/local/bin/node","/berth/bin/berth.js","registry","serve"],"Cmd":["/etc/docker/registry/config.yml"],"ExposedPorts":{"5000/tcp":{}},"Volumes":{"/var/lib/registry":{}},"WorkingDir":"/","Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["$diff_id"]},"history":[{"created":"2024-01-01T00:00:00Z","created_by":"scripts/registry-image.sh"}]}
JSON
cid=$(sha256sum "$work/config.json" | cut -d' ' -f1)
mkdir -p "$work/archive/layer"
mv "$work/layer.tar" "$work/archive/layer/layer.tar"
cp "$work/config.json" "$work/archive/$cid.json"
printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["layer/layer.tar"]}]\n' "$cid" "$ref" > "$work/archive/manifest.json"
tar --numeric-owner --owner=0 --group=0 -C "$work/archive" -cf "$out" .
echo "sha256:$cid"
