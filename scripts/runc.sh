# shellcheck shell=bash
# runc.sh: OCI bundles and a private runc state root for the runtime (40) and state (70) labs.
# Source it after common.sh. Needs runc (package runc) and jq (package jq); busybox-static for
# the rootfs.
#
#   runc::root NAME          print the private state root of NAME (a lab's short prefix, e.g.
#                            "ocib"): /run/cfs-NAME-runc. Every runc call of a lab passes it as
#                            --root, so no lab sees or touches another runtime's containers
#                            (runc's default root, /run/runc, is left alone). Declare it in
#                            the manifest as "runc: cfs-NAME": cleanup::lab (scripts/lab.sh)
#                            then removes it with runc::cleanup (tmp: holds only /tmp and
#                            /var/tmp paths).
#   runc::use_root NAME      set RUNC_ROOT to runc::root NAME, make it (0700), and push
#                            runc::cleanup on the cleanup stack
#   runc::cmd ARG...         runc --root "$RUNC_ROOT" ARG...
#   runc::bundle DIR ID [ARG...]
#                            make DIR an OCI bundle: DIR/rootfs a BusyBox rootfs (rootfs::busybox)
#                            and DIR/config.json from `runc spec` (a root container),
#                            edited with jq: process.args = ARG... (default: sh), terminal false,
#                            hostname ID, linux.cgroupsPath /ID. ID must start with cfs-: it is
#                            the container's id by convention, and its cgroup's name in every
#                            hierarchy (declare it in the manifest's cgroups:).
#   runc::config DIR FILTER [JQ-ARG...]
#                            edit DIR/config.json in place with the jq FILTER
#   runc::cleanup ROOT       kill and delete every container under the state root ROOT, whatever
#                            state it is in (paused ones are thawed first: a frozen task cannot
#                            die), remove their cgroups (listed in each state.json), then ROOT.
#                            Safe when ROOT does not exist and twice in a row; never exits (it
#                            runs in cleanups), warns and returns 1 when something stays.
# Tags: a container's processes do not inherit the lab's environment, and BusyBox sh execs the
# last command of `sh -c`, so keep a shell alive to carry the tag: sh -c '...; sleep 300 & wait' cfs-TAG.
# A lab's manifest declares its root ("runc: cfs-NAME"), and cleanup::lab calls runc::cleanup on
# it FIRST, so that runc itself tears down what it knows; cleanup::lab then removes the declared
# cgroups (a container SIGKILLed half-way through `runc create` has a cgroup but no state.json
# yet) and tmp paths. cleanup.sh stays the standard one-call file.

[[ -n ${_CFS_RUNC_SH:-} ]] && return 0
_CFS_RUNC_SH=1

# shellcheck source-path=SCRIPTDIR source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"
# shellcheck source-path=SCRIPTDIR source=cgroup.sh
source "${BASH_SOURCE[0]%/*}/cgroup.sh"
# shellcheck source-path=SCRIPTDIR source=rootfs.sh
source "${BASH_SOURCE[0]%/*}/rootfs.sh"

RUNC_ROOT=${RUNC_ROOT:-}
# Where runc::root makes state roots (tests point it elsewhere).
RUNC_ROOT_PARENT=${RUNC_ROOT_PARENT:-/run}

