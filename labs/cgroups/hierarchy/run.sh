#!/usr/bin/env bash
# Cgroup hierarchy: where a process sits (/proc/PID/cgroup), how a runtime nests containers
# under one parent whose limits bound them all, and what a cgroup namespace hides.
# The same facts print on cgroup v2 (one line "0::/path") and v1/hybrid (one line per
# hierarchy: the lab reads the memory hierarchy's line).
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

PARENT=cfs-hierarchy
CTR_A=$PARENT/cfs-ctr-a
CTR_B=$PARENT/cfs-ctr-b
MiB=1048576

# From the text of a /proc/PID/cgroup file on stdin, print the cgroup path: on v1/hybrid the
# line of the memory hierarchy ("4:memory:/a/b"), on v2 the only line ("0::/a/b").
cgroup_line() {
  awk -F: '
    { n = split($2, c, ","); for (i = 1; i <= n; i++) if (c[i] == "memory") { mem = $3 } }
    $1 == "0" && $2 == "" { unified = $3 }
    END { if (mem != "") print mem; else print unified }'
}

where_it_sits() {
  log::info "starting a process and moving it into $CTR_A"
  # exec -a names it cfs-hierarchy-sleeper, so cleanup.sh can find it even outside the cgroup.
  bash -c 'exec -a cfs-hierarchy-sleeper sleep 300' &
  local pid=$! path
  cleanup::push "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null || true"
  cgroup::attach "$CTR_A" "$pid"
  path=$(cgroup_line <"/proc/$pid/cgroup")
  log::info "/proc/$pid/cgroup names $path"
  echo "the process is listed in its cgroup's procs file: $(common::yes_no grep -qx -- "$pid" <(cgroup::procs "$CTR_A"))"
  echo "its /proc/PID/cgroup path ends in $CTR_A: $(common::yes_no test "${path%/}" != "${path%/"$CTR_A"}")"
  echo "processes directly in the parent $PARENT: $(cgroup::procs "$PARENT" | wc -l)"
  echo "processes in $CTR_A: $(cgroup::procs "$CTR_A" | wc -l)"
}

parent_bounds_children() {
  cgroup::set_memory_max "$PARENT" $((32 * MiB))
  local accepted=no
  # In a subshell: if the kernel refused, the library's die would end only the subshell.
  if (cgroup::set_memory_max "$CTR_B" $((64 * MiB))); then accepted=yes; fi
  log::info "limits: $PARENT 32 MiB, $CTR_B 64 MiB (above its parent's)"
  echo "a child's memory limit above its parent's is accepted: $accepted"

  local status=0
  log::info "allocating 16 MiB in $CTR_B (dd with a 16 MiB buffer)"
  cgroup::exec "$CTR_B" dd if=/dev/zero of=/dev/null bs=16M count=1 status=none || status=$?
  echo "a 16 MiB allocation in $CTR_B: $( ((status == 0)) && echo completes || echo "fails ($status)")"

  status=0
  log::info "allocating 48 MiB in $CTR_B: under its own limit, over its parent's"
  cgroup::exec "$CTR_B" dd if=/dev/zero of=/dev/null bs=48M count=1 status=none 2>/dev/null || status=$?
  echo "a 48 MiB allocation in $CTR_B (own limit 64 MiB, parent 32 MiB): $( ((status == 137)) && echo "killed (exit 137)" || echo "exit $status")"
  echo "OOM kills recorded for $CTR_B: $(cgroup::oom_kills "$CTR_B")"
}

namespace_view() {
  local inside outside
  log::info "unshare --cgroup inside $CTR_A"
  # cat reads the file from inside the namespace: unshare execs it after unsharing.
  inside=$(cgroup::exec "$CTR_A" unshare --cgroup cat /proc/self/cgroup | cgroup_line)
  echo "inside a cgroup namespace, /proc/self/cgroup shows /: $(common::yes_no test "$inside" = /)"
  outside=$(cgroup::exec "$CTR_A" unshare --cgroup cat /proc/1/cgroup | cgroup_line)
  log::info "inside the namespace, PID 1 of the host shows $outside"
  echo "inside it, a process outside the namespace shows a path starting with /..: $(common::yes_no test "${outside#/..}" != "$outside")"
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd dd coreutils
  common::require_kernel "cgroup namespaces" /proc/self/ns/cgroup
  cgroup::available memory || die "this kernel has no memory cgroup controller."

  cleanup::push "cgroup::remove $PARENT"
  cgroup::create "$PARENT" memory
  cgroup::create "$CTR_A" memory
  cgroup::create "$CTR_B" memory
  where_it_sits
  parent_bounds_children
  namespace_view
}
main "$@"
