#!/usr/bin/env bash
# Stage 2 of the mini-container: chroot, the first idea, and why the mini-container does not
# stop there. The lab chroots a shell into the stage-1 BusyBox rootfs: its / is the rootfs and a
# file outside cannot be named. But with a /proc mounted in the rootfs (as any container needs)
# the shell sees every host process, shares the host's hostname and network, and escapes through
# /proc/PID/root of a process outside the chroot: it reads the outside file, then chroots back
# into the host's /. chroot(2) changes path resolution for one process, nothing else.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

SECRET="a file only outside the rootfs"

# Run a shell command in the chroot; the tag marks its processes for cleanup.sh.
in_chroot() { chroot "$ROOT" /bin/sh -c "$1" cfs-s2-jail; }

main() {
  common::require_root
  common::require_cmd chroot coreutils
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static

  common::tmpdir WORKDIR s2
  ROOT=$WORKDIR/rootfs
  local outside=$WORKDIR/outside.txt inside
  printf '%s\n' "$SECRET" >"$outside"
  echo "the host's / has a /usr: $(common::yes_no test -d /usr)"
  echo "the outside file is readable on the host: $(common::yes_no test "$(cat "$outside")" = "$SECRET")"
  log::info "rootfs::busybox $ROOT"
  # In the background, then wait: a SIGINT interrupts the wait builtin at once (bash runs its
  # trap only after a foreground command ends, and not at all when that command ignores it).
  rootfs::busybox "$ROOT" &
  # Undone first (LIFO): the build must stop before the folder it writes into is removed.
  cleanup::push "common::kill_tree $!"
  wait $!
  echo "the chrooted shell's / is the rootfs (no /usr, which the host has): $(common::yes_no in_chroot 'test ! -e /usr')"
  echo "the outside file is visible from the chroot by its path: $(common::yes_no in_chroot "test -e '$outside'")"

  log::info "mount -t proc proc $ROOT/proc (a container needs a /proc)"
  # The undo first: a signal that lands while the mount runs must not leave it behind.
  cleanup::push "! mountpoint -q '$ROOT/proc' || umount '$ROOT/proc' 2>/dev/null || umount -l '$ROOT/proc'"
  mount -t proc proc "$ROOT/proc"
  # shellcheck disable=SC2016 # expanded by the chrooted shell
  inside=$(in_chroot 'echo $$')
  echo "the chrooted shell is PID 1: $(common::yes_no test "$inside" = 1)"
  inside=$(in_chroot 'ls -d /proc/[0-9]* | wc -l')
  echo "the chrooted shell sees more than 10 processes (the host's): $(common::yes_no test "$inside" -gt 10)"
  echo "its hostname is the host's: $(common::yes_no test "$(in_chroot hostname)" = "$(hostname)")"
  echo "its network namespace is the host's: $(common::yes_no test "$(in_chroot 'readlink /proc/self/ns/net')" = "$(readlink /proc/self/ns/net)")"

  log::info "in the chroot: cat /proc/$$/root$outside (/proc/PID/root of this script, outside the chroot)"
  inside=$(in_chroot "cat /proc/$$/root$outside" 2>/dev/null || true)
  echo "through /proc/PID/root of a process outside, the chrooted shell reads the outside file: $(common::yes_no test "$inside" = "$SECRET")"
  log::info "in the chroot: chroot /proc/$$/root cat $outside"
  inside=$(in_chroot "chroot /proc/$$/root cat '$outside'" 2>/dev/null || true)
  echo "chroot /proc/PID/root puts it back in the host's /, where the file is at its path: $(common::yes_no test "$inside" = "$SECRET")"
}
main "$@"
