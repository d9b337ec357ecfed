#!/usr/bin/env bash
# procfs: a running container's PID 1, read from the host through /proc/<pid>/: status, NSpid,
# the namespace links, its cgroup, its mount table, its resource limits and its environment.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-pfs-box # the container's name, in the runtime's command line: the tag cleanup.sh kills by

# The value of KEY in a "Key:<tab>value" file such as /proc/<pid>/status.
status_of() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status"; }

# The memory controller's cgroup path in a /proc/<pid>/cgroup read on stdin (relative to the
# reader's cgroup namespace): v2 has one line "0::PATH"; v1 one line per hierarchy, "N:memory:PATH".
memory_cgroup() {
  if [[ $(cgroup::mode) == v2 ]]; then sed -n 's/^0:://p'; else awk -F: '$2 ~ /(^|,)memory(,|$)/ { print $3 }'; fi
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

  # A variable of this script's: a container starts with a clean environment, so it must not show.
  export CFS_PFS_HOST_ONLY=1
  log::info "$MC run -d --name $NAME --memory 64m --pids 32 -e GREETING=hello -- sh -c 'sleep 600 & wait'"
  cleanup::push "'$MC' rm -f $NAME >/dev/null 2>&1 || true"
  local id pid
  id=$("$MC" run -d --name "$NAME" --memory 64m --pids 32 -e GREETING=hello -- sh -c 'sleep 600 & wait')
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  pid=$(sed -n 's/^  "pid": \([0-9]*\),$/\1/p' "/run/mini-container/$id/state.json")
  log::info "its PID 1 is $pid on the host (state.json): reading /proc/$pid/"

  log::info "/proc/$pid/status: who it is, in which PID namespaces, with which privileges"
  echo "status Name: $(status_of "$pid" Name)"
  local nspid
  read -ra nspid <<<"$(status_of "$pid" NSpid)"
  echo "status NSpid, PID namespaces it is in: ${#nspid[@]}"
  echo "status NSpid, its PID in the innermost one: ${nspid[-1]}"
  echo "status NSpid, its first number is the host's PID: $(common::yes_no test "${nspid[0]}" = "$pid")"
  echo "command of its parent on the host (PPid): $(<"/proc/$(status_of "$pid" PPid)/comm")"
  echo "status Uid (real, effective, saved, fs): $(status_of "$pid" Uid | tr -s '\t ' ' ')"
  local eff bnd
  eff=$(status_of "$pid" CapEff)
  bnd=$(status_of "$pid" CapBnd)
  echo "status CapEff, capabilities set: $(perl -e 'printf "%d\n", unpack("%32b*", pack("Q>", hex $ARGV[0]))' "$eff")"
  echo "status CapEff equals CapBnd: $(common::yes_no test "$eff" = "$bnd")"
  echo "status NoNewPrivs: $(status_of "$pid" NoNewPrivs)"

  log::info "/proc/$pid/ns/*: each link names a namespace; compared with this script's own"
  local ns
  for ns in cgroup ipc mnt net pid time user uts; do
    # -ef: both links lead to the same namespace (the same nsfs inode, the number readlink shows)
    if [[ /proc/$pid/ns/$ns -ef /proc/$$/ns/$ns ]]; then
      echo "ns/$ns: shared with the host (this script's)"
    else
      echo "ns/$ns: its own"
    fi
  done

  log::info "/proc/$pid/cgroup: the same file read from the host and from inside (mini-container exec)"
  local outside inside
  outside=$(memory_cgroup <"/proc/$pid/cgroup")
  inside=$("$MC" exec "$NAME" cat /proc/1/cgroup | memory_cgroup)
  echo "memory cgroup seen from the host, last component is cfs-mc-<its id>: $(common::yes_no test "${outside##*/}" = "cfs-mc-$id")"
  echo "memory cgroup seen from inside (its own cgroup namespace): $inside"

  log::info "/proc/$pid/mountinfo: its mount table; /proc/$pid/root: its root directory"
  echo "mountinfo, file system type of /: $(awk '$5 == "/" { for (i = 7; $i != "-"; i++); print $(i + 1) }' "/proc/$pid/mountinfo")"
  echo "mountinfo, mount points: $(awk '{ print $5 }' "/proc/$pid/mountinfo" | sort | paste -sd' ')"
  "$MC" exec "$NAME" sh -c 'echo written-inside >/cfs-pfs-probe'
  echo "/proc/<pid>/root/cfs-pfs-probe, read from the host: $(cat "/proc/$pid/root/cfs-pfs-probe" 2>/dev/null || echo missing)"
  echo "/cfs-pfs-probe on the host's own root: $(common::yes_no test -e /cfs-pfs-probe)"

  log::info "/proc/$pid/limits: rlimits, inherited through fork and exec; --memory is not one"
  echo "limits identical to this script's own: $(common::yes_no cmp -s "/proc/$pid/limits" "/proc/$$/limits")"
  echo "limits, Max address space (soft) under --memory 64m: $(awk '/^Max address space/ { print $4 }' "/proc/$pid/limits")"

  log::info "/proc/$pid/environ: NUL-separated, as it was at exec"
  local -a names
  mapfile -t names < <(tr '\0' '\n' <"/proc/$pid/environ" | sed 's/=.*//' | grep -v -x TERM | sort)
  echo "environ, variable names (TERM aside): ${names[*]}"
  echo "environ GREETING (-e): $(tr '\0' '\n' <"/proc/$pid/environ" | sed -n 's/^GREETING=//p')"
  echo "environ has this script's CFS_PFS_HOST_ONLY: $(common::yes_no grep -qz '^CFS_PFS_HOST_ONLY=' "/proc/$pid/environ")"

  "$MC" rm -f "$id"
  echo "its /proc/<pid> after mini-container rm -f: $(common::yes_no test -d "/proc/$pid")"
}
main "$@"
