#!/usr/bin/env bash
# CPU controller: a busy loop takes a whole CPU until its cgroup gets a quota of 20 ms every
# 100 ms; from then on the kernel runs it for 20% of one CPU and counts the periods in which it
# throttled it. Use is measured from the cgroup's own CPU time counter against wall-clock time.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

readonly CG=cfs-cpu
readonly QUOTA_US=20000 PERIOD_US=100000

now_us() { echo "${EPOCHREALTIME/./}"; }

# Print the CPU use of the cgroup over the next $1 seconds, in percent of one CPU.
measure() {
  local seconds=$1 t0 u0 t1 u1
  t0=$(now_us)
  u0=$(cgroup::cpu_usage_us "$CG")
  # In the background, so that a Ctrl-C interrupts `wait` at once.
  sleep "$seconds" &
  wait $!
  t1=$(now_us)
  u1=$(cgroup::cpu_usage_us "$CG")
  echo $(((u1 - u0) * 100 / (t1 - t0)))
}

main() {
  common::require_root
  common::require_cmd sleep coreutils
  cgroup::available cpu || die "the cpu controller is not available on this host (the kernel needs CONFIG_CFS_BANDWIDTH and, on v1, the cpuacct controller)."
  log::info "cgroup mode of this host: $(cgroup::mode)"

  # Pushed first: cgroup::remove is safe when the cgroup does not exist yet.
  cleanup::push "cgroup::remove $CG"
  cgroup::create "$CG" cpu

  log::info "starting a busy loop (sh -c 'while :; do :; done') in $CG"
  # "cfs-cpu-busy" is the loop's $0: cleanup.sh finds it by that name.
  cgroup::spawn "$CG" sh -c 'while :; do :; done' cfs-cpu-busy
  local busy=$!
  cleanup::push "kill -KILL $busy 2>/dev/null; wait $busy 2>/dev/null || true"

  local free
  free=$(measure 1.5)
  log::info "without a limit: ${free}% of one CPU"
  echo "measured CPU use without a limit is above 25% of one CPU: $(common::yes_no test "$free" -gt 25)"

  cgroup::set_cpu_max "$CG" "$QUOTA_US" "$PERIOD_US"
  echo "CPU limit of the cgroup: ${QUOTA_US} us every ${PERIOD_US} us (20% of one CPU)"
  local capped
  capped=$(measure 3)
  log::info "with the limit: ${capped}% of one CPU; throttled periods: $(cgroup::cpu_throttled "$CG")"
  echo "measured CPU use is between 15% and 25% of one CPU: $(common::yes_no test "$capped" -ge 15 -a "$capped" -le 25)"
  echo "throttled periods recorded: $(common::yes_no test "$(cgroup::cpu_throttled "$CG")" -gt 0)"

  kill -KILL "$busy"
  wait "$busy" 2>/dev/null || true
  echo "processes left in the cgroup after the loop is killed: $(cgroup::procs "$CG" | wc -l)"
}
main "$@"
