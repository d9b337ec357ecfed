#!/usr/bin/env bash
# Stage 4 of the mini-container: cgroups. Before it unshares its namespaces, the container joins
# a cgroup made with scripts/cgroup.sh (v2 or v1, detected at run time) with a memory limit of
# 32 MiB and a pids limit of 20; its new cgroup namespace then shows that cgroup as /. Inside,
# awk doubles a string until the kernel's OOM killer ends it (exit 137) while PID 1 lives on;
# then a fork loop runs into pids.max. The facts come from inside and from the cgroup's files.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

CG=cfs-s4
MEMORY_MIB=32
PIDS=20

# The container's PID 1 (BusyBox sh after pivot_root): one key=value a line, then it waits.
# shellcheck disable=SC2016 # expanded by the container's shell
INSIDE='
echo "cgroups-not-root=$(grep -cv ":/\$" /proc/self/cgroup)"
awk "BEGIN { s = \"x\"; while (1) s = s s }"
echo "hog-status=$?"
( while :; do sleep 300 & done ) 2>/dev/null
echo "forkloop=done"
exec sleep 300'

field() { sed -n "s/^$1=//p" "$WORKDIR/report"; }

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pivot_root util-linux
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static
  cgroup::available memory || die "this kernel has no memory cgroup controller."
  cgroup::available pids || die "this kernel has no pids cgroup controller."

  common::tmpdir WORKDIR s4
  local root=$WORKDIR/rootfs init
  cleanup::push "cgroup::remove $CG"
  log::info "cgroup::create $CG memory pids ($(cgroup::mode)); memory $MEMORY_MIB MiB, pids $PIDS"
  cgroup::create "$CG" memory pids
  cgroup::set_memory_max "$CG" $((MEMORY_MIB * 1024 * 1024))
  cgroup::set_pids_max "$CG" "$PIDS"
  echo "processes in cgroup $CG before the container starts: $(cgroup::procs "$CG" | wc -l)"
  log::info "rootfs::busybox $root"
  # In the background, then wait: a SIGINT interrupts the wait builtin at once (bash runs its
  # trap only after a foreground command ends, and not at all when that command ignores it).
  rootfs::busybox "$root" &
  # Undone first (LIFO): the build must stop before the folder it writes into is removed.
  cleanup::push "common::kill_tree $!"
  wait $!

  log::info "cgroup::exec $CG unshare --pid --fork --mount --uts --ipc --net --cgroup; rootfs::pivot; exec /bin/sh"
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  cgroup::exec "$CG" unshare --pid --fork --kill-child --mount --uts --ipc --net --cgroup -- bash -c '
    set -Eeuo pipefail
    source "$1/scripts/common.sh"
    source "$1/scripts/rootfs.sh"
    rootfs::pivot "$2" "$3"
    exec /bin/sh -c "$4" cfs-s4-init
  ' cfs-s4-setup "$CFS_REPO_ROOT" "$root" "$(readlink /proc/self/ns/mnt)" "$INSIDE" >"$WORKDIR/report" 2>/dev/null &
  local unshare_pid=$!
  # The job is a subshell around cgroup::exec, whose own subshell became unshare: kill the job's
  # children too (unshare dies, so --kill-child ends the container's PID 1 and with it the rest).
  # A kill of the job alone left the container running (an interrupt during the fork loop, in CI).
  cleanup::push "common::kill_tree $unshare_pid"
  # The container's PID 1 (the setup bash, which becomes /bin/sh) is the process under the job whose
  # innermost PID is 1. Not simply the job's child: that may be unshare itself, before it joins.
  common::wait_until 10 "the container's PID 1" "init=\$(common::ns_init $unshare_pid)"
  echo "the container's PID 1 is in cgroup $CG: $(common::yes_no grep -qx "$init" <(cgroup::procs "$CG"))"
  common::wait_until 30 "the memory hog to end" "grep -qs hog-status '$WORKDIR/report'" &
  wait $!
  echo "lines of its /proc/self/cgroup that are not / (cgroup namespace): $(field cgroups-not-root)"
  echo "exit status of awk doubling a string past $MEMORY_MIB MiB, inside: $(field hog-status)"
  echo "OOM kills counted by the cgroup: $(cgroup::oom_kills "$CG")"
  echo "the container's PID 1 survived the OOM kill: $(common::yes_no kill -0 "$init")"
  common::wait_until 30 "the fork loop to hit pids.max" "grep -qs forkloop=done '$WORKDIR/report'" &
  wait $!
  echo "forks refused by pids.max during the fork loop: at least one: $(common::yes_no test "$(cgroup::pids_denied "$CG")" -gt 0)"
  echo "processes in the cgroup at most pids.max ($PIDS): $(common::yes_no test "$(cgroup::pids_current "$CG")" -le "$PIDS")"
  log::info "cgroup::remove $CG (kills the container, then removes the cgroup)"
  cgroup::remove "$CG"
  echo "cgroup $CG exists after the container is removed: $(common::yes_no cgroup::exists "$CG")"
}
main "$@"
