#!/usr/bin/env bash
# namespaces: which processes share which namespace, read from the host with /proc/*/ns and lsns:
# a container's PID 1, a process exec'd into it, the runtime's shim, and a second container.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-nsl # its containers are cfs-nsl-a and cfs-nsl-b: the tag cleanup.sh kills by
TYPES=(cgroup ipc mnt net pid time user uts)

# The host PID of a container's PID 1, from its state.json.
pid1_of() { sed -n 's/^  "pid": \([0-9]*\),$/\1/p' "/run/mini-container/$1/state.json"; }

# The namespace types (of TYPES) that processes $1 and $2 share: /proc/<pid>/ns/<type> links that
# lead to the same namespace (-ef: the same device and inode, which is what readlink's number shows).
shared() {
  local t out=()
  for t in "${TYPES[@]}"; do
    [[ /proc/$1/ns/$t -ef /proc/$2/ns/$t ]] && out+=("$t")
  done
  echo "${out[*]:-none}"
}

# How many processes are in the namespace of type $1 whose link reads $2 ("net:[4026532281]"),
# by a scan of every /proc/<pid>/ns/<type> (processes that exit meanwhile are skipped).
count_in() {
  find /proc/[0-9]*/ns/"$1" -maxdepth 0 -printf '%l\n' 2>/dev/null | grep -cxF -- "$2" || true
}

# NPROCS that lsns reports for the namespace of type $1 with inode $2 (0 when it lists none).
lsns_nprocs() {
  lsns -n -r -t "$1" -o NS,NPROCS | awk -v ns="$2" '$1 == ns { print $2; f = 1 } END { if (!f) print 0 }'
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd lsns util-linux
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd ip iproute2
  # Whatever a container of this lab leaves (after Ctrl-C too): the runtime's own prune.
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  log::info "two containers: $MC run -d --name $NAME-a (and $NAME-b) -- sh -c 'sleep 600 & wait'"
  local a b
  cleanup::push "'$MC' rm -f $NAME-a >/dev/null 2>&1 || true"
  a=$("$MC" run -d --name "$NAME-a" -- sh -c 'sleep 600 & wait')
  cleanup::push "'$MC' rm -f $a >/dev/null 2>&1 || true"
  cleanup::push "'$MC' rm -f $NAME-b >/dev/null 2>&1 || true"
  b=$("$MC" run -d --name "$NAME-b" -- sh -c 'sleep 600 & wait')
  cleanup::push "'$MC' rm -f $b >/dev/null 2>&1 || true"
  local pa pb shim pidns
  pa=$(pid1_of "$a")
  pb=$(pid1_of "$b")
  shim=$(common::_ppid "$pa")
  pidns=$(readlink "/proc/$pa/ns/pid")

  log::info "a process exec'd into $NAME-a: $MC exec $NAME-a sleep 300 (joins its namespaces with setns)"
  "$MC" exec "$NAME-a" sleep 300 &
  local wrapper=$! ex=''
  cleanup::push "kill -KILL $wrapper 2>/dev/null; wait $wrapper 2>/dev/null || true"
  # The exec'd sleep: in A's PID namespace, not a child of A's PID 1.
  common::wait_until 10 "the exec'd sleep in $NAME-a" \
    "ex=\$(for p in \$(pgrep -x sleep); do [[ \$(readlink /proc/\$p/ns/pid) == '$pidns' && \$(common::_ppid \$p) != $pa ]] && echo \$p; done | head -n1); [[ -n \$ex ]]"

  log::info "/proc/<pid>/ns/<type>: equal links, same namespace (A's PID 1 is $pa, B's $pb, the exec'd sleep $ex)"
  echo "namespaces the exec'd process shares with A's PID 1: $(shared "$ex" "$pa")"
  echo "namespaces B's PID 1 shares with A's PID 1: $(shared "$pb" "$pa")"
  echo "namespaces A's PID 1 shares with this script (the host): $(shared "$pa" $$)"
  echo "namespaces the runtime's shim (A's PID 1's parent) shares with A's PID 1: $(shared "$shim" "$pa")"
  echo "the shim's pid_for_children is A's PID namespace: $(common::yes_no test "$(readlink "/proc/$shim/ns/pid_for_children")" = "$pidns")"

  log::info "who is in A's namespaces: a scan of /proc/*/ns, and lsns"
  local t link
  for t in pid net; do
    link=$(readlink "/proc/$pa/ns/$t")
    echo "processes in A's $t namespace: $(count_in "$t" "$link")"
    echo "lsns -t $t NPROCS agrees: $(common::yes_no test "$(lsns_nprocs "$t" "$(stat -L -c %i "/proc/$pa/ns/$t")")" = "$(count_in "$t" "$link")")"
  done
  echo "hostname in A's UTS namespace (nsenter -t <A's PID 1> -u hostname): $(nsenter -t "$pa" -u hostname)"

  log::info "$MC rm -f $NAME-a: its namespaces lose their last process"
  local netns_inode
  netns_inode=$(stat -L -c %i "/proc/$pa/ns/net")
  link=$(readlink "/proc/$pa/ns/net")
  "$MC" rm -f "$a"
  common::wait_until 10 "the exec'd process to end" "! kill -0 $wrapper 2>/dev/null"
  echo "processes in A's former net namespace after rm -f: $(count_in net "$link")"
  echo "lsns lists A's former net namespace: $(common::yes_no test "$(lsns -n -r -t net -o NS | grep -cx "$netns_inode" || true)" -gt 0)"
  "$MC" rm -f "$b"
}
main "$@"
