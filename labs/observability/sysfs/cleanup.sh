#!/usr/bin/env bash
# Remove whatever run.sh left behind, even after a SIGKILL: the runtime it started (tag cfs-sfs-)
# and what lab.manifest declares, then the runtime's own prune for its container (its cgroup and
# state folder are named by a random id, which no manifest can declare).
# Safe to run twice, and on a host where run.sh never ran.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lab.sh"

main() {
  common::require_root
  cleanup::lab "$(dirname "${BASH_SOURCE[0]}")"
  "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/mini-container.sh" prune
}
main "$@"
