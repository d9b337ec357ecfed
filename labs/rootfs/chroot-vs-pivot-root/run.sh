#!/usr/bin/env bash
# chroot vs pivot_root: a BusyBox rootfs entered with chroot(2) is no boundary for root: the
# classic breakout (chroot into a subfolder while keeping the old working directory, walk '..'
# up past the root, chroot there) reads a file that exists only outside the rootfs, with nothing
# but BusyBox's own applets. In a new mount namespace, pivot_root(2) refuses a new root that is
# not a mount point (EINVAL); after a bind mount of the rootfs on itself it works, and once the
# old root is detached the same breakout ends at the rootfs's own /. Every mount happens in that
# private mount namespace: nothing reaches the host's / or its mounts.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"
# shellcheck source=../../../scripts/overlay.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/overlay.sh"

SECRET="a file only outside the rootfs"
UP=../../../../../../../../../../../../.. # more '..' than the rootfs is deep

# The breakout, run by the rootfs's /bin/sh as root with its cwd at the rootfs's /:
# busybox nsenter -r/jail chroots into /jail but (like the chroot(2) of a C program that skips
# the chdir) puts the old cwd back, so the cwd lies outside the new root and '..' is never
# stopped by it; at the top, chroot "." makes that the root. $1: what to cat there.
breakout_script() {
  printf '%s\n' "nsenter -r/jail /bin/busybox sh -c 'busybox pwd >/dev/null 2>&1 || echo cwd-unreachable; cd $UP && busybox test -d jail && echo top-is-rootfs; busybox chroot . $1'"
}

chroot_part() {
  local root=$1 out
  echo "the chroot's / is the rootfs (it holds /jail): $(common::yes_no chroot "$root" /bin/sh -c 'test -d /jail')"
  echo "cd /.. in the chroot stays at its /: $(common::yes_no chroot "$root" /bin/sh -c 'cd /../../.. && test -d jail')"
  echo "the outside file is visible from the chroot by its path: $(common::yes_no chroot "$root" /bin/sh -c "test -e '$WORKDIR/outside.txt'")"

  log::info "chroot $root /bin/sh -c \"nsenter -r/jail ... cd $UP; chroot . ...\""
  out=$(chroot "$root" /bin/sh -c "$(breakout_script "$root/bin/busybox cat $WORKDIR/outside.txt")" 2>/dev/null || true)
  echo "after nsenter -r/jail, getcwd finds the cwd outside the root: $(common::yes_no grep -qx cwd-unreachable <<<"$out")"
  echo "the walk up with .. stops at the rootfs's / (it holds jail): $(common::yes_no grep -qx top-is-rootfs <<<"$out")"
  echo "after the breakout, the chrooted shell reads the outside file: $(common::yes_no grep -qxF "$SECRET" <<<"$out")"
}

pivot_part() {
  local root=$1 out
  log::info "unshare --mount --propagation private: pivot_root, then the same breakout"
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  out=$(unshare --mount --propagation private -- bash -c '
    set -u
    root=$1 host_mnt_ns=$2 breakout=$3
    # Never on the host: stop unless this really is a new mount namespace.
    [[ $(readlink /proc/self/ns/mnt) != "$host_mnt_ns" ]] || { echo "same-mount-namespace"; exit 1; }
    cd "$root"
    err=$(pivot_root . . 2>&1) && echo "pivot-ok-unmounted" || echo "pivot-failed: $err"
    mount --bind "$root" "$root"
    cd "$root"
    pivot_root . . && echo "pivot-ok-bound"
    # The old root is stacked on top of the new one: detach it (runc does the same).
    /bin/busybox umount -l . && echo "old-root-detached"
    cd /
    /bin/busybox sh -c "$breakout"
  ' pivot "$root" "$(readlink /proc/self/ns/mnt)" "$(breakout_script "/bin/busybox cat $WORKDIR/outside.txt")" 2>/dev/null || true)
  [[ $out != *same-mount-namespace* ]] || die "unshare --mount did not make a new mount namespace: stopped before any mount."
  echo "pivot_root . . where the rootfs is not a mount point fails: $(common::yes_no grep -q '^pivot-failed' <<<"$out")"
  echo "its error is EINVAL (Invalid argument): $(common::yes_no grep -q '^pivot-failed.*Invalid argument' <<<"$out")"
  echo "after mount --bind ROOTFS ROOTFS, pivot_root . . succeeds: $(common::yes_no grep -qx pivot-ok-bound <<<"$out")"
  echo "umount -l . detaches the old root: $(common::yes_no grep -qx old-root-detached <<<"$out")"
  echo "the same breakout: the walk up with .. stops at the rootfs's / (it holds jail): $(common::yes_no grep -qx top-is-rootfs <<<"$out")"
  echo "the same breakout reads the outside file: $(common::yes_no grep -qxF "$SECRET" <<<"$out")"
}

main() {
  common::require_root
  common::require_cmd chroot coreutils
  common::require_cmd unshare util-linux
  common::require_cmd pivot_root util-linux
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static

  common::tmpdir WORKDIR rootfs-chroot
  # The rootfs lies on a tmpfs of its own (a mount, but not the rootfs's own mount point), so
  # pivot_root's answer does not depend on whether /tmp is on the host's root file system.
  mkdir "$WORKDIR/fs"
  overlay::tmpfs "$WORKDIR/fs"
  local root=$WORKDIR/fs/rootfs
  log::info "rootfs::busybox $root"
  rootfs::busybox "$root"
  printf '%s\n' "$SECRET" >"$WORKDIR/outside.txt"
  # /jail: the subfolder the breakout chroots into, with a busybox to run there.
  mkdir -p "$root/jail/bin"
  ln "$root/bin/busybox" "$root/jail/bin/busybox"
  echo "BusyBox rootfs built, /bin/sh runs in it: $(common::yes_no chroot "$root" /bin/sh -c true)"
  chroot_part "$root"
  pivot_part "$root"
}
main "$@"
