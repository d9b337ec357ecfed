# shellcheck shell=bash
# rootfs.sh: a minimal root filesystem from the host's busybox-static, with nothing downloaded.
# Source it after common.sh.
#   rootfs::busybox DIR   make DIR a BusyBox rootfs: /bin/busybox (static) and a link for each of
#                         its applets in /bin, the usual empty folders (proc, sys, dev, tmp, etc,
#                         root, run, var), and /etc/passwd and /etc/group with root and nobody.
#                         DIR must not exist yet or be empty. Fails naming busybox-static when
#                         the host's busybox is missing or is not statically linked.
# Why static: the rootfs has no /lib, so a dynamically linked busybox could not start in it.

[[ -n ${_CFS_ROOTFS_SH:-} ]] && return 0
_CFS_ROOTFS_SH=1

ROOTFS_BUSYBOX=${ROOTFS_BUSYBOX:-/bin/busybox}

rootfs::busybox() {
  local dir=$1 d
  [[ -x $ROOTFS_BUSYBOX ]] \
    || die "$ROOTFS_BUSYBOX is missing: install the Debian/Ubuntu package 'busybox-static' (apt-get install busybox-static)."
  mkdir -p "$dir"
  [[ -z $(ls -A "$dir") ]] || die "rootfs::busybox: $dir is not empty."
  for d in bin dev etc proc root run sys tmp var; do mkdir -p "$dir/$d"; done
  chmod 1777 "$dir/tmp"
  chmod 0700 "$dir/root"
  cp "$ROOTFS_BUSYBOX" "$dir/bin/busybox"
  # The rootfs has no /lib: only a statically linked busybox starts there.
  chroot "$dir" /bin/busybox true 2>/dev/null \
    || die "$ROOTFS_BUSYBOX does not run without the host's libraries (dynamically linked?): install 'busybox-static'."
  # --install -s makes a symlink per applet; inside the rootfs they resolve to /bin/busybox.
  chroot "$dir" /bin/busybox --install -s /bin
  printf '%s\n' 'root:x:0:0:root:/root:/bin/sh' 'nobody:x:65534:65534:nobody:/:/bin/false' >"$dir/etc/passwd"
  printf '%s\n' 'root:x:0:' 'nogroup:x:65534:' >"$dir/etc/group"
}
