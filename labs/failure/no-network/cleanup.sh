#!/usr/bin/env bash
# Remove whatever run.sh left behind, even after a SIGKILL: exactly what lab.manifest declares.
# Safe to run twice, and on a host where run.sh never ran.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lab.sh"

main() {
  common::require_root
  cleanup::lab "$(dirname "${BASH_SOURCE[0]}")"
}
main "$@"
