#!/usr/bin/env bash
# IO controller: cap a cgroup's writes to one block device at 1 MiB/s and measure it. The device
# is a loop device over a file under /tmp/cfs-io.*, so the lab works whatever disks the host has.
# Writes use O_DIRECT: v1 blkio throttling never sees buffered writes (the page cache is written
# back later by kernel threads outside the cgroup); v2 io.max would also catch those, on ext4,
# xfs and btrfs, but direct IO is throttled the same way on both.
set -Eeuo pipefail
# shellcheck source-path=SCRIPTDIR source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

CG=cfs-io
LIMIT=1048576 # bytes per second
BLOCK=65536   # one dd block: 64 KiB
BLOCKS=48     # 48 x 64 KiB = 3 MiB, about three seconds at the limit

# Detach a loop device and wait until it is gone: udev may still hold it open for a moment, and
# then the kernel only marks it for removal.
detach_loop() {
  local dev=$1 tries=100
  losetup -d "$dev" 2>/dev/null || true
  while losetup "$dev" >/dev/null 2>&1 && ((tries--)); do sleep 0.05; done
  ! losetup "$dev" >/dev/null 2>&1 || log::warn "$dev is still attached"
}

# Every loop device backed by FILE (none: nothing to do).
detach_loops_of() {
  local dev
  while read -r dev; do detach_loop "$dev"; done < <(losetup -n -O NAME -j "$1")
}

# Print the current time in microseconds.
now_us() { echo $(($(date +%s%N) / 1000)); }

# Write $BLOCKS blocks to DEV with O_DIRECT, optionally inside a cgroup; print the elapsed
# microseconds.
timed_write() {
  local dev=$1 cg=${2:-} start end
  start=$(now_us)
  if [[ -n $cg ]]; then
    cgroup::exec "$cg" dd if=/dev/zero of="$dev" bs="$BLOCK" count="$BLOCKS" oflag=direct status=none
  else
    dd if=/dev/zero of="$dev" bs="$BLOCK" count="$BLOCKS" oflag=direct status=none
  fi
  end=$(now_us)
  echo $((end - start))
}

main() {
  common::require_root
  common::require_cmd losetup mount
  common::require_cmd dd coreutils
  common::require_cmd truncate coreutils
  common::require_kernel "loop devices" /dev/loop-control
  cgroup::available io || die "this kernel has no io (blkio) cgroup controller."

  local dir loop dev
  common::tmpdir dir io
  truncate -s 64M "$dir/disk.img"
  # The undo first, by the file it backs: a signal that lands while losetup runs must not leave
  # the loop device behind.
  cleanup::push "detach_loops_of '$dir/disk.img'"
  loop=$(losetup --find --show "$dir/disk.img")
  dev=$(cat "/sys/class/block/${loop##*/}/dev")
  log::info "attached $dir/disk.img as $loop (device $dev)"
  echo "loop device major number (the loop driver): ${dev%%:*}"

  cleanup::push "cgroup::remove $CG"
  cgroup::create "$CG" io
  cgroup::set_io_wbps "$CG" "$dev" "$LIMIT"
  log::info "limited writes by $CG to $dev at $LIMIT bytes/s"

  local bytes=$((BLOCK * BLOCKS)) us rate
  log::info "writing $((bytes / 1048576)) MiB with O_DIRECT inside $CG"
  us=$(timed_write "$loop" "$CG")
  rate=$((bytes * 1000000 / us)) # bytes per second
  log::info "throttled: $us us, $rate bytes/s"
  echo "measured write rate within 1 MiB/s +-30%: $(common::yes_no test $((rate * 10)) -ge $((LIMIT * 7)) -a $((rate * 10)) -le $((LIMIT * 13)))"
  echo "the cgroup's IO statistics count the 3 MiB written: $(common::yes_no test "$(cgroup::io_wbytes "$CG" "$dev")" -ge "$bytes")"

  log::info "writing the same $((bytes / 1048576)) MiB outside the cgroup"
  us=$(timed_write "$loop")
  rate=$((bytes * 1000000 / us))
  log::info "unthrottled: $us us, $rate bytes/s"
  echo "unthrottled write is faster than the limit: $(common::yes_no test $((rate * 10)) -gt $((LIMIT * 13)))"

}
main "$@"
