#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the cgroup cfs-io (killing any writer still in
# it), loop devices backed by a file under /tmp/cfs-io.*, and those directories.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

main() {
  common::require_root
  common::require_cmd losetup mount
  cgroup::remove cfs-io || true
  local dev file
  # "/dev/loop0 /tmp/cfs-io.Ab12Cd/disk.img" (a deleted file gets " (deleted)" appended).
  while read -r dev file; do
    [[ $file == /tmp/cfs-io.*/disk.img* ]] || continue
    log::info "detaching $dev ($file)"
    losetup -d "$dev" 2>/dev/null || true
  done < <(losetup -l -n -O NAME,BACK-FILE 2>/dev/null)
  local dir
  for dir in /tmp/cfs-io.*; do
    [[ -d $dir ]] && rm -rf -- "$dir"
  done
  return 0
}
main "$@"
