#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the socat listeners tagged cfs-net-ns-* and the
# network namespace cfs-netns.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

main() {
  common::require_root
  common::require_cmd pgrep procps
  common::require_cmd ip iproute2
  common::kill_tagged cfs-net-ns-
  netns::delete "$(common::name netns)"
}
main "$@"
