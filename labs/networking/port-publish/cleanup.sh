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
  # Before cleanup::lab: it removes the state folder once it holds nothing it knows of.
  local state
  state=$(state::dir_of "$(lab::id "$(dirname "${BASH_SOURCE[0]}")")")
  cleanup::lab "$(dirname "${BASH_SOURCE[0]}")"
  # Not covered by cleanup::lab: iptables-nft made the host's "table ip nat" and its OUTPUT and
  # POSTROUTING base chains when the lab first used them; the markers say which were ours.
  if [[ -d $state ]]; then netns::undo_host_tables "$state"; fi
}
main "$@"
