#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the process tagged cfs-ns-lifetime-member, the
# network namespace cfs-ns-lifetime, the probe veth cfs-lt-host (its peer goes with it) and
# /tmp/cfs-ns-lifetime.* with the namespace bind mount inside it.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

main() {
  common::require_root
  common::require_cmd pgrep procps
  common::require_cmd ip iproute2
  common::kill_tagged cfs-ns-lifetime-member
  netns::delete "$(common::name ns-lifetime)"
  local probe dir
  probe=$(common::name lt-host)
  if ip link show "$probe" >/dev/null 2>&1; then ip link delete "$probe"; fi
  for dir in /tmp/cfs-ns-lifetime.*; do
    [[ -d $dir ]] || continue
    umount -R "$dir/ns" 2>/dev/null || true
    rm -rf -- "$dir"
  done
}
main "$@"
