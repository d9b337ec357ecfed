#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the namespace processes tagged cfs-mount-ns-init,
# every mount under /tmp/cfs-mount-ns.* (deepest first, lazily), then those directories.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

# Print the mount points at or under $1, deepest (last mounted) first.
mounts_under() {
  findmnt -rn -o TARGET | awk -v dir="$1" '$0 == dir || index($0, dir "/") == 1' | tac
}

main() {
  common::require_root
  common::require_cmd pkill procps
  common::require_cmd findmnt util-linux
  common::kill_tagged cfs-mount-ns-init
  local dir target tries
  for dir in /tmp/cfs-mount-ns.*; do
    [[ -d $dir ]] || continue
    # A mount point can carry a stack of mounts: go on until nothing is left under $dir.
    for ((tries = 0; tries < 20; tries++)); do
      target=$(mounts_under "$dir" | head -n 1)
      [[ -n $target ]] || break
      log::info "umount -l $target"
      umount -l "$target"
    done
    rm -rf --one-file-system -- "$dir"
  done
}
main "$@"
