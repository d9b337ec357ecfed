#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the process tagged cfs-uts-ns-init. It is the only
# member of its UTS namespace, so the namespace (and its hostname) goes with it.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

main() {
  common::require_root
  common::require_cmd pkill procps
  common::kill_tagged cfs-uts-ns-init
}
main "$@"
