#!/usr/bin/env bash
# Failure lab, break a mount: the two mount errors a runtime author meets first, in a mount
# namespace of the lab's own. pivot_root(2) refuses (EINVAL) a new root that is not a mount
# point, until a bind mount of the folder onto itself makes it one; umount(2) refuses (EBUSY) a
# file system a process still uses, and a lazy umount (-l) detaches it from the tree while the
# process goes on writing to it, out of everyone's sight.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

TAG=cfs-bm-ns # an argument of the namespace's shell, declared under tags: in lab.manifest

# The part that runs inside the new mount and PID namespaces (run.sh inside DIR TAG): it prints
# the facts. Its mounts are private: none of them reaches the host's mount table.
inside() {
  local dir=$1 err
  CFS_LOG_TAG=break-mount
  # A tmpfs under everything: then DIR/root is on a mount of its own, not the root's, whatever
  # the host's /tmp is (a plain folder on the root mount gets EBUSY from pivot_root instead).
  mount -t tmpfs -o size=4m cfs-bm-base "$dir"
  mkdir -p "$dir/root/old" "$dir/root/tmp" "$dir/mnt" "$dir/plain"

  log::info "pivot_root $dir/root $dir/root/old (a plain folder)"
  echo "$dir/root is a mount point: $(common::yes_no mountpoint -q "$dir/root")"
  err=$(pivot_root "$dir/root" "$dir/root/old" 2>&1) && err=succeeded || err=${err##*: }
  echo "pivot_root onto a plain folder: $err"

  log::info "umount of a tmpfs whose folder is the working directory of a process that writes a line every 0.1 s"
  mount -t tmpfs -o size=1m cfs-bm-tmpfs "$dir/mnt"
  echo kept >"$dir/mnt/data"
  (cd "$dir/mnt" && exec sh -c 'while :; do echo x >>log; sleep 0.1; done') &
  local user=$! lines
  common::wait_until 5 "the process to write in $dir/mnt" "[[ -s '$dir/mnt/log' ]]"
  err=$(umount "$dir/mnt" 2>&1) && err=succeeded || err=${err##*: }
  echo "umount while a process works in it: $err"
  echo "fuser -m lists that process: $(common::yes_no grep -qw "$user" <<<"$(fuser -m "$dir/mnt" 2>/dev/null)")"

  log::info "umount -l $dir/mnt: detach it now, free it when the last user lets go"
  umount -l "$dir/mnt"
  echo "umount -l: still in the mount table (findmnt): $(common::yes_no findmnt -n "$dir/mnt")"
  echo "the folder, seen by path, holds the file: $(common::yes_no test -e "$dir/mnt/data")"
  echo "the process still reads the file (through /proc/PID/cwd): $(cat "/proc/$user/cwd/data" 2>/dev/null || echo no)"
  lines=$(wc -l <"/proc/$user/cwd/log")
  sleep 0.5
  echo "the process went on writing its log after umount -l: $(common::yes_no test "$(wc -l <"/proc/$user/cwd/log")" -gt "$lines")"
  echo "its log, seen by path: $(common::yes_no test -e "$dir/mnt/log")"
  kill "$user"
  wait "$user" 2>/dev/null || true

  log::info "the fix for pivot_root: mount --bind $dir/root $dir/root"
  mount --bind "$dir/root" "$dir/root"
  echo "after mount --bind onto itself, $dir/root is a mount point: $(common::yes_no mountpoint -q "$dir/root")"
  cd "$dir/root"
  err=$(pivot_root . old 2>&1) && err=succeeded || err=${err##*: }
  echo "pivot_root onto the bind mount: $err"
  # From here on the root is the (empty) new one: builtins only.
  cd /
  echo "the old root, reachable under /old: $(if [[ -d /old/proc ]]; then echo yes; else echo no; fi)"
}

main() {
  if [[ ${1:-} == inside ]]; then
    shift
    inside "$1"
    return 0
  fi
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pivot_root util-linux
  common::require_cmd mountpoint util-linux
  common::require_cmd findmnt util-linux
  common::require_cmd fuser psmisc

  local dir
  common::tmpdir dir bm
  # The facts name the folder DIR: its random part would differ from run to run.
  log::info "unshare --mount --propagation private --pid --fork --kill-child --mount-proc"
  unshare --mount --propagation private --pid --fork --kill-child --mount-proc -- \
    bash "${BASH_SOURCE[0]}" inside "$dir" "$TAG" | sed -u "s|$dir|DIR|g"
  echo "mounts of DIR left in the host's mount table: $(findmnt -rn -o TARGET | grep -c "^$dir" || true)"
}
main "$@"
