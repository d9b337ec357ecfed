#!/usr/bin/env bash
# build-image.sh: build (or reuse) the CI guest: Debian's stock 6.1 kernel, a busybox initramfs
# that loads the disk/9p modules and switch_roots, and a bookworm root filesystem as an ext4 image.
#
#   scripts/vm/build-image.sh            print the image folder on stdout (building it if needed)
#   scripts/vm/build-image.sh --key      print only the cache key (what a build would be named)
#
# The image folder .vm-cache/image-<key>/ holds vmlinuz, initrd.img, root.ext4, kernel-version.
# <key> hashes guest-packages.txt, the kernel package and version, this script and
# initramfs-init.sh: change any of them and the next run builds a new image. Old images are removed.
# Environment: CFS_VM_KERNEL_PKG (default: the newest linux-image-6.1.0-N-amd64 apt-cache knows;
# not -cloud-amd64, which lacks 9p), CFS_VM_SUITE (default bookworm).
# Needs root, apt-get, mmdebstrap, mkfs.ext4 (e2fsprogs); the host's /boot is never touched.
set -Eeuo pipefail

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$VM_DIR/../.." && pwd)
# shellcheck source=../modules.sh
source "$REPO/scripts/modules.sh"
CACHE=${CFS_VM_CACHE:-$REPO/.vm-cache}
SUITE=${CFS_VM_SUITE:-bookworm}
# Modules the initramfs loads (with their dependencies, from modules.dep) before the root mounts.
INITRD_MODULES=(virtio_pci virtio_blk crc32c_generic crc32c_intel ext4 9pnet_virtio 9p overlay)
# Module folders left out of the guest (hardware the VM does not have); everything else is
# copied so that the kernel's on-demand module loading (nft expressions, veth, ...) works.
MODULE_EXCLUDES=(sound drivers/gpu drivers/media drivers/usb drivers/infiniband drivers/iio
  drivers/hwmon drivers/staging drivers/hid drivers/input drivers/net/wireless
  drivers/net/ethernet drivers/net/usb drivers/net/can drivers/bluetooth drivers/isdn
  drivers/video drivers/mmc drivers/nfc net/bluetooth net/wireless net/mac80211)

