#!/usr/bin/env bash
# A live container, seen from the host: runc runs a BusyBox container (`runc run` in the
# background of this script, so that runc stays its parent: without containerd there is no shim),
# and the lab finds everything about it without entering it: its PID from runc state, state.json
# and its cgroup; its PIDs and parent; which namespaces differ from the host's; its root, its
# mounts and a file it wrote in its own tmpfs (through /proc/PID/root); its cgroup and limits;
# its capabilities; and the config.json it came from.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-live-container-box    # container id, hostname and cgroup (lab.manifest: cgroups:)
TAG=cfs-live-container-init  # $0 of the container's shell (lab.manifest: tags:)
NOTE=cfs-live-container-note # the file it writes in its own /dev/shm

# The namespace types in which PID $1 differs from (or, with $2 = shared, equals) this script's.
namespaces() {
  local ns out=()
  for ns in cgroup ipc mnt net pid time user uts; do
    # -ef: both links lead to the same namespace (the same nsfs inode, the number readlink shows)
    if [[ ! /proc/$1/ns/$ns -ef /proc/$$/ns/$ns ]]; then
      [[ ${2:-} == shared ]] || out+=("$ns")
    else
      [[ ${2:-} == shared ]] && out+=("$ns")
    fi
  done
  echo "${out[*]:-none}"
}

# One field ("Key:") of /proc/$1/status.
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

# Whether a containerd shim is among the ancestors of PID $1 (by comm, up to the host's PID 1).
shim_ancestor() {
  local pid=$1
  while ((pid > 1)); do
    [[ $(<"/proc/$pid/comm") == containerd-shim* ]] && return 0
    pid=$(status_field "$pid" PPid)
  done
  return 1
}

# The cgroup of PID $1: the pids hierarchy's line on v1, the unified one on v2.
cgroup_of() { awk -F: '$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }' "/proc/$1/cgroup"; }

memory_limit_mib() {
  local v
  if [[ $(cgroup::mode) == v2 ]]; then v=$(cgroup::get "$ID" memory memory.max); else v=$(cgroup::get "$ID" memory memory.limit_in_bytes); fi
  echo "$((v / 1024 / 1024)) MiB"
}

