#!/usr/bin/env bash
# Remove anything run.sh may have left behind: processes tagged cfs-user-ns-*, the user
# cfs-userns (with its group) and its line in /etc/subuid and /etc/subgid, /tmp/cfs-user-ns.*.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

USERNS_USER=$(common::name userns)

# Drop every "cfs-userns:..." line from FILE, keeping the file itself in place.
drop_subid_lines() {
  local file=$1 rest
  [[ -f $file ]] && grep -q "^$USERNS_USER:" "$file" || return 0
  rest=$(grep -v "^$USERNS_USER:" "$file" || true)
  if [[ -n $rest ]]; then printf '%s\n' "$rest" >"$file"; else : >"$file"; fi
}

main() {
  common::require_root
  common::require_cmd pkill procps
  common::kill_tagged cfs-user-ns-
  if getent passwd "$USERNS_USER" >/dev/null; then
    pkill -KILL -u "$USERNS_USER" 2>/dev/null || true
    sleep 0.2
    userdel "$USERNS_USER"
  fi
  if getent group "$USERNS_USER" >/dev/null; then
    groupdel "$USERNS_USER"
  fi
  drop_subid_lines /etc/subuid
  drop_subid_lines /etc/subgid
  rm -rf /tmp/cfs-user-ns.*
}
main "$@"
