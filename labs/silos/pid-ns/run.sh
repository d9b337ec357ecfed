#!/usr/bin/env bash
# PID namespace: the first process in a new PID namespace is PID 1 there, has another PID on
# the host, adopts orphans, and takes every process in the namespace with it when it dies.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

# Wait until PID $1 has a child and print the child's PID.
first_child() {
  local parent=$1 child tries=50
  while ((tries--)); do
    child=$(pgrep -P "$parent" | head -n 1) && [[ -n $child ]] && { echo "$child"; return 0; }
    sleep 0.1
  done
  die "PID $parent never started a child"
}

# Print the PIDs listed on the NSpid line of /proc/$1/status (outermost first).
nspids() { awk '/^NSpid:/ { $1 = ""; print substr($0, 2) }' "/proc/$1/status"; }

pid_one_inside() {
  log::info "unshare --pid --fork --mount-proc sh -c 'echo \$\$'"
  echo "PID of the first process inside a new PID namespace: $(unshare --pid --fork --mount-proc sh -c 'echo $$')"
  echo "processes ps sees inside (with --mount-proc): $(unshare --pid --fork --mount-proc ps -e --no-headers | wc -l)"
  local self
  self=$(unshare --pid --fork readlink /proc/self)
  echo "without --mount-proc, /proc/self inside names PID 1: $([[ $self == 1 ]] && echo yes || echo no)"
}

seen_from_host() {
  log::info "starting a long-lived namespace and looking at its init from the host"
  # "cfs-pid-ns-init" is the inner shell's $0: cleanup.sh finds strays by it.
  unshare --pid --fork --mount-proc --kill-child sh -c 'sleep 300 & wait' cfs-pid-ns-init &
  local unshare_pid=$!
  # unshare --fork blocks SIGTERM while it waits for its child: only SIGKILL ends it, and
  # --kill-child then takes the namespace's init with it.
  cleanup::push "kill -KILL $unshare_pid 2>/dev/null; wait $unshare_pid 2>/dev/null || true"
  local init ids
  init=$(first_child "$unshare_pid")
  read -ra ids <<<"$(nspids "$init")"
  echo "PIDs on its NSpid line (one per namespace level): ${#ids[@]}, innermost ${ids[-1]}"
  echo "the outermost PID on that line is the one the host found it by (pgrep -P): $(common::yes_no test "${ids[0]}" = "$init")"
  echo "its pid namespace is the host's: $([[ $(readlink "/proc/$init/ns/pid") == $(readlink /proc/self/ns/pid) ]] && echo yes || echo no)"
}

orphans_reparent() {
  log::info "an orphan inside the namespace is adopted by its PID 1"
  local ppid
  # The middle shell starts a sleep and exits at once; the sleep is orphaned.
  # shellcheck disable=SC2016 # $! and $orphan belong to the inner shells
  ppid=$(unshare --pid --fork --mount-proc sh -c '
    orphan=$(sh -c "sleep 30 >/dev/null & echo \$!")
    sleep 0.2
    awk "/^PPid:/ { print \$2 }" /proc/$orphan/status
    kill $orphan')
  echo "parent of an orphan inside the namespace: PID $ppid"
}

init_is_special() {
  log::info "kill -9 1 from inside the namespace"
  local out
  # shellcheck disable=SC2016 # no expansion here: the inner shell runs these words
  out=$(unshare --pid --fork --mount-proc sh -c 'sh -c "kill -9 1"; echo survived')
  echo "PID 1 after kill -9 from inside its namespace: $out"

  log::info "killing the namespace's init from the host"
  # When its child dies of a signal, unshare re-raises it on itself and complains on stderr
  # ("sigprocmask unblock failed"); that complaint is expected here, so it is dropped.
  unshare --pid --fork --mount-proc --kill-child sh -c 'sleep 300 & sleep 300 & wait' cfs-pid-ns-init 2>/dev/null &
  local unshare_pid=$!
  cleanup::push "kill -KILL $unshare_pid 2>/dev/null; wait $unshare_pid 2>/dev/null || true"
  local init
  init=$(first_child "$unshare_pid")
  local tries=50
  until (($(pgrep -c -P "$init") == 2)) || ((--tries == 0)); do sleep 0.1; done
  echo "processes in the namespace before its init dies: $((1 + $(pgrep -c -P "$init")))"
  local members
  members=$(pgrep -P "$init" | tr '\n' ' ')
  kill -KILL "$init"
  wait "$unshare_pid" 2>/dev/null || true
  local left=0 pid
  for pid in $members; do [[ -d /proc/$pid ]] && left=$((left + 1)); done
  echo "processes left after the host kills its init: $left"
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pgrep procps
  common::require_kernel "PID namespaces" /proc/self/ns/pid
  pid_one_inside
  seen_from_host
  orphans_reparent
  init_is_special
}
main "$@"
