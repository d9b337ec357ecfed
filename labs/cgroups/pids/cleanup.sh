#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the fork bomb tagged cfs-pids-bomb (its unshare,
# whose death takes the whole PID namespace) and the cgroup cfs-pids.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

main() {
  common::require_root
  common::require_cmd pkill procps
  common::kill_tagged cfs-pids-bomb
  cgroup::remove cfs-pids
}
main "$@"
