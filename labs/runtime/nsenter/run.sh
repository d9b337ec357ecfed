#!/usr/bin/env bash
# Entering a container: nsenter(1) calls setns(2) for the namespaces you name, and nothing else;
# `runc exec` joins the container's namespaces AND its cgroup, and takes its capabilities from
# config.json. The lab starts a BusyBox container with runc, enters it both ways, and compares
# what the entered process shares with the container's init: namespaces, cgroup, capabilities.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-nsenter-box    # container id, hostname and cgroup (lab.manifest: cgroups:)
TAG=cfs-nsenter-init  # $0 of the container's shell (lab.manifest: tags:)
NS=(cgroup ipc mnt net pid uts)

# What a process reports about itself, run by the container's own BusyBox sh: one
# "ns:TYPE LINK" line per namespace, "cgroup PATH" (pids hierarchy, or v2), "CapEff MASK", "pid N".
# shellcheck disable=SC2016 # expanded by the container's shell
SELF='for n in '"${NS[*]}"'; do echo "ns:$n $(readlink /proc/self/ns/$n)"; done
echo "cgroup $(awk -F: '"'"'$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }'"'"' /proc/self/cgroup)"
echo "CapEff $(grep CapEff /proc/self/status | cut -f2)"
echo "pid $$"'

# The same lines for PID $1, read from the host.
host_view() {
  local n
  for n in "${NS[@]}"; do echo "ns:$n $(readlink "/proc/$1/ns/$n")"; done
  echo "cgroup $(awk -F: '$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }' "/proc/$1/cgroup")"
  echo "CapEff $(awk '$1 == "CapEff:" { print $2 }' "/proc/$1/status")"
}

# Compare a self-report ($2) with the container's init ($1), printing facts prefixed by $3.
compare() {
  local init=$1 self=$2 how=$3 n shared=() differ=()
  for n in "${NS[@]}"; do
    if [[ $(grep "^ns:$n " <<<"$self") == "$(grep "^ns:$n " <<<"$init")" ]]; then shared+=("$n"); else differ+=("$n"); fi
  done
  echo "$how: namespaces shared with the container's init: ${shared[*]:-none}; not shared: ${differ[*]:-none}"
  echo "$how: in the container's cgroup: $(common::yes_no test "$(grep '^cgroup ' <<<"$self")" == "$(grep '^cgroup ' <<<"$init")")"
  echo "$how: same capabilities (CapEff) as the container's init: $(common::yes_no test "$(grep '^CapEff ' <<<"$self")" == "$(grep '^CapEff ' <<<"$init")")"
  echo "$how: PID in the container's PID namespace greater than 1: $(common::yes_no test "$(awk '$1 == "pid" { print $2 }' <<<"$self")" -gt 1)"
}

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static
  common::require_cmd nsenter util-linux
  common::require_cmd ip iproute2

  local dir pid runc_pid init self
  common::tmpdir dir nsenter
  # Last undo: the cgroup of a container interrupted before runc wrote its state.json.
  cleanup::push "cgroup::remove $ID"
  runc::use_root nsenter
  runc::bundle "$dir/bundle" "$ID" sh -c 'sleep 300 & wait' "$TAG"

  log::info "runc run $ID in the background"
  runc::cmd run --bundle "$dir/bundle" "$ID" </dev/null >/dev/null 2>&1 &
  runc_pid=$!
  cleanup::push "runc::cmd kill $ID KILL >/dev/null 2>&1 || true; wait $runc_pid 2>/dev/null || true"
  common::wait_until 10 "the container to run" "[[ \$(runc::cmd state $ID 2>/dev/null | jq -r .status) == running ]]"
  pid=$(runc::cmd state "$ID" | jq .pid)
  init=$(host_view "$pid")

  echo "the host's hostname is the container's: $(common::yes_no test "$(hostname)" == "$ID")"
  echo "hostname through nsenter --uts (the host's /bin/hostname): $(nsenter --target "$pid" --uts hostname)"
  echo "links through nsenter --net (the host's ip, the container's network namespace): $(nsenter --target "$pid" --net ip -o link show | awk -F': ' '{ print $2 }' | paste -sd ' ')"

  log::info "nsenter --target PID --all: setns() into each of its namespaces, then the container's /bin/sh"
  self=$(nsenter --target "$pid" --all /bin/sh -c "$SELF")
  compare "$init" "$self" "nsenter --all"

  log::info "runc exec $ID: the same namespaces, plus its cgroup and config.json's capabilities"
  self=$(runc::cmd exec "$ID" /bin/sh -c "$SELF" </dev/null)
  compare "$init" "$self" "runc exec"
}
main "$@"
