#!/usr/bin/env bash
# What runc remembers: one container made with a private --root, and its state.json read with jq
# field by field: the init process's PID and start time, the config runc was given, the namespace
# and cgroup paths. The status is in no file: runc works it out each time it is asked.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-md            # the container's id, and its cgroup (linux.cgroupsPath /cfs-md)
TAG=cfs-md-init      # $0 of the container's shell
WORKDIR=             # /tmp/cfs-metadata.XXXXXX: the bundle (runc's --root: /run/cfs-md-runc)

# The folder and file runc keeps for the container.
dir() { printf '%s/%s\n' "$RUNC_ROOT" "$ID"; }
# field FILTER [JQ-ARG...]: one jq query of state.json.
field() { jq -r "${@:2}" "$1" "$(dir)/state.json"; }
status() { runc::cmd state "$ID" | jq -r .status; }
# The files in the container's folder, sorted, on one line.
files() { find "$(dir)" -mindepth 1 -maxdepth 1 -printf '%f\n' | LC_ALL=C sort | tr '\n' ' ' | sed 's/ $//'; }

# The jq programs below are in single quotes on purpose: $b, $p and $s are jq variables (--arg).
# shellcheck disable=SC2016
main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd sha256sum coreutils
  ! cgroup::exists "$ID" || die "the cgroup $ID exists already (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."
  local root
  root=$(runc::root md)
  [[ ! -e $root ]] || die "$root exists already (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  common::tmpdir WORKDIR metadata
  # shellcheck disable=SC2016 # the container's shell keeps running, carrying the tag
  runc::bundle "$WORKDIR/bundle" "$ID" sh -c 'sleep 300 & wait' "$TAG"
  cleanup::push "cgroup::remove $ID"
  runc::use_root md

  log::info "runc --root $RUNC_ROOT create --bundle $WORKDIR/bundle $ID"
  runc::cmd create --bundle "$WORKDIR/bundle" "$ID" </dev/null >/dev/null
  echo "files in --root/$ID after create: $(files)"
  echo "state.json keys: $(field 'keys_unsorted | sort | join(" ")')"
  echo "runc state keys: $(runc::cmd state "$ID" | jq -r 'keys | join(" ")')"
  echo "state.json has a status field: $(common::yes_no test "$(field 'has("status")')" = true)"

  local pid start
  pid=$(field .init_process_pid)
  start=$(field .init_process_start)
  echo "init_process_pid is the pid runc state reports: $(common::yes_no test "$pid" = "$(runc::cmd state "$ID" | jq -r .pid)")"
  # Field 22 of /proc/PID/stat (after the command in parentheses): the start time in clock ticks.
  echo "init_process_start is field 22 of /proc/<pid>/stat: $(common::yes_no test "$start" = "$(sed 's/.*) //' "/proc/$pid/stat" | cut -d' ' -f20)")"
  echo "config.rootfs is the bundle's rootfs: $(common::yes_no test "$(field .config.rootfs)" = "$WORKDIR/bundle/rootfs")"
  echo "config.labels holds bundle=<the bundle>: $(common::yes_no test "$(field '.config.labels | index($b) != null' --arg b "bundle=$WORKDIR/bundle")" = true)"
  echo "namespaces in config: $(field '[.config.namespaces[].type] | sort | join(" ")')"
  echo "namespace_paths that are /proc/<pid>/ns/*: $(field '[.namespace_paths | to_entries[] | select(.value | startswith($p)) | .key] | sort | join(" ")' --arg p "/proc/$pid/ns/")"
  local key path shared=()
  while read -r key path; do
    # -ef: the same namespace as this shell's (the same nsfs inode, the number readlink shows)
    [[ $path -ef /proc/self/ns/${path##*/} ]] && shared+=("$key")
  done < <(field '.namespace_paths | to_entries[] | "\(.key) \(.value)"')
  echo "namespace_paths that are this shell's own namespaces (not unshared): $(LC_ALL=C sort <<<"$(printf '%s\n' "${shared[@]}")" | tr '\n' ' ' | sed 's/ $//')"
  echo "every cgroup_paths entry ends in /$ID: $(common::yes_no test "$(field '[.cgroup_paths[] | endswith($s)] | all' --arg s "/$ID")" = true)"
  echo "runc state: $(status)"

  local sum
  sum=$(sha256sum <"$(dir)/state.json")
  log::info "runc start $ID"
  runc::cmd start "$ID"
  echo "files in --root/$ID after start: $(files)"
  echo "runc state: $(status)"
  echo "state.json changed by start: $(common::yes_no test "$(sha256sum <"$(dir)/state.json")" != "$sum")"

  log::info "runc kill $ID KILL"
  runc::cmd kill "$ID" KILL
  common::wait_until 5 "the container to stop" "[[ \$(status) == stopped ]]" || true
  echo "runc state after kill: $(status)"
  echo "state.json changed by kill: $(common::yes_no test "$(sha256sum <"$(dir)/state.json")" != "$sum")"

  log::info "runc delete $ID"
  runc::cmd delete "$ID"
  echo "folder --root/$ID after delete: $(common::yes_no test -d "$(dir)")"
}
main "$@"