# mountinfo field 4 (the root of the mount within its filesystem) that PATH would have, seen
# from the host: the root of the host mount holding PATH, plus PATH below that mount's point.
fsroot_of() {
  local path target root
  path=$(realpath "$1")
  target=$(findmnt -n -o TARGET -T "$path")
  root=$(findmnt -n -o FSROOT -T "$path")
  root=${root%/}${path#"${target%/}"}
  echo "${root:-/}"
}

# Whether every namespace path of a state.json ($1) is the same namespace as PID $2's own link.
ns_paths_match() {
  local p
  while read -r p; do
    [[ $p -ef /proc/$2/ns/${p##*/} ]] || return 1
  done < <(jq -r '.namespace_paths[]' "$1")
}

# Whether the host's mount table has a mount at PATH ($1).
host_mount_at() { awk -v r="$1" '$5 == r { found = 1 } END { exit !found }' /proc/self/mountinfo; }

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static
  common::require_cmd findmnt util-linux

  local dir bundle pid runc_pid state
  common::tmpdir dir live-container
  bundle=$dir/bundle
  # Last undo: the cgroup of a container interrupted before runc wrote its state.json.
  cleanup::push "cgroup::remove $ID"
  runc::use_root live-container
  runc::bundle "$bundle" "$ID" sh -c "echo 'written inside' >/dev/shm/$NOTE; sleep 300 & wait" "$TAG"
  runc::config "$bundle" '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 32}'

  log::info "runc run $ID, in the background: runc stays the parent of the container's init"
  # runc itself, not the function runc::cmd: `func &` forks a subshell, and $! would be its PID.
  runc --root "$RUNC_ROOT" run --bundle "$bundle" "$ID" </dev/null >/dev/null 2>&1 &
  runc_pid=$!
  cleanup::push "runc::cmd kill $ID KILL >/dev/null 2>&1 || true; wait $runc_pid 2>/dev/null || true"
  common::wait_until 10 "the container to run its shell" \
    "[[ \$(runc::cmd state $ID 2>/dev/null | jq -r .status) == running ]] && [[ -e /proc/\$(runc::cmd state $ID | jq .pid)/root/dev/shm/$NOTE ]]"

  log::info "runc state, state.json and the cgroup: three ways to the container's init PID"
  pid=$(runc::cmd state "$ID" | jq .pid)
  state=$RUNC_ROOT/$ID/state.json
  echo "status from runc state: $(runc::cmd state "$ID" | jq -r .status)"
  echo "state.json's init_process_pid is runc state's pid: $(common::yes_no test "$(jq .init_process_pid "$state")" == "$pid")"
  echo "that PID is in its cgroup's cgroup.procs: $(common::yes_no grep -qx "$pid" <(cgroup::procs "$ID"))"
  echo "processes in its cgroup: $(cgroup::procs "$ID" | grep -c .)"
  echo "its command (comm): $(<"/proc/$pid/comm")"
  echo "its command line is config.json's process.args: $(common::yes_no test "$(tr '\0' '\n' <"/proc/$pid/cmdline" | jq -Rsc 'rtrimstr("\n") | split("\n")')" == "$(jq -c .process.args "$bundle/config.json")")"

  log::info "its PIDs and its parent: NSpid in /proc/PID/status, PPid"
  local nspid self
  nspid=$(status_field "$pid" NSpid)
  self=$(status_field "$$" NSpid)
  echo "its PID levels (NSpid): one more than this shell's: $(common::yes_no test "$(wc -w <<<"$nspid")" -eq "$(($(wc -w <<<"$self") + 1))")"
  echo "its PID in its own PID namespace (last of NSpid): ${nspid##*[[:space:]]}"
  local ppid parent
  ppid=$(status_field "$pid" PPid)
  parent=$(<"/proc/$ppid/comm")
  echo "its parent process: $parent, the runc run this lab started: $(common::yes_no test "$ppid" == "$runc_pid")"
  echo "a containerd-shim among its ancestors: $(common::yes_no shim_ancestor "$pid")"

  log::info "its namespaces: /proc/PID/ns links against this shell's (the host's)"
  echo "namespaces it does not share with the host: $(namespaces "$pid")"
  echo "namespaces it shares with the host: $(namespaces "$pid" shared)"
  local paths
  paths=$(jq '.namespace_paths | length' "$state")
  echo "namespace paths in state.json: $paths, each the same namespace as its /proc/PID/ns link: $(common::yes_no ns_paths_match "$state" "$pid")"

  log::info "its root and mounts: /proc/PID/root and /proc/PID/mountinfo"
  echo "its / is the bundle's rootfs/ (same device and inode): $(common::yes_no test "$(stat -L -c %d:%i "/proc/$pid/root")" == "$(stat -c %d:%i "$bundle/rootfs")")"
  echo "the root of its / mount (mountinfo field 4) is the bundle's rootfs/: $(common::yes_no test "$(awk '$5 == "/" { print $4; exit }' "/proc/$pid/mountinfo")" == "$(fsroot_of "$bundle/rootfs")")"
  local mounts
  mounts=$(jq '.mounts | length' "$bundle/config.json")
  echo "mount points of config.json's mounts in its mountinfo: $(jq -r '.mounts[].destination' "$bundle/config.json" | grep -cxFf <(awk '{ print $5 }' "/proc/$pid/mountinfo")) of $mounts"
  echo "its /dev/shm mount is in the host's mount table (at rootfs/dev/shm): $(common::yes_no host_mount_at "$bundle/rootfs/dev/shm")"
  echo "the file it wrote in its /dev/shm, read through /proc/PID/root: $(<"/proc/$pid/root/dev/shm/$NOTE")"
  echo "that file under the host's /dev/shm: $(common::yes_no test -e "/dev/shm/$NOTE")"

  log::info "its cgroup and limits, its capabilities"
  echo "its cgroup: $(cgroup_of "$pid")"
  local limit
  limit=$(memory_limit_mib)
  echo "memory limit of its cgroup: $limit, config.json's: $(jq -r '.linux.resources.memory.limit / 1048576 | tostring + " MiB"' "$bundle/config.json")"
  limit=$(cgroup::get "$ID" pids pids.max)
  echo "pids.max of its cgroup: $limit, config.json's: $(jq .linux.resources.pids.limit "$bundle/config.json")"
  echo "its effective capabilities (CapEff): $(status_field "$pid" CapEff)"
  local seccomp
  seccomp=$(status_field "$pid" Seccomp)
  echo "its seccomp mode: $seccomp, no_new_privs: $(status_field "$pid" NoNewPrivs)"
  echo "the bundle runc state names holds the config.json it runs: $(common::yes_no test "$(runc::cmd state "$ID" | jq -r .bundle)/config.json" -ef "$bundle/config.json")"

  log::info "runc kill $ID KILL: runc run returns the container's fate and deletes it"
  runc::cmd kill "$ID" KILL
  local status=0
  wait "$runc_pid" || status=$?
  echo "exit status of runc run after SIGKILL to the container: $status"
  echo "containers under the private root afterwards: $(runc::cmd list -q | grep -c . || true)"
  echo "its cgroup afterwards: $(if cgroup::exists "$ID"; then echo present; else echo gone; fi)"
}
main "$@"
