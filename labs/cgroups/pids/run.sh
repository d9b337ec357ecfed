#!/usr/bin/env bash
# PIDs controller: a fork loop (one shell starting `sleep` in the background as fast as it can; a
# real fork bomb's processes fork too, and grow exponentially) inside a cgroup with pids.max=20
# hits the wall at 20 processes, the kernel counts every refused fork, and the rest of the host
# can still start processes. The loop runs in its own PID namespace, so killing that namespace's
# PID 1 ends all of it.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

readonly CG=cfs-pids
readonly MAX=20

# The fork loop: a shell that starts `sleep 300 &` as fast as it can. dash gives up at the first fork
# the kernel refuses ("Cannot fork"); the namespace's init then just waits, so the cgroup stays
# full of sleeps until the lab kills that init.
readonly LOOP='( while :; do sleep 300 & done ) 2>/dev/null; exec sleep 300'

# Sample pids.current until the kernel has refused a fork (and a little after); print the
# largest value seen: pids.peak where the kernel has it (the exact maximum), else the largest
# sample. Fails when no fork was refused within 10 s.
watch_the_loop() {
  local most=0 now steps=500 after=5
  while ((steps--)); do
    now=$(cgroup::pids_current "$CG")
    ((now > most)) && most=$now
    if (($(cgroup::pids_denied "$CG") > 0)); then
      if ((after-- == 0)); then
        cgroup::pids_peak "$CG" || echo "$most"
        return 0
      fi
    fi
    sleep 0.02
  done
  echo "$most"
  return 1
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd sleep coreutils
  common::require_kernel "PID namespaces" /proc/self/ns/pid
  cgroup::available pids || die "the pids controller is not available on this host (it needs Linux 4.3 or later, built with CONFIG_CGROUP_PIDS)."
  log::info "cgroup mode of this host: $(cgroup::mode)"

  # Pushed first: cgroup::remove is safe when the cgroup does not exist yet.
  cleanup::push "cgroup::remove $CG"
  cgroup::create "$CG" pids
  cgroup::set_pids_max "$CG" "$MAX"
  echo "pids.max of the cgroup: $MAX"

  log::info "starting the fork loop in $CG, inside a new PID namespace (unshare --pid --fork --kill-child)"
  # "cfs-pids-bomb" (a name kept for cleanup.sh, which finds strays by it) is the inner sh's $0
  # and sits on unshare's command line.
  cgroup::spawn "$CG" unshare --pid --fork --kill-child sh -c "$LOOP" cfs-pids-bomb
  local unshare_pid=$!
  # SIGKILL to unshare: --kill-child then SIGKILLs the namespace's init, and with it every process
  # in the namespace.
  cleanup::push "kill -KILL $unshare_pid 2>/dev/null; wait $unshare_pid 2>/dev/null || true"

  local most
  most=$(watch_the_loop) || die "the fork loop never hit pids.max within 10 s."
  local denied
  denied=$(cgroup::pids_denied "$CG")
  log::info "most processes seen (pids.peak where present): $most; forks refused so far: $denied"
  echo "forks refused by pids.max (pids.events max): $( ((denied >= 1)) && echo 'at least 1' || echo 0)"
  echo "processes in the cgroup never exceed $MAX: $(common::yes_no test "$most" -le "$MAX")"

  log::info "a new shell moved into the full cgroup tries to start one process"
  local status=0
  cgroup::exec "$CG" sh -c 'sleep 0 & wait' cfs-pids-probe 2>/dev/null || status=$?
  echo "a process moved into the full cgroup can fork: $( ((status == 0)) && echo yes || echo no)"

  log::info "the host, outside the cgroup, starts $((MAX + 5)) processes at once"
  # shellcheck disable=SC2016 # $1 belongs to the inner sh
  echo "the host can still fork: $(common::yes_no sh -c 'i=0; while [ $i -lt "$1" ]; do sleep 0 & i=$((i + 1)); done; wait' sh $((MAX + 5)))"

  log::info "killing the namespace's init (through unshare --kill-child)"
  kill -KILL "$unshare_pid"
  wait "$unshare_pid" 2>/dev/null || true
  local tries=100
  while (($(cgroup::pids_current "$CG") > 0)) && ((tries--)); do sleep 0.05; done
  echo "processes left in the cgroup after its namespace's PID 1 is killed: $(cgroup::pids_current "$CG")"
}
main "$@"
