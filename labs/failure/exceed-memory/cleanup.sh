#!/usr/bin/env bash
# Remove whatever run.sh left behind, even after a SIGKILL: the runtimes of its containers (tag
# cfs-em-: their PID 1 dies with them) and what lab.manifest declares, then the runtime's own
# prune for what the containers left (cgroups, state folders), which cleanup::lab does not know.
# Safe to run twice, and on a host where run.sh never ran.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lab.sh"

main() {
  common::require_root
  cleanup::lab "$(dirname "${BASH_SOURCE[0]}")"
  "$CFS_REPO_ROOT/scripts/mini-container.sh" prune
}
main "$@"
