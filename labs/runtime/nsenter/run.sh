#!/usr/bin/env bash
# Entering a container: nsenter(1) calls setns(2) for the namespaces you name, and nothing else;
# `runc exec` joins all the container's namespaces AND its cgroup, and takes its capabilities and
# no_new_privs from config.json. The lab runs a BusyBox container with runc, enters some of its
# namespaces with the host's own programs (uts, net, pid with and without mnt: the /proc pitfall),
# then enters it whole twice (nsenter --all, runc exec) and compares each entered process with
# the container's init: namespaces, cgroup, capabilities, no_new_privs, PID.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-nsenter-box    # container id, hostname and cgroup (lab.manifest: cgroups:)
TAG=cfs-nsenter-init  # $0 of the container's shell (lab.manifest: tags:)
NS=(cgroup ipc mnt net pid time user uts)

# What a process reports about itself, run by the container's own BusyBox sh: one
# "ns:TYPE LINK" line per namespace, its cgroup (pids hierarchy, or v2), CapEff, NoNewPrivs,
# its PID, and whether the host path $1 is visible.
# shellcheck disable=SC2016 # expanded by the container's shell
SELF='for n in '"${NS[*]}"'; do echo "ns:$n $(readlink /proc/self/ns/$n)"; done
echo "cgroup $(awk -F: '"'"'$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }'"'"' /proc/self/cgroup)"
grep -E "^(CapEff|NoNewPrivs):" /proc/self/status | tr -d ":\t" | sed "s/^CapEff/CapEff /; s/^NoNewPrivs/NoNewPrivs /"
echo "pid $$"
if [ -e "$1" ]; then echo "hostpath yes"; else echo "hostpath no"; fi'

# The same lines for PID $1, read from the host.
host_view() {
  local n
  for n in "${NS[@]}"; do echo "ns:$n $(readlink "/proc/$1/ns/$n")"; done
  echo "cgroup $(awk -F: '$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }' "/proc/$1/cgroup")"
  awk '$1 == "CapEff:" || $1 == "NoNewPrivs:" { sub(/:$/, "", $1); print $1, $2 }' "/proc/$1/status"
}

# The value of KEY ($2) in a report ($1).
field() { awk -v k="$2" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' <<<"$1"; }

# Compare an entered process's report ($2) with the container's init ($1); facts prefixed by $3.
compare() {
  local init=$1 self=$2 how=$3 n shared=() differ=() k a b
  for n in "${NS[@]}"; do
    a=$(field "$self" "ns:$n")
    b=$(field "$init" "ns:$n")
    if [[ $a == "$b" ]]; then shared+=("$n"); else differ+=("$n"); fi
  done
  echo "$how: namespaces the same as the container's init: ${shared[*]:-none}; different: ${differ[*]:-none}"
  for k in cgroup CapEff NoNewPrivs; do
    echo "$how: same $k as the container's init: $(common::yes_no test "$(field "$self" "$k")" == "$(field "$init" "$k")")"
  done
  echo "$how: its PID in the container's PID namespace is greater than 1: $(common::yes_no test "$(field "$self" pid)" -gt 1)"
  echo "$how: the lab's bundle folder (a host path) is visible: $(field "$self" hostpath)"
}

# Run the host's sh (dash) after nsenter into the namespaces $2... of PID $1 (no mount namespace
# unless named): its PID (getpid, $$) against the one /proc/self shows, and how many processes
# /proc lists.
# shellcheck disable=SC2016 # expanded by the entered shell
pid_view() {
  local pid=$1
  shift
  nsenter --target "$pid" "$@" sh -c 'read -r me rest </proc/self/stat; n=0; for p in /proc/[0-9]*; do n=$((n + 1)); done
    if [ "$$" = "$me" ]; then echo "the same $n"; else echo "different $n"; fi'
}

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static
  common::require_cmd nsenter util-linux
  common::require_cmd ip iproute2

  local dir bundle pid init self alone withmnt
  common::tmpdir dir nsenter
  bundle=$dir/bundle
  # Last undo: the cgroup of a container interrupted before runc wrote its state.json.
  cleanup::push "cgroup::remove $ID"
  runc::use_root nsenter
  runc::bundle "$bundle" "$ID" sh -c 'sleep 300 & wait' "$TAG"

  log::info "runc run -d $ID (detached): runc exits, the container runs on"
  runc::cmd run -d --bundle "$bundle" "$ID" </dev/null >/dev/null 2>&1
  common::wait_until 10 "the container to run" "[[ \$(runc::cmd state $ID 2>/dev/null | jq -r .status) == running ]]"
  pid=$(runc::cmd state "$ID" | jq .pid)
  init=$(host_view "$pid")

  log::info "nsenter into one namespace at a time, running the host's programs"
  echo "the host's hostname is the container's: $(common::yes_no test "$(hostname)" == "$ID")"
  echo "hostname after nsenter --uts (the host's hostname program): $(nsenter --target "$pid" --uts hostname)"
  echo "links after nsenter --net (the host's ip): $(nsenter --target "$pid" --net ip -o link show | awk -F': ' '{ print $2 }' | paste -sd ' ')"
  echo "after nsenter --net only, the lab's bundle folder (a host path) is visible: $(common::yes_no nsenter --target "$pid" --net test -d "$bundle")"
  echo "after nsenter --mount, the same path is visible: $(common::yes_no nsenter --target "$pid" --mount /bin/test -d "$bundle")"

  log::info "nsenter --pid without --mount: a new PID namespace, but the host's /proc"
  alone=$(pid_view "$pid" --pid)
  withmnt=$(pid_view "$pid" --pid --mount)
  echo "nsenter --pid alone: its PID (\$\$) and /proc/self's: ${alone% *}"
  echo "nsenter --pid --mount: its PID (\$\$) and /proc/self's: ${withmnt% *}"
  echo "processes /proc lists: more with --pid alone than with --pid --mount: $(common::yes_no test "${alone##* }" -gt "${withmnt##* }")"

  log::info "nsenter --target PID --all: setns() into each of its namespaces, then the container's /bin/sh"
  self=$(nsenter --target "$pid" --all /bin/sh -c "$SELF" sh "$bundle")
  compare "$init" "$self" "nsenter --all"

  log::info "runc exec $ID: the same namespaces, plus its cgroup and config.json's process settings"
  self=$(runc::cmd exec "$ID" /bin/sh -c "$SELF" sh "$bundle" </dev/null)
  compare "$init" "$self" "runc exec"
}
main "$@"
