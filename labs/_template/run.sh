#!/usr/bin/env bash
# <Topic>: <one sentence saying what this lab shows>.
# TEMPLATE: npm run new -- lab <topic>/<lab> --chapter <NN-part>/<NN-page> copies this folder: it
# TEMPLATE: fills in <topic> and <lab> and drops these TEMPLATE lines; write every other <…>.
set -Eeuo pipefail
# shellcheck source=../../scripts/common.sh # in labs/<topic>/<lab>/ this is ../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

TAG=cfs-<lab>-init # the $0 of the process it starts, declared under tags: in lab.manifest

main() {
  common::require_root                     # first: refuse before changing anything
  common::require_cmd unshare util-linux   # every command, with its package: as in lab.manifest's needs:
  common::require_cmd pgrep procps

  # Create something, then at once register its undo (everything is named cfs-…). Processes go
  # in a PID namespace of their own with --kill-child: killing $pid then ends all of them (killing
  # a shell alone would leave its children running, and the harness reports them as a leak).
  log::info "unshare --pid --fork --kill-child sh -c 'sleep 300' $TAG"   # narration goes to stderr
  unshare --pid --fork --kill-child sh -c 'sleep 300' "$TAG" &
  local pid=$!
  cleanup::push "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null || true"
  common::wait_until 5 "the process tagged $TAG" "pgrep -f -- '$TAG' >/dev/null"

  # stdout: only facts computed from what you observed, exactly expected-output.txt.
  echo "processes tagged $TAG: $(pgrep -c -f -- "$TAG")"
}
main "$@"
