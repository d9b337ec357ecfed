#!/usr/bin/env bash
# Remove whatever run.sh left behind, even after a SIGKILL: first every container of the lab's
# private runc root (runc kills, thaws and deletes them, with their cgroups), then exactly what
# lab.manifest declares. Safe to run twice, and on a host where run.sh never ran.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lab.sh"
# shellcheck source=../../../scripts/runc.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/runc.sh"

main() {
  common::require_root
  # runc's own teardown first: cleanup::lab knows cgroups and folders, not runc's state.
  runc::cleanup "$(runc::root strace-create)" || true
  cleanup::lab "$(dirname "${BASH_SOURCE[0]}")"
}
main "$@"
