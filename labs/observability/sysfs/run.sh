#!/usr/bin/env bash
# sysfs: a running container's cgroup, read from the host under /sys/fs/cgroup: its limits, what
# it uses against them, its memory events (an OOM kill), pids.current and cpu.stat. The files
# differ between cgroup v1 and v2; the facts are the same on both.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-sfs-box # the container's name, in the runtime's command line: the tag cleanup.sh kills by
MIB=$((1024 * 1024))

# The limits of cgroup $1, from the files of this host's cgroup version (one branch, here only):
# MEM_MAX (bytes), PIDS_MAX, CPU_QUOTA and CPU_PERIOD (microseconds).
read_limits() {
  local cg=$1 line
  PIDS_MAX=$(cgroup::get "$cg" pids pids.max)
  if [[ $(cgroup::mode) == v2 ]]; then
    log::info "v2: memory.max, pids.max, cpu.max in $(cgroup::path "$cg" memory)"
    MEM_MAX=$(cgroup::get "$cg" memory memory.max)
    line=$(cgroup::get "$cg" cpu cpu.max) # "QUOTA PERIOD"
    CPU_QUOTA=${line% *} CPU_PERIOD=${line#* }
  else
    local dir_memory dir_pids dir_cpu
    dir_memory=$(cgroup::path "$cg" memory)
    dir_pids=$(cgroup::path "$cg" pids)
    dir_cpu=$(cgroup::path "$cg" cpu)
    log::info "v1: memory.limit_in_bytes ($dir_memory), pids.max ($dir_pids), cpu.cfs_quota_us and cpu.cfs_period_us ($dir_cpu)"
    MEM_MAX=$(cgroup::get "$cg" memory memory.limit_in_bytes)
    CPU_QUOTA=$(cgroup::get "$cg" cpu cpu.cfs_quota_us)
    CPU_PERIOD=$(cgroup::get "$cg" cpu cpu.cfs_period_us)
  fi
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd ip iproute2
  # Whatever a container of this lab leaves (after Ctrl-C too): the runtime's own prune.
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  # PID 1: a shell that writes 8 MiB to /dev/shm (a tmpfs: its pages are charged to the cgroup and
  # cannot be freed while the file exists), starts 3 sleeps, and waits.
  log::info "$MC run -d --name $NAME --memory 32m --pids 16 --cpus 0.2 -- sh -c '…'"
  cleanup::push "'$MC' rm -f $NAME >/dev/null 2>&1 || true"
  local id cg pid
  id=$("$MC" run -d --name "$NAME" --memory 32m --pids 16 --cpus 0.2 -- \
    sh -c 'dd if=/dev/zero of=/dev/shm/fill bs=1M count=8 2>/dev/null; for i in 1 2 3; do sleep 600 & done; echo ready; wait')
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  cg=cfs-mc-$id
  pid=$(sed -n 's/^  "pid": \([0-9]*\),$/\1/p' "/run/mini-container/$id/state.json")
  common::wait_until 10 "the container's shell to start its sleeps" "grep -qx ready /run/mini-container/$id/log"

  log::info "its cgroup ($cg): the one /proc/$pid/cgroup names, found in every hierarchy it needs"
  echo "PID 1 listed in the cgroup's cgroup.procs: $(common::yes_no grep -qx "$pid" "$(cgroup::path "$cg" memory)/cgroup.procs")"

  read_limits "$cg"
  echo "memory limit (--memory 32m), in MiB: $((MEM_MAX / MIB))"
  echo "pids limit (--pids 16): $PIDS_MAX"
  echo "CPU quota per period (--cpus 0.2): $CPU_QUOTA of $CPU_PERIOD microseconds"

  log::info "usage against the limits: memory.current or memory.usage_in_bytes, pids.current"
  local used pids procs
  used=$(cgroup::memory_current "$cg")
  echo "memory in use, at least the 8 MiB in /dev/shm: $(common::yes_no test "$used" -ge $((8 * MIB)))"
  echo "memory in use, below the limit: $(common::yes_no test "$used" -lt "$MEM_MAX")"
  pids=$(cgroup::pids_current "$cg")
  procs=$(wc -l <"$(cgroup::path "$cg" pids)/cgroup.procs")
  echo "pids.current (the shell and its 3 sleeps): $pids"
  echo "pids.current equals the lines of cgroup.procs: $(common::yes_no test "$pids" -eq "$procs")"

  log::info "cpu.stat: a busy loop exec'd into the container for 1 s under --cpus 0.2"
  local t0 t1 u0 u1 w0 w1
  t0=$(cgroup::cpu_throttled "$cg")
  u0=$(cgroup::cpu_usage_us "$cg")
  w0=${EPOCHREALTIME/./}
  "$MC" exec "$NAME" timeout 1 sh -c 'while :; do :; done' || true
  t1=$(cgroup::cpu_throttled "$cg")
  u1=$(cgroup::cpu_usage_us "$cg")
  w1=${EPOCHREALTIME/./}
  echo "cpu.stat nr_throttled grew during the loop: $(common::yes_no test "$t1" -gt "$t0")"
  # The quota allows CPU_QUOTA per CPU_PERIOD of wall time (plus at most one period's worth at the
  # edges); an unthrottled busy loop gets about one CPU, 5 times as much.
  echo "CPU time it got, within its quota of the elapsed wall time: $(common::yes_no \
    test $((u1 - u0)) -le $(((w1 - w0) * CPU_QUOTA / CPU_PERIOD + CPU_QUOTA)))"

  log::info "memory events: v2 memory.events (oom_kill), v1 memory.oom_control (oom_kill); peak: v2 memory.peak, v1 memory.max_usage_in_bytes"
  echo "OOM kills before (oom_kill): $(cgroup::oom_kills "$cg")"
  local status=0
  log::info "$MC exec $NAME tail /dev/zero: it grows until the OOM killer ends it"
  "$MC" exec "$NAME" tail /dev/zero 2>/dev/null || status=$?
  echo "exit status of tail /dev/zero exec'd into it: $status"
  echo "OOM kills after (oom_kill): $(cgroup::oom_kills "$cg")"
  echo "peak memory use within 1 MiB of the limit: $(common::yes_no test "$(cgroup::memory_peak "$cg")" -ge $((MEM_MAX - MIB)))"
  echo "PID 1 alive after the OOM kill: $(common::yes_no kill -0 "$pid")"
  echo "pids.current after: $(cgroup::pids_current "$cg")"

  "$MC" rm -f "$id"
  echo "its cgroup after mini-container rm -f: $(if cgroup::exists "$cg"; then echo present; else echo gone; fi)"
}
main "$@"
