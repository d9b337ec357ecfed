#!/usr/bin/env bash
# bench.sh (npm run bench, as root): how long `/bin/true` takes in a container, side by side in one
# run, all in the same BusyBox rootfs (the mini-container's cache):
#   mini-container          scripts/mini-container.sh run -- /bin/true
#   mini-container --net    the same with --net bridge (veth, address, route)
#   runc                    runc run, from a bundle whose root is that rootfs (a private --root)
#   unshare+chroot          unshare of the same namespaces and chroot: the floor
# hyperfine (Debian package hyperfine) measures; the script prints each median and its ratio to
# runc's. Runs: BENCH_RUNS (30), after BENCH_WARMUP (3).
set -Eeuo pipefail
# shellcheck source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"

RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
MC=$CFS_REPO_ROOT/scripts/mini-container.sh
ROOTFS=/var/cache/cfs-mc-rootfs

main() {
  common::require_root
  common::require_cmd hyperfine hyperfine
  common::require_cmd runc runc
  common::require_cmd jq jq
  common::require_cmd unshare util-linux
  # The rootfs, built once by the runtime itself (and a check that it works at all).
  "$MC" run -- /bin/true || die "mini-container cannot run /bin/true here: see its message above."

  local dir
  dir=$(mktemp -d /run/cfs-bench.XXXXXX)
  cleanup::push "rm -rf -- '$dir'"
  mkdir -p "$dir/bundle" "$dir/state"
  # runc's default spec, with the shared rootfs read-only and /bin/true as the process.
  (cd "$dir/bundle" && runc spec)
  jq --arg root "$ROOTFS" '.root = {path: $root, readonly: true} | .process.args = ["/bin/true"]
    | .process.terminal = false' "$dir/bundle/config.json" >"$dir/bundle/config.json.new"
  mv "$dir/bundle/config.json.new" "$dir/bundle/config.json"
  cleanup::push "runc --root '$dir/state' delete -f cfs-bench 2>/dev/null || true"

  log::info "hyperfine: $RUNS runs each after $WARMUP warm-up runs"
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$dir/results.json" \
    -n mini-container "$MC run -- /bin/true" \
    -n "mini-container --net bridge" "$MC run --net bridge -- /bin/true" \
    -n runc "runc --root $dir/state run --bundle $dir/bundle cfs-bench" \
    -n unshare+chroot "unshare --mount --uts --ipc --net --pid --fork chroot $ROOTFS /bin/true" >&2

  jq -r '(.results[] | select(.command == "runc") | .median) as $runc
    | "median of \(.results[0].times | length) runs, and ratio to runc:",
      (.results[] | "  \(.command | . + " " * (28 - length)) \(.median * 1000 | . * 10 | round / 10) ms  \(.median / $runc * 100 | round / 100)x")' \
    "$dir/results.json"
}
main "$@"
