#!/usr/bin/env bash
# Remove whatever an interrupted run.sh left behind: only things named cfs-<lab>…
# Safe to run twice, and when run.sh never ran.
set -Eeuo pipefail
# shellcheck source=../../scripts/common.sh # in labs/<topic>/<lab>/ this is ../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

main() {
  common::require_root
  #   ip netns delete cfs-<lab> 2>/dev/null || true
  #   common::kill_tagged cfs-<lab>-init
}
main "$@"