say() { printf '[vm-build] %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: apt-get install $2"; }

kernel_pkg() {
  if [[ -n ${CFS_VM_KERNEL_PKG:-} ]]; then
    printf '%s\n' "$CFS_VM_KERNEL_PKG"
    return
  fi
  apt-cache pkgnames linux-image-6.1.0- | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$' | sort -V | tail -n 1
}

packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$VM_DIR/guest-packages.txt" | grep -v '^$'; }

cache_key() {
  local pkg=$1 version
  version=$(apt-cache show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')
  [[ -n $version ]] || die "apt-cache does not know $pkg (run apt-get update?)"
  {
    printf 'suite %s\nkernel %s %s\n' "$SUITE" "$pkg" "$version"
    packages
    cat "$VM_DIR/build-image.sh" "$VM_DIR/initramfs-init.sh" "$REPO/scripts/modules.sh"
  } | sha256sum | cut -c1-16
}

build() {
  local key=$1 pkg=$2 out=$3 tmp kver
  local t0=$SECONDS t
  tmp=$(mktemp -d "$CACHE/build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT

  say "kernel: apt-get download $pkg"
  (cd "$tmp" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) \
    || die "apt-get download $pkg failed"
  mkdir "$tmp/kernel"
  dpkg -x "$tmp"/linux-image-*.deb "$tmp/kernel"
  kver=$(basename "$tmp"/kernel/lib/modules/*)
  [[ -f $tmp/kernel/boot/vmlinuz-$kver ]] || die "no vmlinuz-$kver in $pkg"

  say "root filesystem: mmdebstrap --variant=minbase $SUITE ($(packages | wc -l) packages)"
  t=$SECONDS
  # Only Debian's own archive: the host's other apt sources (nodesource, ...) stay out.
  local sources=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && grep -q 'debian\.org' "$f" && sources+=("$f")
  done
  ((${#sources[@]})) || die "no Debian apt source found in /etc/apt/sources.list{,.d}"
  # In a mount namespace of its own: the bind mounts mmdebstrap makes in the chroot must not
  # show up in the host's mount table while a host run of the lab suite snapshots it.
  unshare --mount --propagation private mmdebstrap --mode=root --variant=minbase --quiet \
    --include="$(packages | paste -sd,)" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    "$SUITE" "$tmp/root" "${sources[@]}" >&2
  say "mmdebstrap: $((SECONDS - t)) s"

  say "modules: copying lib/modules/$kver (without hardware drivers) and running depmod"
  local excludes=() e
  for e in "${MODULE_EXCLUDES[@]}"; do excludes+=("--exclude=$kver/kernel/$e"); done
  mkdir -p "$tmp/root/lib/modules"
  tar -C "$tmp/kernel/lib/modules" "${excludes[@]}" -cf - "$kver" | tar -C "$tmp/root/lib/modules" -xf -
  chroot "$tmp/root" depmod -a "$kver"
  printf 'cfs-vm\n' >"$tmp/root/etc/hostname"
  mkdir -p "$tmp/root/mnt/host" "$tmp/root/mnt/run" "$tmp/root/repo"
  : >"$tmp/root/etc/fstab"

  say "initramfs: busybox + ${INITRD_MODULES[*]}"
  modules::initramfs "$tmp/root" "$kver" "$VM_DIR/initramfs-init.sh" "$tmp/initrd.img" 1 "${INITRD_MODULES[@]}"

  say "ext4 image: mkfs.ext4 -d"
  t=$SECONDS
  local size_mb
  # The content plus 1 GiB of room for what the labs write (the VM writes to a throwaway overlay).
  size_mb=$(($(du -sm "$tmp/root" | cut -f1) + 1024))
  mkfs.ext4 -q -F -L cfs-vm-root -d "$tmp/root" "$tmp/root.ext4" "${size_mb}M"
  say "mkfs.ext4: $((SECONDS - t)) s (${size_mb} MiB)"

  cp "$tmp/kernel/boot/vmlinuz-$kver" "$tmp/vmlinuz"
  printf '%s\n' "$kver" >"$tmp/kernel-version"
  printf '%s\n' "$pkg" >"$tmp/kernel-package"
  rm -rf "$tmp/root" "$tmp/kernel" "$tmp/initrd" "$tmp"/*.deb
  mv "$tmp" "$out"
  trap - EXIT
  say "image $key built in $((SECONDS - t0)) s"
}

main() {
  ((EUID == 0)) || die "building the guest image needs root (mmdebstrap --mode=root, chroot)."
  need apt-get apt
  need mmdebstrap mmdebstrap
  need mkfs.ext4 e2fsprogs
  need dpkg dpkg
  need unshare util-linux
  local pkg key out
  pkg=$(kernel_pkg)
  [[ -n $pkg ]] || die "apt-cache lists no linux-image-6.1.0-N-amd64 package (is bookworm in the apt sources?)"
  key=$(cache_key "$pkg")
  if [[ ${1:-} == --key ]]; then
    printf '%s\n' "$key"
    return
  fi
  mkdir -p "$CACHE"
  out=$CACHE/image-$key
  exec {lock}>"$CACHE/build.lock"
  flock "$lock"
  if [[ -f $out/root.ext4 ]]; then
    say "reusing $out ($(cat "$out/kernel-version"))"
  else
    # stdout carries only the image folder: every build step reports on stderr.
    build "$key" "$pkg" "$out" >&2
    local old
    for old in "$CACHE"/image-*; do
      [[ $old == "$out" ]] || rm -rf "$old"
    done
  fi
  printf '%s\n' "$out"
}
main "$@"
