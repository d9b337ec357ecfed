#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the unshare and namespace init tagged
# cfs-just-a-process-init. Killing a PID namespace's init kills every process in it.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

main() {
  common::require_root
  common::require_cmd pkill procps
  common::kill_tagged cfs-just-a-process-init
}
main "$@"
