#!/usr/bin/env bash
# <Topic>: <one sentence saying what this lab shows>.
# Copy this folder to labs/<topic>/<lab>/, then replace every <…>. See CONTRIBUTING.md.
set -Eeuo pipefail
# shellcheck source=../../scripts/common.sh # in labs/<topic>/<lab>/ this is ../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

main() {
  common::require_root                       # first: refuse before changing anything
  common::require_cmd unshare util-linux     # every command, with its Debian/Ubuntu package

  # Create something, then at once register its undo (everything is named cfs-…):
  #   ip netns add cfs-<lab>
  #   cleanup::push "ip netns delete cfs-<lab> 2>/dev/null || true"

  log::info "narration goes to stderr"
  echo "a deterministic fact: yes"            # stdout: only facts, exactly expected-output.txt
}
main "$@"
