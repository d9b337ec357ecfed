#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the cgroup cfs-memory and any process still in it.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

main() {
  common::require_root
  cgroup::remove cfs-memory
}
main "$@"
