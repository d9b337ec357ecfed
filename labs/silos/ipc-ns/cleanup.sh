#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the bind mount that pins its IPC namespace at
# /tmp/cfs-ipc-ns.*/ipc and the process tagged cfs-ipc-ns-init (with both gone, the namespace and
# every queue in it are freed), the private bind mount of the folder, then the folder.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

main() {
  common::require_root
  common::require_cmd mountpoint util-linux
  common::require_cmd pkill procps
  common::kill_tagged cfs-ipc-ns-init
  local dir
  for dir in /tmp/cfs-ipc-ns.*; do
    [[ -d $dir ]] || continue
    while mountpoint -q "$dir/ipc"; do
      log::info "umount $dir/ipc"
      umount "$dir/ipc"
    done
    while mountpoint -q "$dir"; do
      log::info "umount -l $dir"
      umount -l "$dir"
    done
    rm -rf --one-file-system -- "$dir"
  done
}
main "$@"
