#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the cgroup tree cfs-hierarchy (killing every
# process still in it) and the sleeper tagged cfs-hierarchy-sleeper, should it be outside.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

main() {
  common::require_root
  common::require_cmd pkill procps
  common::kill_tagged cfs-hierarchy-sleeper
  cgroup::remove cfs-hierarchy || true
}
main "$@"
