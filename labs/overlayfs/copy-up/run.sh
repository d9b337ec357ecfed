#!/usr/bin/env bash
# Copy-up: the first write to a file that lives in a lower layer copies the WHOLE file into
# upper, however small the write; later writes go to that copy. Opening for write (without
# writing) and chmod copy up too. With metacopy=on, chmod copies only the metadata: the upper
# file has the full size but no data blocks until the data is written. Evidence: sizes, block
# counts and the space used on the upper tmpfs, never timings.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/overlay.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/overlay.sh"

SIZE_MIB=8 # the size of the big lower files (small: the CI VM emulates the CPU)

# KiB used on the file system holding $1 (total minus free blocks, in KiB).
used_kib() { stat -f -c '%b %f %S' "$1" | awk '{ print ($1 - $2) * $3 / 1024 }'; }
# KiB of data blocks allocated to file $1 (st_blocks counts 512-byte units).
blocks_kib() { echo $(($(stat -c %b "$1") / 2)); }

# Make a lower file of $SIZE_MIB MiB (zeros: still data blocks, not holes).
make_big() { head -c "$((SIZE_MIB * 1024 * 1024))" /dev/zero >"$1"; }
# Succeed when file $2 carries the xattr $1.
has_xattr() { getfattr --absolute-names -n "$1" -- "$2" >/dev/null 2>&1; }

full_copy() {
  local fs=$1 before after
  mkdir -p "$fs"/{lower,upper,work,merged}
  make_big "$fs/lower/big"
  make_big "$fs/lower/other"
  echo "lower file" >"$fs/lower/small"
  overlay::mount -o metacopy=off "$fs/merged" "$fs/upper" "$fs/work" "$fs/lower"
  echo "upper holds big before any write: $(common::yes_no test -e "$fs/upper/big")"

  before=$(used_kib "$fs")
  log::info "printf x >> merged/big  (a one-byte append to a ${SIZE_MIB} MiB lower file)"
  printf x >>"$fs/merged/big"
  after=$(used_kib "$fs")
  echo "after a one-byte append, upper holds big: $(common::yes_no test -f "$fs/upper/big")"
  echo "upper/big size = lower size + 1: $(common::yes_no test "$(stat -c %s "$fs/upper/big")" -eq $(($(stat -c %s "$fs/lower/big") + 1)))"
  echo "upper/big has data blocks for the whole file: $(common::yes_no test "$(blocks_kib "$fs/upper/big")" -ge $((SIZE_MIB * 1024)))"
  echo "space used on the upper file system grew by at least ${SIZE_MIB} MiB: $(common::yes_no test $((after - before)) -ge $((SIZE_MIB * 1024)))"
  echo "lower/big is unchanged (no x at its end): $(common::yes_no test "$(tail -c 1 "$fs/lower/big")" != x)"

  before=$(used_kib "$fs")
  log::info "printf y >> merged/big  (the second write)"
  printf y >>"$fs/merged/big"
  after=$(used_kib "$fs")
  echo "the second write grew used space by less than 1 MiB: $(common::yes_no test $((after - before)) -lt 1024)"

  log::info "open merged/small for writing and close it without writing"
  : 1<>"$fs/merged/small"
  echo "opening small for writing (no write) copied it up: $(common::yes_no test -f "$fs/upper/small")"

  log::info "chmod 600 merged/other  (metacopy=off)"
  chmod 600 "$fs/merged/other"
  echo "without metacopy, chmod copied other up with all its data blocks: $(common::yes_no test "$(blocks_kib "$fs/upper/other")" -ge $((SIZE_MIB * 1024)))"
}

meta_copy() {
  local fs=$1
  mkdir -p "$fs"/{lower,upper,work,merged}
  make_big "$fs/lower/big"
  # overlayfs.rst: redirect_dir=off|nofollow|follow conflict with metacopy=on; ask for both.
  overlay::mount -o metacopy=on,redirect_dir=on "$fs/merged" "$fs/upper" "$fs/work" "$fs/lower"
  log::info "chmod 600 merged/big  (metacopy=on)"
  chmod 600 "$fs/merged/big"
  echo "with metacopy=on, after chmod upper holds big: $(common::yes_no test -f "$fs/upper/big")"
  echo "its size is the full size: $(common::yes_no test "$(stat -c %s "$fs/upper/big")" -eq "$(stat -c %s "$fs/lower/big")")"
  echo "its data blocks (KiB): $(blocks_kib "$fs/upper/big")"
  echo "it carries the xattr trusted.overlay.metacopy: $(common::yes_no has_xattr trusted.overlay.metacopy "$fs/upper/big")"
  echo "reading merged/big returns the lower data: $(common::yes_no cmp -s "$fs/merged/big" "$fs/lower/big")"
  echo "merged/big has mode: $(stat -c %a "$fs/merged/big")"
  log::info "printf x >> merged/big  (now the data is copied up)"
  printf x >>"$fs/merged/big"
  echo "after a write, upper/big has data blocks for the whole file: $(common::yes_no test "$(blocks_kib "$fs/upper/big")" -ge $((SIZE_MIB * 1024)))"
  echo "and the metacopy xattr is gone: $(common::yes_no test "$(common::yes_no has_xattr trusted.overlay.metacopy "$fs/upper/big")" = no)"
}

main() {
  common::require_root
  common::require_cmd mount mount
  common::require_cmd getfattr attr
  common::require_kernel "overlayfs" /sys/module/overlay

  local dir
  common::tmpdir dir overlayfs-copy-up
  mkdir "$dir/full" "$dir/meta"
  overlay::tmpfs "$dir/full" 256m
  full_copy "$dir/full"

  local offered=no
  [[ -e /sys/module/overlay/parameters/metacopy ]] && offered=yes
  echo "this kernel offers metacopy (/sys/module/overlay/parameters/metacopy exists): $offered"
  if [[ $offered == yes ]]; then
    overlay::tmpfs "$dir/meta" 128m
    meta_copy "$dir/meta"
  else
    log::warn "without metacopy support (Linux < 4.19 or CONFIG_OVERLAY_FS_METACOPY unset), chmod copies the whole file."
  fi
}
main "$@"
