#!/usr/bin/env bash
# Stage 3 of the mini-container: namespaces and pivot_root. unshare(1) starts the container in
# new PID, mount, UTS, IPC, network and cgroup namespaces; in there, rootfs::pivot (scripts/rootfs.sh)
# makes the BusyBox rootfs the root of the new mount namespace with pivot_root(2), detaches the
# old root and mounts a fresh /proc; the container sets its own hostname and execs /bin/sh, which
# is PID 1. The shell reports what it sees; the lab prints facts from that and from the host.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

HOSTNAME_INSIDE=cfs-s3-box
SECRET="a file only outside the rootfs"

# What the container's PID 1 reports, one key=value a line (BusyBox sh, after pivot_root).
# shellcheck disable=SC2016 # expanded by the container's shell
INSIDE='
outside=$1
set -- /proc/[0-9]*
echo "pid=$$"
echo "procs=$#"
echo "hostname=$(hostname)"
echo "mounts=$(cut -d" " -f2 /proc/self/mounts | sort | tr "\n" " ")"
echo "links=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | sort | tr "\n" " ")"
echo "net=$(readlink /proc/self/ns/net)"
echo "ipc=$(readlink /proc/self/ns/ipc)"
echo "cgroups-not-root=$(grep -cv ":/\$" /proc/self/cgroup)"
test -e "$outside" && echo "outside=visible"
exit 0'

# The value of KEY in the container's report.
field() { sed -n "s/^$1=//p" <<<"$REPORT" | sed 's/ *$//'; }

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pivot_root util-linux
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static

  common::tmpdir WORKDIR s3
  local root=$WORKDIR/rootfs
  log::info "rootfs::busybox $root"
  # In the background, then wait: a SIGINT interrupts the wait builtin at once (bash runs its
  # trap only after a foreground command ends, and not at all when that command ignores it).
  rootfs::busybox "$root" &
  # Undone first (LIFO): the build must stop before the folder it writes into is removed.
  cleanup::push "common::kill_tree $!"
  wait $!
  printf '%s\n' "$SECRET" >"$WORKDIR/outside.txt"
  echo "the rootfs is a mount point on the host before the container starts: $(common::yes_no mountpoint -q "$root")"

  log::info "unshare --pid --fork --mount --uts --ipc --net --cgroup; rootfs::pivot; hostname $HOSTNAME_INSIDE; exec /bin/sh"
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup -- bash -c '
    set -Eeuo pipefail
    source "$1/scripts/common.sh"
    source "$1/scripts/rootfs.sh"
    rootfs::pivot "$2" "$3"
    hostname "$4"
    exec /bin/sh -c "$5" cfs-s3-init "$6"
  ' cfs-s3-setup "$CFS_REPO_ROOT" "$root" "$(readlink /proc/self/ns/mnt)" "$HOSTNAME_INSIDE" "$INSIDE" "$WORKDIR/outside.txt" >"$WORKDIR/report" &
  wait $!
  REPORT=$(<"$WORKDIR/report")
  echo "PID of the container's shell, seen from inside: $(field pid)"
  echo "processes in the container's /proc: $(field procs)"
  echo "hostname inside: $(field hostname)"
  echo "the host's hostname is still its own: $(common::yes_no test "$(hostname)" != "$HOSTNAME_INSIDE")"
  echo "mount points inside, after pivot_root: $(field mounts)"
  echo "the outside file is visible inside by its path: $(common::yes_no test "$(field outside)" = visible)"
  echo "network links inside: $(field links)"
  echo "its network namespace is the host's: $(common::yes_no test "$(field net)" = "$(readlink /proc/self/ns/net)")"
  echo "its IPC namespace is the host's: $(common::yes_no test "$(field ipc)" = "$(readlink /proc/self/ns/ipc)")"
  echo "lines of its /proc/self/cgroup that are not the root / (cgroup namespace): $(field cgroups-not-root)"
  echo "the rootfs is a mount point on the host after the container exits: $(common::yes_no mountpoint -q "$root")"
}
main "$@"
