#!/usr/bin/env bash
# Remove whatever run.sh left behind, even after a SIGKILL: exactly what lab.manifest declares.
# Safe to run twice, and on a host where run.sh never ran.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lab.sh"

PROFILE=cfs-apparmor-deny

main() {
  common::require_root
  cleanup::lab "$(dirname "${BASH_SOURCE[0]}")"
  # Not covered by cleanup::lab: lab.manifest has no key for AppArmor profiles (scripts/lab.sh
  # would need one). The profile file went with the temp folder, so unload it by name through
  # securityfs, which is what apparmor_parser --remove does too.
  local fs=/sys/kernel/security/apparmor
  if [[ -f $fs/profiles ]] && grep -q "^$PROFILE (" "$fs/profiles"; then
    printf '%s' "$PROFILE" >"$fs/.remove"
  fi
}
main "$@"
