#!/usr/bin/env bash
# Remove anything run.sh may have left behind: the busy loop tagged cfs-cpu-busy and the cgroup
# cfs-cpu (cgroup::remove also kills whatever is still inside it).
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

main() {
  common::require_root
  common::require_cmd pkill procps
  common::kill_tagged cfs-cpu-busy
  cgroup::remove cfs-cpu
}
main "$@"
