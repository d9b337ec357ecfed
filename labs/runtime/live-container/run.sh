#!/usr/bin/env bash
# A live container, seen from the host: runc runs a BusyBox container (in the foreground, in the
# background of this script, so that runc stays its parent as a shim would), and the lab finds
# everything about it without entering it: its PID from runc state and from its cgroup, its PID
# inside (NSpid), its parent, its namespaces, its root and a file it wrote in its own tmpfs
# (through /proc/PID/root), its cgroup limits, its capabilities, and the config.json it came from.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-live-container-box    # container id, hostname and cgroup (lab.manifest: cgroups:)
TAG=cfs-live-container-init  # $0 of the container's shell (lab.manifest: tags:)

# The namespaces in which PID $1 differs from this script.
own_namespaces() {
  local ns out=()
  for ns in cgroup ipc mnt net pid time user uts; do
    [[ $(readlink "/proc/$1/ns/$ns") != "$(readlink "/proc/$$/ns/$ns")" ]] && out+=("$ns")
  done
  echo "${out[*]}"
}

# One field ("Key:") of /proc/$1/status.
status_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "/proc/$1/status"; }

memory_limit_mib() {
  local v
  if [[ $(cgroup::mode) == v2 ]]; then v=$(cgroup::get "$ID" memory memory.max); else v=$(cgroup::get "$ID" memory memory.limit_in_bytes); fi
  echo "$((v / 1024 / 1024)) MiB"
}

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static

  local dir pid runc_pid
  common::tmpdir dir live-container
  # Last undo: the cgroup of a container interrupted before runc wrote its state.json.
  cleanup::push "cgroup::remove $ID"
  runc::use_root live-container
  runc::bundle "$dir/bundle" "$ID" sh -c 'echo "written inside" >/dev/shm/note; sleep 300 & wait' "$TAG"
  runc::config "$dir/bundle" '.linux.resources.memory = {limit: 67108864} | .linux.resources.pids = {limit: 32}'

  log::info "runc run $ID, in the background: runc stays the parent of the container's init"
  runc::cmd run --bundle "$dir/bundle" "$ID" </dev/null >/dev/null 2>&1 &
  runc_pid=$!
  cleanup::push "runc::cmd kill $ID KILL >/dev/null 2>&1 || true; wait $runc_pid 2>/dev/null || true"
  common::wait_until 10 "the container to run its shell" \
    "[[ \$(runc::cmd state $ID 2>/dev/null | jq -r .status) == running && -e /proc/\$(runc::cmd state $ID | jq .pid)/root/dev/shm/note ]]"

  pid=$(runc::cmd state "$ID" | jq .pid)
  echo "status from runc state: $(runc::cmd state "$ID" | jq -r .status)"
  echo "runc's state.json records the same init PID: $(common::yes_no test "$(jq .init_process_pid "$RUNC_ROOT/$ID/state.json")" == "$pid")"
  echo "the init PID is in its cgroup's cgroup.procs: $(common::yes_no grep -qx "$pid" <(cgroup::procs "$ID"))"
  echo "processes in its cgroup: $(cgroup::procs "$ID" | grep -c .)"
  echo "its command line: $(tr '\0' ' ' <"/proc/$pid/cmdline" | sed 's/ $//; s/;.*&/; ... \&/')"
  echo "its PIDs (NSpid), the last one is inside the container: $(status_field "$pid" NSpid | awk '{ print NF " PIDs, the last " $NF }')"
  echo "its parent process: $(cat "/proc/$(status_field "$pid" PPid)/comm"), the runc run started by this lab: $(common::yes_no test "$(status_field "$pid" PPid)" == "$runc_pid")"
  echo "namespaces it does not share with the host: $(own_namespaces "$pid")"
  echo "its / is the bundle's rootfs/ (same device and inode): $(common::yes_no test "$(stat -L -c %d:%i "/proc/$pid/root")" == "$(stat -c %d:%i "$dir/bundle/rootfs")")"
  echo "the file it wrote in its /dev/shm, read through /proc/PID/root: $(cat "/proc/$pid/root/dev/shm/note")"
  echo "that file under the host's /dev/shm: $(common::yes_no test -e /dev/shm/note)"
  echo "its cgroup (pids hierarchy): $(awk -F: '$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }' "/proc/$pid/cgroup")"
  echo "memory limit of its cgroup: $(memory_limit_mib)"
  echo "pids.max of its cgroup: $(cgroup::get "$ID" pids pids.max)"
  echo "its effective capabilities (CapEff): $(status_field "$pid" CapEff)"
  echo "its seccomp mode (Seccomp): $(status_field "$pid" Seccomp)"
  echo "the bundle in runc state holds the config.json it runs: $(common::yes_no test -f "$(runc::cmd state "$ID" | jq -r .bundle)/config.json")"
  echo "config.json's memory limit equals the cgroup's: $(common::yes_no test "$(jq '.linux.resources.memory.limit / 1048576 | tostring + " MiB"' -r "$dir/bundle/config.json")" == "$(memory_limit_mib)")"

  log::info "runc kill $ID KILL: runc run returns, and deletes the container"
  runc::cmd kill "$ID" KILL
  local status=0
  wait "$runc_pid" || status=$?
  echo "exit status of runc run after SIGKILL to the container: $status"
  echo "containers under the private root afterwards: $(runc::cmd list -q | grep -c . || true)"
  echo "its cgroup afterwards: $(if cgroup::exists "$ID"; then echo present; else echo gone; fi)"
}
main "$@"
