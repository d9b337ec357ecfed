#!/usr/bin/env bash
# record-verified.sh: merge one TAP run of the lab suite into labs/verified-on.json.
#   scripts/vm/record-verified.sh ENV TAP [KERNEL] [CGROUP]
#   ENV     the environment's name: host, vm, ...
#   TAP     the bats --tap output of tests/labs.bats
#   KERNEL  default: uname -r here; CGROUP (v2 or v1/hybrid) default: what /sys/fs/cgroup is here
# A lab counts as verified in ENV when all its tests passed there; see record-verified.mjs.
set -Eeuo pipefail

main() {
  (($# >= 2)) || { echo "usage: $0 ENV TAP [KERNEL] [CGROUP]" >&2; exit 2; }
  local args=(--env "$1" --tap "$2")
  [[ -n ${3:-} ]] && args+=(--kernel "$3")
  [[ -n ${4:-} ]] && args+=(--cgroup "$4")
  command -v node >/dev/null || { echo "record-verified.sh: node is missing (apt-get install nodejs)" >&2; exit 1; }
  exec node "$(dirname "${BASH_SOURCE[0]}")/record-verified.mjs" "${args[@]}"
}
main "$@"
