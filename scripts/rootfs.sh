# shellcheck shell=bash
# rootfs.sh: a minimal root filesystem from the host's busybox-static, with nothing downloaded.
# Source it after common.sh.
#   rootfs::busybox DIR   make DIR a BusyBox rootfs: /bin/busybox (static) and a link for each of
#                         its applets in /bin, the usual empty folders (proc, sys, dev, tmp, etc,
#                         root, run, var), and /etc/passwd and /etc/group with root and nobody.
#                         DIR must not exist yet or be empty. Fails naming busybox-static when
#                         the host's busybox is missing or is not statically linked.
#   rootfs::pivot DIR HOST_MNT_NS
#                         make DIR the root of the calling process's mount namespace, the way a
#                         runtime does: all mounts private, DIR bind-mounted on itself (pivot_root
#                         needs a mount point), pivot_root . ., the old root (stacked on the new
#                         one) detached with umount -l, a fresh /proc mounted. Dies, changing
#                         nothing, when the namespace is still HOST_MNT_NS (readlink
#                         /proc/self/ns/mnt of the host): call it in `unshare --mount ... bash -c`.
#                         DIR is a rootfs::busybox rootfs: the steps after pivot_root use its
#                         /bin/busybox. The caller then execs the container's first program.
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

rootfs::pivot() {
  local dir=$1 host_mnt_ns=$2
  [[ -n $host_mnt_ns && $(readlink /proc/self/ns/mnt) != "$host_mnt_ns" ]] \
    || die "rootfs::pivot: still in the host's mount namespace: run it under unshare --mount."
  [[ -x $dir/bin/busybox ]] || die "rootfs::pivot: $dir/bin/busybox is missing (make $dir with rootfs::busybox)."
  # Nothing below propagates back to the host, and pivot_root refuses shared mounts (EINVAL).
  mount --make-rprivate /
  mountpoint -q "$dir" || mount --bind "$dir" "$dir"
  cd "$dir" || die "rootfs::pivot: cannot cd to $dir."
  pivot_root . .
  # The old root now lies on top of the new one: detach it, and nothing of the host is left.
  /bin/busybox umount -l .
  cd / || die "rootfs::pivot: cannot cd to the new /."
  /bin/busybox mount -t proc proc /proc
}
