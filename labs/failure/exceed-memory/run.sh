#!/usr/bin/env bash
# Failure lab, exceed memory: a container over its --memory limit meets the cgroup's OOM killer.
# The symptom is exit status 137 (128 + SIGKILL), of the program or of the whole container when
# the program is PID 1; the evidence is in the cgroup (memory.events oom_kill on v2,
# memory.oom_control and memory.failcnt on v1) and in the kernel log; the fix is a limit the
# work fits in.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-em # every container is named cfs-em-…: the tag cleanup.sh kills by (lab.manifest)
# The work: about 24 MB held at once (BusyBox tail -c keeps the last N bytes in memory). It marks
# itself the OOM killer's first choice (oom_score_adj 1000; raising it needs no privilege): while
# the killed tail's pages are still being freed the cgroup is still at its limit, head's next
# write can call the OOM killer a second time, and without the mark it may pick the shell that
# runs the work (it did, in 3 of about 12 runs here: the container died, the lab timed out).
WORK='echo 1000 >/proc/self/oom_score_adj; head -c 24000000 /dev/zero | tail -c 24000000 >/dev/null'

# Run a container in the foreground; its status in $MC_STATUS.
mc() {
  MC_STATUS=0
  "$MC" run --name "$NAME-$((++MC_N))" "$@" || MC_STATUS=$?
}
MC_N=0

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd dmesg util-linux
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  # Page cache is charged to the cgroup of the process that first reads it in. BusyBox is every
  # program in the rootfs: read it in here, outside every container. Otherwise a container under
  # its limit can own those pages, its reclaim evicts them, and its programs read them back again
  # and again (thrashing) before the kernel OOM-kills the work: with BusyBox evicted first, one run
  # counted 40478 refaults. (The cache is built on first use, by a process outside.)
  [[ ! -f $CFS_MC_ROOTFS/bin/busybox ]] || cat -- "$CFS_MC_ROOTFS/bin/busybox" >/dev/null

  log::info "a detached container, --memory 16m: its shell (PID 1) runs work that needs ~24 MB"
  cleanup::push "'$MC' rm -f $NAME-app >/dev/null 2>&1 || true"
  local id cg
  id=$("$MC" run -d --name "$NAME-app" --memory 16m -- \
    sh -c "($WORK); echo \"work exit status: \$?\"; exec sleep 1000")
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  cg=cfs-mc-$id
  common::wait_until 20 "the work to end" "'$MC' logs $id | grep -q 'work exit status'"
  echo "exit status of the work, as its shell saw it: $("$MC" logs "$id" | sed -n "s/^work exit status: //p")"
  echo "container still running after it: $(common::yes_no "$MC" exec "$id" true)"

  log::info "diagnose from the host: the container's cgroup $cg ($(cgroup::mode))"
  # One or more: the killed tail's pages are freed a moment after it dies, and a write by head in
  # that moment can make the cgroup's OOM killer act again (on the work's subshell, marked above).
  local kills
  kills=$(cgroup::oom_kills "$cg")
  echo "oom_kill events in the container's cgroup, one or more: $(common::yes_no test "$kills" -ge 1)"
  # Peak usage (v2 memory.peak, v1 memory.max_usage_in_bytes) against the 16 MiB limit.
  echo "peak usage of the container's cgroup reached the limit (within 1 MiB): $(common::yes_no test "$(cgroup::memory_peak "$cg")" -ge $((15 * 1024 * 1024)))"
  # The kernel logs each OOM kill with the memory cgroup it happened in (oom_memcg=…); reading the
  # log may be restricted (kernel.dmesg_restrict, or no CAP_SYSLOG in a container).
  local log=''
  if log=$(dmesg 2>/dev/null); then
    echo "kernel log readable: yes"
    echo "kernel log names the OOM kill in the container's cgroup: $(common::yes_no grep -q "oom_memcg=.*$cg" <<<"$log")"
  else
    echo "kernel log readable: no"
  fi
  "$MC" rm -f "$id"

  log::info "the same limit, the work as PID 1 of its own container"
  mc --memory 16m -- tail /dev/zero
  echo "--memory 16m, tail /dev/zero as PID 1: container exit status $MC_STATUS"

  log::info "the fix: a limit the work fits in"
  mc --memory 16m -- sh -c "$WORK"
  echo "--memory 16m, the work: exit status $MC_STATUS"
  mc --memory 64m -- sh -c "$WORK"
  echo "--memory 64m, the work: exit status $MC_STATUS"
}
main "$@"
