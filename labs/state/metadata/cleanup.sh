#!/usr/bin/env bash
# Remove whatever run.sh left behind, even after a SIGKILL: runc first tears down the containers
# of the lab's private state root, then exactly what lab.manifest declares.
# Safe to run twice, and on a host where run.sh never ran.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lab.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

main() {
  common::require_root
  # Not covered by cleanup::lab: runc's state root, /run/cfs-md-runc (runc.sh's convention).
  runc::cleanup "$(runc::root md)" || true
  cleanup::lab "$(dirname "${BASH_SOURCE[0]}")"
}
main "$@"
