#!/usr/bin/env bash
# OCI bundle: `runc spec` writes a config.json, jq edits it, and runc runs it over a BusyBox
# rootfs. The lab reads runc's default spec, makes a bundle (config.json + rootfs/), walks it
# through create -> start -> stopped -> delete with a private --root, looks at the created
# container from the host (runc init waiting, its namespaces and cgroup), reads what the process
# saw inside, then edits process.args and root.readonly and runs the bundle again.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-oci-bundle-box    # container id, hostname and cgroup name (lab.manifest: cgroups:)
TAG=cfs-oci-bundle-init  # $0 of the container's shell (lab.manifest: tags:)

# What the process sees inside: one "label: value" a line, in the container's stdout.
# shellcheck disable=SC2016 # expanded by the container's shell
INSIDE='echo "hostname: $(hostname)"
echo "PID of the shell: $$"
echo "uid: $(id -u)"
echo "CapEff: $(grep CapEff /proc/self/status | cut -f2)"
if touch /x 2>/dev/null; then echo "root writable: yes"; else echo "root writable: no"; fi
echo "PID 1 in its /proc runs: $(cat /proc/1/comm)"'

# The namespaces (of /proc/PID/ns) in which PID $1 differs from this script's.
own_namespaces() {
  local ns out=()
  for ns in cgroup ipc mnt net pid time user uts; do
    # -ef: both links lead to the same namespace (the same nsfs inode, the number readlink shows)
    [[ /proc/$1/ns/$ns -ef /proc/$$/ns/$ns ]] || out+=("$ns")
  done
  echo "${out[*]}"
}

status_of() { runc::cmd state "$1" 2>/dev/null | jq -r .status; }

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static

  local dir pid default
  common::tmpdir dir oci-bundle
  runc::use_root oci-bundle
  cleanup::push "runc::cmd delete --force $ID >/dev/null 2>&1 || true"

  log::info "runc spec in an empty folder: the default config.json"
  mkdir "$dir/default" && (cd "$dir/default" && runc spec)
  default=$dir/default/config.json
  echo "files runc spec wrote: $(ls "$dir/default")"
  local args
  args=$(jq -c .process.args "$default")
  echo "default process.args: $args, terminal: $(jq .process.terminal "$default")"
  echo "default root: $(jq -c .root "$default")"
  echo "default namespaces: $(jq -r '[.linux.namespaces[].type] | sort | join(" ")' "$default")"
  echo "default mounts: $(jq -r '[.mounts[].destination] | join(" ")' "$default")"
  local masked
  masked=$(jq '.linux.maskedPaths | length' "$default")
  echo "default masked paths: $masked, read-only paths: $(jq '.linux.readonlyPaths | length' "$default")"

  log::info "runc::bundle: a BusyBox rootfs/ and config.json edited with jq (args, terminal false, hostname, cgroupsPath)"
  runc::bundle "$dir/bundle" "$ID" sh -c "$INSIDE; sleep 300 & wait" "$TAG"
  echo "bundle contents: $(find "$dir/bundle" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | paste -sd ' ')"
  echo "edited: $(jq -r '"terminal \(.process.terminal), hostname \(.hostname), cgroupsPath \(.linux.cgroupsPath)"' "$dir/bundle/config.json")"

  log::info "runc create: namespaces, mounts and cgroup are set up, the user's process is not started yet"
  runc::cmd create --bundle "$dir/bundle" "$ID" <"/dev/null" >"$dir/out" 2>"$dir/err"
  pid=$(runc::cmd state "$ID" | jq -r .pid)
  echo "status after create: $(status_of "$ID")"
  echo "the container's process before start runs: $(cat "/proc/$pid/comm")"
  echo "its exec fifo in the state folder: $(common::yes_no test -p "$RUNC_ROOT/$ID/exec.fifo")"
  echo "namespaces it does not share with the host: $(own_namespaces "$pid")"
  echo "its cgroup (pids hierarchy): $(awk -F: '$2 == "pids" { p = $3 } $1 == "0" { u = $3 } END { print (p != "" ? p : u) }' "/proc/$pid/cgroup")"

  log::info "runc start: runc init execs the process of config.json"
  runc::cmd start "$ID"
  common::wait_until 5 "the container's shell to print its facts" "grep -q '^PID 1 in' '$dir/out'"
  echo "status after start: $(status_of "$ID")"
  echo "the exec fifo after start: $(common::yes_no test -e "$RUNC_ROOT/$ID/exec.fifo")"
  sed 's/^/inside: /' "$dir/out"

  log::info "runc kill $ID KILL, then runc delete"
  runc::cmd kill "$ID" KILL
  common::wait_until 5 "the container to stop" "[[ \$(status_of $ID) == stopped ]]"
  echo "status after kill: $(status_of "$ID")"
  runc::cmd delete "$ID"
  echo "containers under the private root after delete: $(runc::cmd list -q | grep -c . || true)"
  echo "its cgroup after delete: $(if cgroup::exists "$ID"; then echo present; else echo gone; fi)"

  log::info "edit config.json: args 'touch /x; exit 7', root.readonly false; runc run (foreground)"
  runc::config "$dir/bundle" '.process.args = ["sh", "-c", "touch /x && exit 7"] | .root.readonly = false'
  local status=0
  runc::cmd run --bundle "$dir/bundle" "$ID" </dev/null >/dev/null 2>&1 || status=$?
  echo "exit status of runc run (the container's): $status"
  echo "the file it made is in the bundle's rootfs/: $(common::yes_no test -e "$dir/bundle/rootfs/x")"
  echo "containers under the private root after runc run returned: $(runc::cmd list -q | grep -c . || true)"
}
main "$@"
