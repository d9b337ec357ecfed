#!/usr/bin/env bash
# Stage 1 of the mini-container: its root filesystem. scripts/rootfs.sh builds a BusyBox rootfs
# from the host's busybox-static, with nothing downloaded: one static binary, a link per applet,
# the empty folders the later stages mount things on, and two-line /etc/passwd and /etc/group.
# The lab shows what is in it, that it is a self-contained world for /bin/sh, and why the busybox
# must be static: a dynamically linked host program copied in cannot even start there.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

# Every path of a tree with its type, mode and link target, sorted.
listing() { (cd "$1" && find . -printf '%p %y %m %l\n' | sort); }

main() {
  common::require_root
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static

  common::tmpdir WORKDIR s1
  local root=$WORKDIR/rootfs applet missing=0 out
  log::info "rootfs::busybox $root"
  rootfs::busybox "$root"
  echo "the rootfs's /bin/sh runs with chroot: $(common::yes_no chroot "$root" /bin/sh -c true)"
  echo "folders at the top of the rootfs: $(find "$root" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort | paste -sd' ')"
  echo "/bin/sh in the rootfs is a link to: $(readlink "$root/bin/sh")"
  for applet in $("$root/bin/busybox" --list); do
    [[ -L $root/bin/$applet || $applet == busybox ]] || missing=$((missing + 1))
  done
  echo "applets of busybox --list without a link in /bin: $missing"
  echo "mode of the rootfs's /tmp: $(stat -c %a "$root/tmp")"
  echo "users in its /etc/passwd: $(cut -d: -f1 "$root/etc/passwd" | paste -sd' ')"
  # The build is reproducible (nothing downloaded, no dates inside): what lets the mini-container
  # build it once and cache it.
  log::info "rootfs::busybox $WORKDIR/again (a second build, to compare)"
  # In the background, then wait: a SIGINT interrupts the wait builtin at once (bash runs its
  # trap only after a foreground command ends, and not at all when that command ignores it).
  rootfs::busybox "$WORKDIR/again" &
  # Undone first (LIFO): the build must stop before the folder it writes into is removed.
  cleanup::push "common::kill_tree $!"
  wait $!
  echo "a second build has the same files, links and modes: $(common::yes_no diff <(listing "$root") <(listing "$WORKDIR/again"))"
  echo "the rootfs is smaller than 4 MiB: $(common::yes_no test "$(du -sm "$root" | cut -f1)" -lt 4)"
  echo "entries in the rootfs's /proc before anything is mounted there: $(chroot "$root" /bin/sh -c 'ls -A /proc | wc -l')"

  log::info "cp /bin/true $root/tmp/true; chroot $root /tmp/true (a dynamically linked program)"
  cp /bin/true "$root/tmp/true"
  out=$(chroot "$root" /tmp/true 2>&1) && out=started
  echo "a dynamically linked host program (/bin/true) copied into the rootfs starts there: $(common::yes_no test "$out" = started)"
  echo "its error says 'No such file or directory' although the file is there: $(common::yes_no grep -q 'No such file or directory' <<<"$out")"
  echo "the rootfs has a /lib for its loader: $(common::yes_no test -e "$root/lib")"
}
main "$@"
