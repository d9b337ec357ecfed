#!/usr/bin/env bash
# build.sh: build what "Run in your browser" serves, into static/v86/ (ignored by git; the
# production build ships it): v86's wasm, Debian's SeaBIOS, the 9p file index and its blobs, and
# a zstd snapshot of a booted i386 Debian guest with the repository's labs/ and scripts/ in /cfs.
#   sudo scripts/v86/build.sh            build (idempotent: cached under /var/cache/cfs-v86)
#   sudo scripts/v86/build.sh --rootfs   only the cached root filesystem, kernel and initramfs
# Root is needed for mmdebstrap --mode=root; it runs in a private mount namespace (unshare), so
# the chroot's mounts never reach the host's mount table, even if the build is killed.
# Cache: /var/cache/cfs-v86/rootfs-KEY (KEY: hash of the package list and these scripts),
# /var/cache/cfs-v86/blobs (one zstd blob per file content), snapshot-KEY.bin.zst.
set -Eeuo pipefail

V86_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$V86_DIR/../.." && pwd)
# shellcheck source=../modules.sh
source "$REPO/scripts/modules.sh"
CACHE=${CFS_V86_CACHE:-/var/cache/cfs-v86}
OUT=${CFS_V86_OUT:-$REPO/static/v86}
SUITE=bookworm
# Bump when build_rootfs changes what it makes (the cache key covers the packages and the initramfs).
ROOTFS_VERSION=2
# Modules the initramfs loads (with their dependencies) to mount the 9p root. virtio_ring must
# come before virtio: modules::closure (scripts/modules.sh) orders dependencies first.
INITRD_MODULES=(virtio_ring virtio virtio_pci 9pnet 9pnet_virtio 9p)
# Hardware the emulated PC does not have: left out of the guest's /lib/modules.
MODULE_EXCLUDES=(sound drivers/gpu drivers/media drivers/usb drivers/infiniband drivers/iio
  drivers/hwmon drivers/staging drivers/hid drivers/input drivers/net/wireless
  drivers/net/ethernet drivers/net/usb drivers/net/can drivers/bluetooth drivers/isdn
  drivers/video drivers/mmc drivers/nfc drivers/scsi drivers/ata drivers/md drivers/nvme
  drivers/infiniband drivers/platform drivers/mtd drivers/comedi drivers/atm drivers/pcmcia
  net/bluetooth net/wireless net/mac80211 fs/ocfs2 fs/gfs2 fs/xfs fs/btrfs fs/nfs fs/nfsd
  fs/ceph fs/smb fs/cifs fs/ubifs fs/jffs2)

say() { printf '[v86-build] %s\n' "$*" >&2; }
die() {
  say "error: $*"
  exit 1
}
need() { command -v "$1" >/dev/null 2>&1 || die "'$1' is missing: apt-get install $2"; }

packages() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$V86_DIR/guest-packages.txt" | grep -v '^$'; }

rootfs_key() {
  { printf 'suite %s i386 v%s\n' "$SUITE" "$ROOTFS_VERSION"; packages; cat "$V86_DIR/initramfs-init.sh"; } \
    | sha256sum | cut -c1-16
}

# Unmount whatever is still mounted under $1 (deepest first) and remove it.
remove_tree() {
  local dir=$1 m
  [[ -n $dir && -d $dir ]] || return 0
  while read -r m; do umount -l "$m" 2>/dev/null || true; done \
    < <(findmnt -rn -o TARGET | grep -F "$dir" | sort -r)
  rm -rf --one-file-system "$dir"
}

