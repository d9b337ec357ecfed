#!/usr/bin/env bash
# It's just a process: start a "container" made of seven new namespaces, then find it from the
# host with ordinary tools (pgrep, ps, /proc), walk its parent chain and compare its namespaces.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

TAG=cfs-just-a-process-init
# Every namespace type that has a link in /proc/<pid>/ns (pid_for_children and
# time_for_children are left out: they name the namespaces a process's *children* will get).
NS_TYPES=(cgroup ipc mnt net pid time user uts)

# Two /proc/<pid>/ns links name the same namespace when they resolve to the same nsfs inode on
# the same device: that is what `test -ef` compares (and what namespaces(7) recommends).
same_ns() { [[ /proc/$1/ns/$3 -ef /proc/$2/ns/$3 ]]; }

# Wait until PID $2 has a child; put the child's PID in the variable named $1.
first_child() {
  local -n _child=$1
  local parent=$2 tries=50
  while ((tries--)); do
    _child=$(pgrep -P "$parent" | head -n 1) || true
    [[ -n $_child ]] && return 0
    sleep 0.1
  done
  die "PID $parent never started a child"
}

# The PPid: line of /proc/<pid>/status, into the variable named $1.
ppid_of() {
  local -n _ppid=$1
  local key value
  while read -r key value; do
    [[ $key == PPid: ]] && { _ppid=$value; return 0; }
  done <"/proc/$2/status"
}

# ps -e reads every /proc/<pid>: is PID $1 in the list any host user sees?
listed_by_ps() { ps -e -o pid= | awk -v pid="$1" '$1 == pid { found = 1 } END { exit !found }'; }

start_container() {
  log::info "unshare --pid --fork --mount-proc --mount --uts --ipc --net --cgroup --time sh -c 'sleep 300 & wait' $TAG"
  # No --user: like Docker's default, the "container" keeps the host's user namespace.
  # --kill-child: when unshare dies, its child (the namespace's init) is SIGKILLed too.
  # Registered before the start, so that an interrupt between the start and the next line can
  # never leave the process behind: SIGKILL every child of this script
  # (unshare; --kill-child then takes the namespace's init, and the PID namespace, with it).
  cleanup::push "pkill -KILL -P $$ 2>/dev/null; wait 2>/dev/null || true"
  # When its child dies of a signal, unshare re-raises it on itself and complains on stderr
  # ("sigprocmask unblock failed"); stop_it causes exactly that, so the complaint is dropped.
  unshare --pid --fork --mount-proc --mount --uts --ipc --net --cgroup --time --kill-child \
    sh -c 'sleep 300 & wait' "$TAG" 2>/dev/null &
  UNSHARE_PID=$!
  first_child INIT "$UNSHARE_PID"
  first_child SLEEPER "$INIT"
}

find_it() {
  log::info "finding the container from the host: pgrep -f $TAG"
  local found count cmdline name nspid
  # The tag is on two command lines: unshare's (it was its argument) and the shell's ($0).
  count=$(pgrep -c -f -- "$TAG")
  echo "host processes whose command line carries the tag: $count"
  found=$(pgrep -f -- "^sh -c .* $TAG\$")
  common::fact "the tagged shell is the child of unshare" test "$found" = "$INIT"
  cmdline=$(tr '\0' '\n' <"/proc/$INIT/cmdline" | paste -sd ' ')
  echo "its command line, read from /proc on the host: $cmdline"
  common::fact "ps -e on the host lists it" listed_by_ps "$INIT"
  name=$(ps -p "$INIT" -o comm=)
  echo "its name in ps: $name"
  common::fact "/proc/<pid>/status exists for it on the host" test -r "/proc/$INIT/status"
  common::fact "the host can signal it (kill -0)" kill -0 "$INIT"
  local outer
  read -r outer nspid < <(awk '/^NSpid:/ { print $2, $NF }' "/proc/$INIT/status")
  echo "its PID inside its own PID namespace: $nspid"
  common::fact "the host knows it by the outermost PID on its NSpid line" test "$outer" = "$INIT"
  # shellcheck disable=SC2016 # the inner sh expands these, not bash
  common::fact "kernel release inside equals the host's" \
    sh -c '[ "$(nsenter -t "$1" -a uname -r)" = "$(uname -r)" ]' sh "$INIT"
}

parent_chain() {
  log::info "walking the parent chain from the innermost sleep up to the host's PID 1"
  local pid=$SLEEPER comm chain steps=0 unshare_parent
  read -r chain <"/proc/$pid/comm"
  # Stop at run.sh itself (its command name is "bash": env runs bash for the #! line);
  # above it the chain depends on how the lab was started.
  while [[ $pid != "$$" ]]; do
    ppid_of pid "$pid"
    read -r comm <"/proc/$pid/comm"
    chain+=" <- $comm"
  done
  echo "parent chain: $chain"
  ppid_of unshare_parent "$UNSHARE_PID"
  common::fact "the parent of unshare is this lab's run.sh" test "$unshare_parent" = "$$"
  while [[ $pid != 1 && $pid != 0 ]] && ((steps++ < 100)); do ppid_of pid "$pid"; done
  common::fact "following PPid further ends at the host's PID 1" test "$pid" = 1
}

compare_namespaces() {
  log::info "comparing /proc/$INIT/ns/* with /proc/self/ns/*"
  local type moved=() types
  for type in "${NS_TYPES[@]}"; do
    if same_ns "$INIT" self "$type"; then echo "$type: same"; else echo "$type: differs"; fi
  done
  # unshare(2) moves the caller itself into new mount, UTS, IPC, network and cgroup
  # namespaces, but a new PID or time namespace only applies to the children it forks.
  for type in "${NS_TYPES[@]}"; do
    same_ns "$UNSHARE_PID" self "$type" || moved+=("$type")
  done
  echo "namespaces the unshare process itself is in (not just its child): ${moved[*]}"
  types=$(lsns -p "$INIT" -n -o TYPE | sort | paste -sd ' ')
  echo "lsns -p <pid> lists one namespace per type: $types"
}

container_gone() { [[ ! -d /proc/$INIT && ! -d /proc/$SLEEPER ]]; }

stop_it() {
  log::info "stopping the container the way a runtime does: SIGTERM first, SIGKILL if it stays"
  # From an ancestor namespace, a signal reaches a PID namespace's init only if init has a
  # handler for it (pid_namespaces(7)); `sh` has none for SIGTERM, so the kernel drops it.
  kill -TERM "$INIT"
  local tries=10
  while [[ -d /proc/$INIT ]] && ((tries--)); do sleep 0.1; done
  common::fact "its PID 1 is still running 1 s after SIGTERM from the host" test -d "/proc/$INIT"
  # SIGKILL is always delivered. unshare (our child) is killed too, and reaped here.
  kill -KILL "$INIT"
  wait "$UNSHARE_PID" 2>/dev/null || true
  tries=50
  until container_gone || ((tries-- == 0)); do sleep 0.1; done
  common::fact "SIGKILL from the host ended it and the sleep inside it" container_gone
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pkill procps
  common::require_cmd nsenter util-linux
  common::require_cmd lsns util-linux
  common::require_cmd pgrep procps
  common::require_cmd ps procps
  common::require_kernel "time namespaces" /proc/self/ns/time
  common::require_kernel "cgroup namespaces" /proc/self/ns/cgroup
  start_container
  find_it
  parent_chain
  compare_namespaces
  stop_it
}
main "$@"
