#!/usr/bin/env bash
# OverlayFS by hand: two lower folders, an upper and a work folder, merged at one mount point.
# Reads fall through to the lowers (the leftmost lower wins), a write copies the file up and
# leaves the lower untouched, a new file lands in upper, and the workdir must share upper's
# file system. Everything lives on a tmpfs inside /tmp/cfs-overlayfs-basic.*.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/overlay.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/overlay.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

# The options of the overlay mounted at $1, as /proc/self/mountinfo lists them.
mount_options() { findmnt -n -o OPTIONS --mountpoint "$1"; }
# Succeed when the overlay at $1 lists its lowers (top first), an upperdir and a workdir.
options_name_layers() {
  local o
  o=$(mount_options "$1")
  [[ $o == *lowerdir=lower1:lower2* && $o == *upperdir=* && $o == *workdir=* ]]
}
# The names in folder $1, sorted, on one line.
names() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort | paste -sd ' '; }

main() {
  common::require_root
  common::require_cmd mount mount
  common::require_cmd findmnt util-linux
  common::require_cmd mountpoint util-linux
  common::require_cmd chroot coreutils
  common::require_cmd busybox busybox-static
  common::require_kernel "overlayfs" /sys/module/overlay

  local dir
  common::tmpdir dir overlayfs-basic
  mkdir "$dir/fs"
  overlay::tmpfs "$dir/fs"
  cd "$dir/fs"
  mkdir -p lower1/etc lower2/etc upper work merged
  echo "motd from lower1" >lower1/etc/motd
  echo "motd from lower2" >lower2/etc/motd
  echo "only lower2 has me" >lower2/etc/issue
  cp lower1/etc/motd "$dir/motd.orig"

  overlay::mount merged upper work lower1 lower2
  echo "merged is a mount of type: $(findmnt -n -o FSTYPE --mountpoint merged)"
  echo "mount options name lowerdir, upperdir and workdir: $(common::yes_no options_name_layers merged)"
  echo "merged/etc lists: $(names merged/etc)"
  echo "merged/etc/motd reads: $(cat merged/etc/motd)"
  echo "merged/etc/issue (only in lower2) reads: $(cat merged/etc/issue)"
  echo "files in upper after the reads: $(find upper -mindepth 1 | wc -l)"

  log::info "echo 'a line from the container' >> merged/etc/motd"
  echo "a line from the container" >>merged/etc/motd
  echo "after a write, upper/etc/motd exists: $(common::yes_no test -f upper/etc/motd)"
  echo "upper/etc/motd holds the whole file (lower1's line too): $(common::yes_no grep -q 'motd from lower1' upper/etc/motd)"
  echo "lower1/etc/motd is unchanged: $(common::yes_no cmp -s lower1/etc/motd "$dir/motd.orig")"
  echo "merged/etc/motd has lines: $(wc -l <merged/etc/motd)"

  log::info "touch merged/new-file"
  touch merged/new-file
  echo "a new file lands in upper: $(common::yes_no test -f upper/new-file)"
  echo "and in a lower: $(common::yes_no test -e lower1/new-file -o -e lower2/new-file)"
  echo "the kernel made work/work for its own use: $(common::yes_no test -d work/work)"

  # upperdir and workdir on two different file systems: the kernel refuses the mount.
  mkdir other-fs upper2 merged2
  overlay::tmpfs "$dir/fs/other-fs" 1m
  mkdir other-fs/work
  log::info "mount -t overlay with workdir on another tmpfs than upperdir (expected to fail)"
  # The undo first (it does nothing where nothing is mounted): a signal while mount runs leaks nothing.
  cleanup::push "overlay::umount '$dir/fs/merged2'"
  if mount -t overlay cfs-overlay -o lowerdir=lower1,upperdir=upper2,workdir=other-fs/work merged2 2>/dev/null; then
    echo "mount with workdir on another file system than upperdir succeeds: yes"
  else
    echo "mount with workdir on another file system than upperdir succeeds: no"
  fi

  # A container's root: an image layer (a BusyBox rootfs) as the bottom lower, a private upper.
  log::info "a BusyBox rootfs as the bottom lower, lower1 above it, and a shell chrooted into the overlay"
  mkdir image upper3 work3 root
  rootfs::busybox "$dir/fs/image"
  overlay::mount root upper3 work3 lower1 image
  echo "a shell chrooted into the overlay reads /etc/motd: $(chroot root /bin/sh -c 'cat /etc/motd')"
  chroot root /bin/sh -c 'echo note >/root/note; rm /bin/vi'
  echo "what the shell wrote and deleted is only in upper: $(find upper3 -mindepth 1 -printf '%P\n' | sort | paste -sd ' ')"
  echo "the image layer still has /bin/vi: $(common::yes_no test -L image/bin/vi)"
}
main "$@"
