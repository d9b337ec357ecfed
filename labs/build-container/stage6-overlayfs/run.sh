#!/usr/bin/env bash
# Stage 6 of the mini-container: an overlay root. The BusyBox rootfs becomes the read-only lower
# layer of an overlay mount (scripts/overlay.sh) whose upper layer is a tmpfs; the container
# pivots into the overlay, which is a mount point already. It writes a file and deletes /bin/vi:
# the file lands in the upper layer, the deletion becomes a whiteout there, the rootfs is not
# touched. A second container on a fresh upper layer sees the rootfs as it was: that is how the
# mini-container discards a container's changes, and how many containers share one rootfs.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/overlay.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/overlay.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

# What each container does and reports (BusyBox sh, PID 1 after pivot_root onto the overlay).
# shellcheck disable=SC2016 # expanded by the container's shell
INSIDE='
echo "rootfs-type=$(awk "\$2 == \"/\" { print \$3 }" /proc/self/mounts)"
test -e /root/note && echo "note-before=present"
test -e /bin/vi && echo "vi-before=present"
echo "written by the first container" >/root/note && echo "wrote=yes"
rm /bin/vi && echo "deleted=yes"
exit 0'

field() { sed -n "s/^$1=//p" <<<"$REPORT"; }

# Every path of a tree with its type and mode, sorted.
listing() { (cd "$1" && find . -printf '%p %y %m %l\n' | sort); }

# A container on the overlay at $WORKDIR/merged: its report goes in REPORT.
run_container() {
  log::info "unshare --pid --fork --mount --uts --ipc --net --cgroup; rootfs::pivot $WORKDIR/merged; exec /bin/sh"
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup -- bash -c '
    set -Eeuo pipefail
    source "$1/scripts/common.sh"
    source "$1/scripts/rootfs.sh"
    rootfs::pivot "$2" "$3"
    exec /bin/sh -c "$4" cfs-s6-init
  ' cfs-s6-setup "$CFS_REPO_ROOT" "$WORKDIR/merged" "$(readlink /proc/self/ns/mnt)" "$INSIDE" >"$WORKDIR/report" &
  # In the background, then wait: a SIGINT interrupts the wait builtin at once.
  wait $!
  REPORT=$(<"$WORKDIR/report")
}

# A fresh, empty upper layer and work folder on the tmpfs, and the overlay mounted at merged.
fresh_overlay() {
  rm -rf -- "$WORKDIR/layers/upper" "$WORKDIR/layers/work"
  mkdir "$WORKDIR/layers/upper" "$WORKDIR/layers/work"
  overlay::mount "$WORKDIR/merged" "$WORKDIR/layers/upper" "$WORKDIR/layers/work" "$WORKDIR/lower"
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pivot_root util-linux
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static

  common::tmpdir WORKDIR s6
  log::info "rootfs::busybox $WORKDIR/lower"
  rootfs::busybox "$WORKDIR/lower"
  local before
  before=$(listing "$WORKDIR/lower")
  mkdir "$WORKDIR/layers" "$WORKDIR/merged"
  overlay::tmpfs "$WORKDIR/layers"
  fresh_overlay
  echo "the overlay at merged is a mount point (pivot_root needs one): $(common::yes_no mountpoint -q "$WORKDIR/merged")"

  run_container
  echo "file system type of the container's /: $(field rootfs-type)"
  echo "the container wrote /root/note: $(field wrote)"
  echo "the container deleted /bin/vi: $(field deleted)"
  echo "/root/note is in the upper layer: $(common::yes_no test -f "$WORKDIR/layers/upper/root/note")"
  echo "/root/note is in the lower rootfs: $(common::yes_no test -e "$WORKDIR/lower/root/note")"
  echo "whiteouts in the upper layer: $(overlay::whiteouts "$WORKDIR/layers/upper" | paste -sd' ')"
  echo "/bin/vi is still in the lower rootfs: $(common::yes_no test -L "$WORKDIR/lower/bin/vi")"

  log::info "discard the upper layer: umount, a fresh upper, mount again; a second container"
  overlay::umount "$WORKDIR/merged"
  fresh_overlay
  run_container
  echo "a second container on a fresh upper layer finds /root/note: $(common::yes_no test "$(field note-before)" = present)"
  echo "it finds /bin/vi: $(common::yes_no test "$(field vi-before)" = present)"
  overlay::umount "$WORKDIR/merged"
  echo "the lower rootfs is unchanged by both containers: $(common::yes_no test "$(listing "$WORKDIR/lower")" = "$before")"
}
main "$@"
