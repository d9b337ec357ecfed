#!/usr/bin/env bash
# bench.sh (npm run bench, as root): how long `/bin/true` takes in a container, side by side in one
# run, all in the same BusyBox rootfs (the mini-container's cache):
#   mini-container                scripts/mini-container.sh run -- /bin/true
#   mini-container --net bridge   the same with --net bridge (veth, address, route), while another
#                                 container keeps the bridge up: the steady state of a host that
#                                 runs containers (as docker0 is always there)
#   runc                          runc run, from a bundle whose root is that rootfs (a private --root)
#   pivot_root floor              what any runtime of this design pays: unshare of the same
#                                 namespaces, perl, an overlay, pivot_root, detach of the old root
#   unshare+chroot                unshare of the same namespaces and chroot: the bare floor
#   veth add+delete               a veth pair made and deleted (the delete waits for RCU grace
#                                 periods, whoever does it; mini-container leaves it to the kernel,
#                                 which deletes the pair in a worker when the container's network
#                                 namespace dies)
#   mini-container --net, cold    --net bridge with no other container: each run makes the bridge
#                                 and removes it again (last, since the bridge-keeper goes first)
# hyperfine (Debian package hyperfine) measures; the script prints each median and its ratio to
# runc's. Runs: BENCH_RUNS (30), after BENCH_WARMUP (3).
set -Eeuo pipefail
# shellcheck source=common.sh
source "${BASH_SOURCE[0]%/*}/common.sh"

RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
MC=$CFS_REPO_ROOT/scripts/mini-container.sh
ROOTFS=$CFS_MC_ROOTFS
KEEPER=cfs-bench-bridge-keeper

# The floor of this design, in Perl as MC_INIT does it (same system calls, nothing else): mount
# the overlay, pivot_root into it, detach the old root, exec /bin/true.
# shellcheck disable=SC2016 # Perl, not bash
FLOOR_PL='my ($m, $o) = @ARGV; my ($src, $type, $dot) = ("cfs-bench", "overlay", ".");
syscall(165, $src, $m, $type, 0, $o) == 0 or die "mount: $!\n";
chdir $m or die; syscall(155, $dot, $dot) == 0 or die "pivot_root: $!\n";
syscall(166, $dot, 2) == 0 or die "umount2: $!\n"; chdir "/"; exec "/bin/true" or die "exec: $!\n";'

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
  mkdir -p "$dir/bundle" "$dir/state" "$dir/upper" "$dir/work" "$dir/merged"
  # runc's default spec, with the shared rootfs read-only and /bin/true as the process.
  (cd "$dir/bundle" && runc spec)
  jq --arg root "$ROOTFS" '.root = {path: $root, readonly: true} | .process.args = ["/bin/true"]
    | .process.terminal = false' "$dir/bundle/config.json" >"$dir/bundle/config.json.new"
  mv "$dir/bundle/config.json.new" "$dir/bundle/config.json"
  cleanup::push "runc --root '$dir/state' delete -f cfs-bench 2>/dev/null || true"

  # The bridge-keeper: a detached container on the bridge for the warm --net runs.
  cleanup::push "'$MC' rm -f $KEEPER >/dev/null 2>&1 || true"
  "$MC" run -d --name "$KEEPER" --net bridge -- sleep 3600 >/dev/null

  local ns=(unshare --mount --uts --ipc --net --pid --fork)
  printf 'link add cfs-bench-v0 type veth peer name cfs-bench-v1\nlink delete cfs-bench-v0\n' >"$dir/veth.batch"
  cleanup::push "ip link delete cfs-bench-v0 2>/dev/null || true"
  log::info "hyperfine: $RUNS runs each after $WARMUP warm-up runs"
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$dir/results.json" \
    --prepare true --prepare true --prepare true --prepare true --prepare true --prepare true \
    --prepare "bash -c '\"$MC\" rm -f $KEEPER >/dev/null 2>&1 || true'" \
    -n mini-container "$MC run -- /bin/true" \
    -n "mini-container --net bridge" "$MC run --net bridge -- /bin/true" \
    -n runc "runc --root $dir/state run --bundle $dir/bundle cfs-bench" \
    -n "pivot_root floor" "${ns[*]} perl -e '$FLOOR_PL' $dir/merged lowerdir=$ROOTFS,upperdir=$dir/upper,workdir=$dir/work" \
    -n unshare+chroot "${ns[*]} chroot $ROOTFS /bin/true" \
    -n "veth add+delete" "ip -batch $dir/veth.batch" \
    -n "mini-container --net, cold" "$MC run --net bridge -- /bin/true" >&2

  local load day host cpus kernel
  read -r load _ </proc/loadavg
  day=$(date -u +%F)
  host=$(hostname)
  cpus=$(nproc)
  kernel=$(uname -r)
  printf 'measured %s on %s (%s CPUs, kernel %s, load average %s)\n' "$day" "$host" "$cpus" "$kernel" "$load"
  jq -r '(.results[] | select(.command == "runc") | .median) as $runc
    | "median of \(.results[0].times | length) runs, its ratio to runc'"'"'s, the fastest run, and the CPU time (user + system) of a run:",
      (.results[] | "  \(.command | . + " " * (28 - length)) \(.median * 1000 | . * 10 | round / 10) ms  \(.median / $runc * 100 | round / 100)x  min \(.min * 1000 | . * 10 | round / 10) ms  cpu \((.user + .system) * 1000 | . * 10 | round / 10) ms")' \
    "$dir/results.json"
}
main "$@"
