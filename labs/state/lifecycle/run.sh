#!/usr/bin/env bash
# Container state: one BusyBox container taken by runc through its whole life, created, running,
# paused, running again, stopped, deleted, with `runc state` read after each step, and the freezer
# that pause uses read from the container's cgroup (v1: freezer.state, v2: cgroup.events).
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

ID=cfs-lc           # the container's id, and its cgroup (linux.cgroupsPath /cfs-lc)
TAG=cfs-lc-init     # $0 of the container's shell
WORKDIR=            # /tmp/cfs-lifecycle.XXXXXX: the bundle (runc's private --root: /run/cfs-lc-runc)

# The status field of `runc state`, or "not found" when runc no longer knows the container.
status() {
  local out
  if out=$(runc::cmd state "$ID" 2>&1); then
    sed -n 's/^ *"status": *"\([a-z]*\)".*/\1/p' <<<"$out"
  elif [[ $out == *"does not exist"* ]]; then
    echo "not found"
  else
    die "runc state $ID failed: $out"
  fi
}

# The value the container's counter last wrote (0 before it ever ran).
count() { cat "$WORKDIR/bundle/rootfs/tmp/count" 2>/dev/null || echo 0; }

# Did the counter move during 0.5 s?
moves() {
  local before
  before=$(count)
  sleep 0.5
  common::yes_no test "$(count)" != "$before"
}

make_bundle() {
  local b=$WORKDIR/bundle
  # A counter that writes 1, 2, 3... to /tmp/count every 0.1 s; the rootfs is writable, so the
  # host reads the count at $b/rootfs/tmp/count.
  # shellcheck disable=SC2016 # the container's shell expands $i
  runc::bundle "$b" "$ID" sh -c 'i=0; while :; do i=$((i+1)); echo $i >/tmp/count; sleep 0.1; done' "$TAG"
  runc::config "$b" '.root.readonly = false'
}

main() {
  common::require_root
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd pgrep procps
  if [[ $(cgroup::mode) == v2 ]]; then
    # Only non-root cgroups have cgroup.freeze, so the kernel's version is the test (Linux 5.2).
    local major minor
    IFS=. read -r major minor _ <<<"$(uname -r)"
    ((major > 5 || (major == 5 && minor >= 2))) \
      || die "this kernel ($(uname -r)) has no cgroup v2 freezer (cgroup.freeze came with Linux 5.2): runc pause needs it."
  else
    cgroup::_v1_hier freezer >/dev/null || die "this host has no cgroup v1 freezer hierarchy: runc pause needs one."
  fi
  ! cgroup::exists "$ID" || die "the cgroup $ID exists already (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  local root
  root=$(runc::root lc)
  [[ ! -e $root ]] || die "$root exists already (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  common::tmpdir WORKDIR lifecycle
  make_bundle
  cleanup::push "cgroup::remove $ID"
  runc::use_root lc

  log::info "runc --root $RUNC_ROOT create --bundle $WORKDIR/bundle $ID"
  runc::cmd create --bundle "$WORKDIR/bundle" "$ID" </dev/null >/dev/null
  echo "runc state after create: $(status)"
  echo "processes running the container's command after create: $(pgrep -c -f -- "$TAG" || true)"
  echo "the container's cgroup exists after create: $(common::yes_no cgroup::exists "$ID")"

  log::info "runc start $ID"
  runc::cmd start "$ID"
  common::wait_until 5 "the counter to write" "(( \$(count) > 0 ))"
  echo "runc state after start: $(status)"
  echo "processes running the container's command after start: $(pgrep -c -f -- "$TAG" || true)"
  echo "counter moves while running: $(moves)"

  log::info "runc pause $ID (the cgroup freezer, $(cgroup::mode))"
  runc::cmd pause "$ID"
  echo "runc state after pause: $(status)"
  echo "cgroup freezer after pause: $(cgroup::freezer_state "$ID")"
  echo "counter moves while paused: $(moves)"

  log::info "runc resume $ID"
  runc::cmd resume "$ID"
  echo "runc state after resume: $(status)"
  echo "cgroup freezer after resume: $(cgroup::freezer_state "$ID")"
  echo "counter moves after resume: $(moves)"

  log::info "runc kill $ID KILL"
  runc::cmd kill "$ID" KILL
  common::wait_until 5 "the container to stop" "[[ \$(status) == stopped ]]" || true
  echo "runc state after kill: $(status)"
  echo "processes running the container's command after kill: $(pgrep -c -f -- "$TAG" || true)"
  echo "the container's cgroup exists after kill: $(common::yes_no cgroup::exists "$ID")"

  log::info "runc delete $ID"
  runc::cmd delete "$ID"
  echo "runc state after delete: $(status)"
  echo "the container's cgroup exists after delete: $(common::yes_no cgroup::exists "$ID")"
  echo "runc's state folder for $ID exists after delete: $(common::yes_no test -d "$RUNC_ROOT/$ID")"
}
main "$@"
