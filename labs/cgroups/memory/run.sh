#!/usr/bin/env bash
# Memory controller: a cgroup with a 32 MiB hard limit and no swap on top of it (where the kernel
# accounts swap per cgroup). A process that stays under the limit runs to the end; one that keeps allocating past it is killed by the kernel's OOM
# killer, and the cgroup's own counters record it. Same facts on cgroup v1 and v2.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

readonly CG=cfs-memory
readonly LIMIT_MIB=32
readonly UNDER_MIB=8

under_the_limit() {
  log::info "allocating ${UNDER_MIB} MiB inside $CG: tail -c ${UNDER_MIB}M keeps that much of its input in memory"
  local status=0
  # shellcheck disable=SC2016 # $1 belongs to the inner sh
  cgroup::exec "$CG" sh -c 'head -c "$1" /dev/zero | tail -c "$1" >/dev/null' cfs-memory-under \
    $((UNDER_MIB << 20)) || status=$?
  echo "exit status of the process under the limit: $status"
  echo "oom_kill events in the cgroup so far: $(cgroup::oom_kills "$CG")"
}

over_the_limit() {
  log::info "tail /dev/zero inside $CG: /dev/zero has no newline, so tail buffers one endless line"
  local status=0
  # The kernel's SIGKILL makes bash report "Killed" on stderr: that is the point of the lab.
  cgroup::exec "$CG" tail /dev/zero || status=$?
  echo "exit status of the process over the limit: $status"
  echo "signal that ended it: $( ((status > 128)) && echo "SIG$(kill -l $((status - 128)))" || echo none)"
}

evidence() {
  local kills peak limit=$((LIMIT_MIB << 20))
  kills=$(cgroup::oom_kills "$CG")
  peak=$(cgroup::memory_peak "$CG")
  log::info "oom_kill=$kills, peak usage=$peak bytes (limit $limit)"
  echo "oom_kill events in the cgroup: $( ((kills >= 1)) && echo 'at least 1' || echo 0)"
  # Charges come in pages, so the peak lands on the limit or a few pages below it; the kernel may
  # also let usage go over the limit briefly (cgroup-v2.rst, memory.max), e.g. for a task that is
  # already being killed. So: within 1 MiB either side, not "never above".
  echo "peak usage of the cgroup reached the limit (within 1 MiB): $(common::yes_no test "$peak" -ge $((limit - (1 << 20))))"
  echo "peak usage of the cgroup stayed within 1 MiB over the limit: $(common::yes_no test "$peak" -le $((limit + (1 << 20))))"
  # What the kernel does guarantee: usage cannot stay above the limit; it reclaims or kills.
  echo "usage of the cgroup once the process over the limit is gone, at most the limit: $(common::yes_no test "$(cgroup::memory_current "$CG")" -le "$limit")"
  echo "processes left in the cgroup: $(cgroup::procs "$CG" | wc -l)"
}

main() {
  common::require_root
  common::require_cmd tail coreutils
  common::require_cmd head coreutils
  common::require_kernel "cgroups" /proc/cgroups
  cgroup::available memory || die "the memory controller is not available on this host (on Raspberry Pi OS add cgroup_enable=memory to the kernel command line)."
  log::info "cgroup mode of this host: $(cgroup::mode)"

  # Pushed first: cgroup::remove is safe when the cgroup does not exist yet.
  cleanup::push "cgroup::remove $CG"
  cgroup::create "$CG" memory
  cgroup::set_memory_max "$CG" $((LIMIT_MIB << 20))
  local swap
  swap=$(cgroup::memory_swap_max "$CG")
  log::info "$(cgroup::path "$CG" memory): limit ${LIMIT_MIB} MiB, swap on top of it: $swap"
  echo "memory limit of the cgroup: ${LIMIT_MIB} MiB"
  # "unavailable" on a kernel without swap accounting: then swap is not limited per cgroup.
  echo "swap the cgroup may use on top of it, read back: $swap"

  # Page cache is charged to the cgroup of the process that first reads it in. Read the programs
  # the lab runs inside the cgroup from out here first, so that their pages belong to this shell's
  # cgroup: otherwise the limit's reclaim can evict them and the process over the limit re-reads
  # them again and again (thrashing) before the kernel gives up and OOM-kills it. On a slow disk
  # (the browser's emulated machine reads its files over 9p) that takes minutes.
  tail --version >/dev/null
  head --version >/dev/null
  under_the_limit
  over_the_limit
  evidence
}
main "$@"