build_rootfs() {
  local out=$1 tmp t=$SECONDS kver
  tmp=$(mktemp -d "$CACHE/cfs-v86-tmp.XXXXXX")
  # shellcheck disable=SC2064 # expand now: the path is fixed
  trap "remove_tree '$tmp'" EXIT
  trap 'exit 130' INT TERM
  local sources=() f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] && grep -q 'debian\.org' "$f" && sources+=("$f")
  done
  ((${#sources[@]})) || die "no Debian apt source found in /etc/apt/sources.list{,.d}"
  say "root filesystem: mmdebstrap --arch=i386 --variant=minbase $SUITE ($(packages | wc -l) packages)"
  unshare --mount --propagation private mmdebstrap --mode=root --arch=i386 --variant=minbase --quiet \
    --include="$(packages | paste -sd,)" \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/zoneinfo/*' \
    "$SUITE" "$tmp/root" "${sources[@]}" >&2
  say "mmdebstrap: $((SECONDS - t)) s"
  kver=$(basename "$(find "$tmp/root/lib/modules" -mindepth 1 -maxdepth 1 -type d | head -n1)")
  [[ -f $tmp/root/boot/vmlinuz-$kver ]] || die "no /boot/vmlinuz-$kver in the guest"
  cp "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinuz"
  printf '%s\n' "$kver" >"$tmp/kernel-version"
  local e
  for e in "${MODULE_EXCLUDES[@]}"; do rm -rf "$tmp/root/lib/modules/$kver/kernel/$e"; done
  chroot "$tmp/root" depmod -a "$kver"
  # What a 9p root does not need: the initramfs Debian made, apt's lists and caches.
  rm -rf "$tmp/root/boot"/* "$tmp/root/var/lib/apt/lists"/* "$tmp/root/var/cache"/*
  printf 'cfs-browser\n' >"$tmp/root/etc/hostname"
  : >"$tmp/root/etc/fstab"

  say "initramfs: busybox + ${INITRD_MODULES[*]}"
  modules::initramfs "$tmp/root" "$kver" "$V86_DIR/initramfs-init.sh" "$tmp/initrd.img" 9 "${INITRD_MODULES[@]}"
  mv "$tmp" "$out"
  trap - EXIT INT TERM
  say "root filesystem built in $((SECONDS - t)) s"
}

main() {
  ((EUID == 0)) || die "this needs root (mmdebstrap --mode=root, chroot): sudo $0"
  need mmdebstrap mmdebstrap
  need arch-test arch-test
  need zstd zstd
  need unshare util-linux
  need node nodejs
  [[ -f /usr/share/seabios/bios.bin ]] || die "no /usr/share/seabios/bios.bin: apt-get install seabios"
  [[ -f $REPO/node_modules/v86/build/v86.wasm ]] || die "no node_modules/v86: run scripts/install-deps.sh"
  arch-test i386 >/dev/null 2>&1 || die "this host cannot run i386 binaries (arch-test i386 fails)"
  local t0=$SECONDS key rootfs
  mkdir -p "$CACHE"
  exec {lock}>"$CACHE/build.lock"
  flock "$lock"
  # What a killed build left (under the lock, no build is using them): its mounts died with its
  # private mount namespace; the folders remain.
  local stale
  for stale in "$CACHE"/cfs-v86-tmp.* "$CACHE"/cfs-v86-out.*; do
    [[ -e $stale ]] && { say "removing $stale (left by an interrupted build)"; remove_tree "$stale"; }
  done
  key=$(rootfs_key)
  rootfs=$CACHE/rootfs-$key
  if [[ -f $rootfs/initrd.img ]]; then
    say "reusing $rootfs ($(cat "$rootfs/kernel-version"))"
  else
    build_rootfs "$rootfs"
    local old
    for old in "$CACHE"/rootfs-*; do [[ $old == "$rootfs" ]] || remove_tree "$old"; done
  fi
  [[ ${1:-} == --rootfs ]] && return 0

  say "guest files: /cfs/labs, /cfs/scripts (from $REPO), /sbin/cfs-init"
  rm -rf "$rootfs/root/cfs"
  mkdir -p "$rootfs/root/cfs"
  cp -a "$REPO/labs" "$REPO/scripts" "$rootfs/root/cfs/"
  # Not the guest's business: the build itself and recorded casts.
  rm -rf "$rootfs/root/cfs/scripts/v86" "$rootfs/root/cfs/scripts/vm"
  find "$rootfs/root/cfs/labs" -name '*.cast' -delete
  install -m 755 "$V86_DIR/guest-init.sh" "$rootfs/root/usr/sbin/cfs-init"
  # One fixed time for what we copy: the index (and so the snapshot's cache key) changes only when
  # a file's content, mode or name does, not with a checkout's or a copy's timestamps.
  find "$rootfs/root/cfs" "$rootfs/root/usr/sbin" -exec touch -h -d @1767225600 {} +

  local stage
  stage=$(mktemp -d "$CACHE/cfs-v86-out.XXXXXX")
  # shellcheck disable=SC2064
  trap "rm -rf '$stage'" EXIT
  say "9p index and blobs (fs.json version 3, one zstd blob per content)"
  mkdir -p "$CACHE/blobs" "$stage/fs"
  (cd "$REPO" && node_modules/.bin/tsx scripts/v86/fs2json.ts --root "$rootfs/root" \
    --out "$stage/fs.json" --blobs "$CACHE/blobs" --link "$stage/fs") >&2

  cp /usr/share/seabios/bios.bin "$stage/bios.bin"
  cp "$REPO/node_modules/v86/build/v86.wasm" "$REPO/node_modules/v86/build/libv86.mjs" "$stage/"
  cp "$REPO/node_modules/@xterm/xterm/css/xterm.css" "$stage/"
  cp "$rootfs/vmlinuz" "$stage/vmlinuz"
  cp "$rootfs/initrd.img" "$stage/initrd.img"

  local skey
  skey=$({ sha256sum "$stage/fs.json" "$stage/vmlinuz" "$stage/initrd.img" "$stage/v86.wasm" | cut -d' ' -f1
    cat "$V86_DIR/snapshot.ts" "$V86_DIR/guest-init.sh"; } | sha256sum | cut -c1-16)
  if [[ -f $CACHE/snapshot-$skey.bin.zst ]]; then
    say "reusing snapshot $skey"
  else
    say "snapshot: booting the guest headlessly in v86 (node)"
    (cd "$REPO" && node_modules/.bin/tsx scripts/v86/snapshot.ts --dir "$stage" --out "$stage/state.bin") >&2
    zstd -q -19 -T0 --rm "$stage/state.bin" -o "$CACHE/snapshot-$skey.bin.zst.tmp"
    mv "$CACHE/snapshot-$skey.bin.zst.tmp" "$CACHE/snapshot-$skey.bin.zst"
    find "$CACHE" -maxdepth 1 -name 'snapshot-*.bin.zst' ! -name "snapshot-$skey.bin.zst" -delete
  fi
  cp "$CACHE/snapshot-$skey.bin.zst" "$stage/state.bin.zst"
  # The browser restores the snapshot: it needs neither the kernel nor the index.
  rm -f "$stage/vmlinuz" "$stage/initrd.img"
  local kver v86
  kver=$(<"$rootfs/kernel-version")
  v86=$(node -p 'require("'"$REPO"'/node_modules/v86/package.json").version')
  node -e '
    const fs = require("fs");
    const [dir, kver, v86] = process.argv.slice(1);
    const size = (f) => fs.statSync(dir + "/" + f).size;
    const info = { v86, kernel: kver, arch: "i386", memoryMiB: 256,
      bytes: { wasm: size("v86.wasm"), js: size("libv86.mjs"), bios: size("bios.bin"), state: size("state.bin.zst"), index: size("fs.json") },
      blobs: fs.readdirSync(dir + "/fs").length };
    fs.writeFileSync(dir + "/manifest.json", JSON.stringify(info, null, 2) + "\n");
  ' "$stage" "$kver" "$v86"
  rm -rf "$OUT"
  mkdir -p "$(dirname "$OUT")"
  mv "$stage" "$OUT"
  chmod -R a+rX "$OUT"
  trap - EXIT
  say "done in $((SECONDS - t0)) s: $OUT ($(du -sh "$OUT" | cut -f1))"
}
main "$@"
