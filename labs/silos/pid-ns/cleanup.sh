#!/usr/bin/env bash
# Remove anything run.sh may have left behind: namespace inits tagged cfs-pid-ns-init.
# Killing a namespace's init kills every process in that namespace.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

main() {
  common::require_root
  common::require_cmd pkill procps
  common::kill_tagged cfs-pid-ns-init
}
main "$@"
