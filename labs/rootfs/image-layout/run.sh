#!/usr/bin/env bash
# OCI image layout: umoci builds a two-layer image from a BusyBox rootfs, locally (no registry).
# The lab reads index.json -> manifest -> config -> layers, checks every digest with sha256sum
# (a layer's digest is of the compressed blob, its diff_id of the uncompressed tar), finds the
# whiteout that records a deletion in the second layer, turns both layers into overlayfs lower
# folders by hand and shows that their overlay equals the rootfs `umoci unpack` makes.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"
# shellcheck source=../../../scripts/overlay.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/overlay.sh"

IMAGE= # the OCI image layout folder

# The path of the blob with digest $1 (sha256:HEX).
blob() { printf '%s/blobs/sha256/%s\n' "$IMAGE" "${1#sha256:}"; }
# The sha256 digest of file $1, as "sha256:HEX".
digest_of() { echo "sha256:$(sha256sum <"$1" | cut -d' ' -f1)"; }

# Every path below $1 with its type, mode, owner, size (regular files) and target (symlinks),
# sorted: two trees with equal listings have the same files as far as a container can tell.
listing() {
  (cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort) \
    | while read -r path type rest; do
      if [[ $type == f ]]; then echo "$path $type $rest $(stat -c %s "$1/$path")"; else echo "$path $type $rest"; fi
    done
}

build_image() {
  local fs=$1
  rootfs::busybox "$fs/rootfs"
  log::info "umoci init --layout image; umoci new --image image:base"
  umoci init --layout "$IMAGE"
  umoci new --image "$IMAGE:base"
  log::info "layer 1: unpack base, copy the BusyBox rootfs in, repack as v1"
  umoci unpack --image "$IMAGE:base" "$fs/bundle1" >/dev/null
  cp -a "$fs/rootfs/." "$fs/bundle1/rootfs/"
  umoci repack --image "$IMAGE:v1" "$fs/bundle1"
  log::info "layer 2: unpack v1, delete /bin/vi, add /etc/motd, repack as v2"
  umoci unpack --image "$IMAGE:v1" "$fs/bundle2" >/dev/null
  rm "$fs/bundle2/rootfs/bin/vi"
  echo "built by hand" >"$fs/bundle2/rootfs/etc/motd"
  umoci repack --image "$IMAGE:v2" "$fs/bundle2"
}

read_image() {
  local fs=$1 manifest config layer i ok=yes diff_ok=yes differ=no f
  local -a layers diff_ids
  echo "oci-layout imageLayoutVersion: $(jq -r .imageLayoutVersion "$IMAGE/oci-layout")"
  echo "index.json tags (org.opencontainers.image.ref.name): $(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$IMAGE/index.json" | sort | paste -sd ' ')"
  for f in "$IMAGE"/blobs/sha256/*; do
    [[ $(digest_of "$f") == "sha256:${f##*/}" ]] || ok=no
  done
  echo "every blob's file name is the sha256 of its content: $ok"

  manifest=$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v2") | .digest' "$IMAGE/index.json")
  echo "v2's manifest: media type $(jq -r '.manifests[] | select(.digest == "'"$manifest"'") | .mediaType' "$IMAGE/index.json")"
  echo "v2's manifest blob size equals its descriptor's size: $(common::yes_no test "$(stat -c %s "$(blob "$manifest")")" -eq "$(jq -r '.manifests[] | select(.digest == "'"$manifest"'") | .size' "$IMAGE/index.json")")"
  config=$(jq -r .config.digest "$(blob "$manifest")")
  echo "v2's config: media type $(jq -r .config.mediaType "$(blob "$manifest")")"
  mapfile -t layers < <(jq -r '.layers[].digest' "$(blob "$manifest")")
  mapfile -t diff_ids < <(jq -r '.rootfs.diff_ids[]' "$(blob "$config")")
  echo "v2's layers: ${#layers[@]}, of media type $(jq -r '.layers[].mediaType' "$(blob "$manifest")" | sort -u | paste -sd ' ')"
  echo "config rootfs.type: $(jq -r .rootfs.type "$(blob "$config")"), diff_ids: ${#diff_ids[@]}"
  for i in "${!layers[@]}"; do
    [[ $(gzip -dc <"$(blob "${layers[i]}")" | sha256sum | cut -d' ' -f1) == "${diff_ids[i]#sha256:}" ]] || diff_ok=no
    [[ ${layers[i]} != "${diff_ids[i]}" ]] && differ=yes
  done
  echo "each diff_id is the sha256 of its layer uncompressed: $diff_ok"
  echo "a layer's digest differs from its diff_id (gzip): $differ"
  echo "v2's first layer is v1's only layer (shared blob): $(common::yes_no test "${layers[0]}" == "$(jq -r '.layers[0].digest' "$(blob "$(jq -r '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "v1") | .digest' "$IMAGE/index.json")")")")"
  layer=$(blob "${layers[1]}")
  echo "whiteout entries in layer 2: $(tar -tzf "$layer" | grep -F '.wh.' | paste -sd ' ')"
  echo "layer 2 holds etc/motd: $(common::yes_no grep -qE '^(\./)?etc/motd$' < <(tar -tzf "$layer"))"
  LAYER1=$(blob "${layers[0]}") LAYER2=$layer
}

stack_layers() {
  local fs=$1
  mkdir "$fs/layer1" "$fs/layer2" "$fs/merged"
  log::info "each layer tar into a folder, whiteouts as overlayfs writes them"
  overlay::from_oci_tar "$LAYER1" "$fs/layer1"
  overlay::from_oci_tar "$LAYER2" "$fs/layer2"
  echo "layer2/bin/vi is a: $(stat -c '%F %t:%T' "$fs/layer2/bin/vi")"
  overlay::mount -o ro "$fs/merged" - - "$fs/layer2" "$fs/layer1"
  echo "bin/vi in the overlay: $(common::yes_no test -e "$fs/merged/bin/vi" -o -L "$fs/merged/bin/vi")"
  echo "etc/motd in the overlay reads: $(cat "$fs/merged/etc/motd")"
  log::info "umoci unpack --image image:v2 reference"
  umoci unpack --image "$IMAGE:v2" "$fs/reference" >/dev/null
  listing "$fs/merged" >"$fs/merged.list"
  listing "$fs/reference/rootfs" >"$fs/reference.list"
  echo "entries listed for the overlay: more than 100: $(common::yes_no test "$(wc -l <"$fs/merged.list")" -gt 100)"
  echo "the overlay of the two layers equals umoci unpack's rootfs (diff of the listings is empty): $(common::yes_no diff -q "$fs/merged.list" "$fs/reference.list")"
}

main() {
  common::require_root
  common::require_cmd umoci umoci
  common::require_cmd jq jq
  common::require_cmd sha256sum coreutils
  common::require_cmd tar tar
  common::require_cmd gzip gzip
  common::require_cmd setfattr attr
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static
  common::require_kernel "overlayfs" /sys/module/overlay

  local dir
  common::tmpdir dir rootfs-image
  mkdir "$dir/fs"
  overlay::tmpfs "$dir/fs" 128m
  IMAGE=$dir/fs/image
  build_image "$dir/fs"
  read_image "$dir/fs"
  stack_layers "$dir/fs"
}
main "$@"