runc::root() {
  [[ $1 =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "runc::root: '$1' is not a short lowercase name."
  printf '%s/%s%s-runc\n' "$RUNC_ROOT_PARENT" "$CFS_PREFIX" "$1"
}

runc::use_root() {
  RUNC_ROOT=$(runc::root "$1")
  cleanup::push "runc::cleanup '$RUNC_ROOT'"
  mkdir -p "$RUNC_ROOT_PARENT"
  mkdir -m 0700 "$RUNC_ROOT"
}

runc::cmd() {
  [[ -n $RUNC_ROOT ]] || die "runc::cmd: call runc::use_root first (no lab uses runc's default root)."
  runc --root "$RUNC_ROOT" "$@"
}

runc::bundle() {
  local dir=$1 id=$2 args
  shift 2
  [[ $id == "$CFS_PREFIX"* ]] || die "runc::bundle: the id '$id' must start with $CFS_PREFIX."
  (($#)) || set -- sh
  mkdir -p "$dir"
  rootfs::busybox "$dir/rootfs"
  (cd "$dir" && runc spec) || die "runc spec failed in $dir."
  # One JSON string per argument, newlines and all (jq 1.6's --args would parse a "-c" itself).
  args=$(for a in "$@"; do jq -n --arg a "$a" '$a'; done | jq -sc .)
  # shellcheck disable=SC2016 # $args and $id are jq variables
  runc::config "$dir" '.process.args = $args | .process.terminal = false | .hostname = $id
    | .linux.cgroupsPath = "/" + $id' --argjson args "$args" --arg id "$id"
}

runc::config() {
  local dir=$1 filter=$2 tmp
  shift 2
  tmp=$(mktemp "$dir/.config.json.XXXXXX")
  if jq "$@" "$filter" "$dir/config.json" >"$tmp"; then
    mv -- "$tmp" "$dir/config.json"
  else
    rm -f -- "$tmp"
    die "runc::config: jq could not apply '$filter' to $dir/config.json."
  fi
}

# Thaw every freezer cgroup listed in a state.json: a frozen task never handles its SIGKILL.
runc::_thaw() {
  local state=$1 path
  while IFS= read -r path; do
    [[ -n $path && -d $path ]] || continue
    if [[ -f $path/freezer.state ]]; then
      { echo THAWED >"$path/freezer.state"; } 2>/dev/null || true
    fi
    if [[ -f $path/cgroup.freeze ]]; then
      { echo 0 >"$path/cgroup.freeze"; } 2>/dev/null || true
    fi
  done < <(jq -r '(.cgroup_paths // {}) | to_entries[] | .value' "$state" 2>/dev/null)
}

# Remove (after killing their processes) the cgroup folders a state.json lists, deepest first.
runc::_remove_cgroups() {
  local state=$1 path pid status=0 tries
  while IFS= read -r path; do
    [[ -n $path && -d $path ]] || continue
    for ((tries = 0; tries < 100; tries++)); do
      local pids=''
      pids=$(find "$path" -name cgroup.procs -exec cat {} + 2>/dev/null) || true
      [[ -n $pids ]] || break
      for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
      sleep 0.05
    done
    find "$path" -depth -type d -exec rmdir {} + 2>/dev/null || true
    [[ ! -d $path ]] || { log::warn "runc::cleanup: could not remove the cgroup $path"; status=1; }
  done < <(jq -r '(.cgroup_paths // {}) | to_entries[] | .value' "$state" 2>/dev/null | sort -u)
  return "$status"
}

runc::cleanup() {
  local root=$1 dir id status=0
  [[ -d $root ]] || return 0
  [[ ${root##*/} == "$CFS_PREFIX"* ]] || { log::warn "runc::cleanup: $root is not a ${CFS_PREFIX}… state root; left alone"; return 1; }
  for dir in "$root"/*/; do
    [[ -d $dir ]] || continue
    dir=${dir%/}
    id=${dir##*/}
    [[ -f $dir/state.json ]] && runc::_thaw "$dir/state.json"
    runc --root "$root" kill "$id" KILL >/dev/null 2>&1 || true
    runc --root "$root" delete --force "$id" >/dev/null 2>&1 || true
    # What runc could not delete (a half-made container): its cgroups, then its state folder.
    if [[ -d $dir ]]; then
      [[ -f $dir/state.json ]] && { runc::_remove_cgroups "$dir/state.json" || status=1; }
      rm -rf -- "$dir"
    fi
  done
  rm -rf -- "$root" || status=1
  [[ ! -e $root ]] || { log::warn "runc::cleanup: $root is still there"; status=1; }
  return "$status"
}
