#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# scripts/rootfs.sh: a BusyBox rootfs made from the host's busybox-static, that a shell runs in.

load ../helpers

setup_file() { lab::lock; }

rootfs() { bash -c 'set -Eeuo pipefail; source "$REPO_ROOT/scripts/common.sh"; source "$REPO_ROOT/scripts/rootfs.sh"; "$@"' rootfs "$@"; }

@test "rootfs::busybox makes a rootfs in which /bin/sh runs and finds its applets" {
  requires root
  local dir=$BATS_TEST_TMPDIR/rootfs
  run --separate-stderr rootfs rootfs::busybox "$dir"
  assert_success
  # shellcheck disable=SC2016 # the rootfs's shell expands these
  run chroot "$dir" /bin/sh -c 'echo "$(id -u) $(ls /bin/ls) $(cat /etc/passwd | head -n 1)"'
  assert_success
  assert_output "0 /bin/ls root:x:0:0:root:/root:/bin/sh"
}

@test "rootfs::busybox refuses a folder that is not empty" {
  mkdir -p "$BATS_TEST_TMPDIR/full" && touch "$BATS_TEST_TMPDIR/full/x"
  run --separate-stderr rootfs rootfs::busybox "$BATS_TEST_TMPDIR/full"
  assert_failure
  [[ $stderr == *"is not empty"* ]] || fail "stderr: $stderr"
}

@test "rootfs::busybox names busybox-static when the host's busybox is missing or dynamic" {
  requires root
  ROOTFS_BUSYBOX=/nonexistent run --separate-stderr rootfs rootfs::busybox "$BATS_TEST_TMPDIR/a"
  assert_failure
  [[ $stderr == *"apt-get install busybox-static"* ]] || fail "stderr: $stderr"
  ROOTFS_BUSYBOX=/bin/bash run --separate-stderr rootfs rootfs::busybox "$BATS_TEST_TMPDIR/b"
  assert_failure
  [[ $stderr == *"does not run without the host's libraries"* ]] || fail "stderr: $stderr"
}

@test "rootfs::pivot makes the rootfs / of a new mount namespace, with its own /proc and nothing of the host" {
  requires root
  local dir=$BATS_TEST_TMPDIR/rootfs
  rootfs rootfs::busybox "$dir"
  printf 'outside\n' >"$BATS_TEST_TMPDIR/outside.txt"
  # shellcheck disable=SC2016 # expanded by the inner bash
  run --separate-stderr unshare --mount --pid --fork bash -c 'set -Eeuo pipefail
    source "$1/scripts/common.sh"; source "$1/scripts/rootfs.sh"
    rootfs::pivot "$2" "$3"
    exec /bin/sh -c "test -e $4 && echo outside-visible; cut -d\" \" -f2 /proc/self/mounts | sort | paste -sd\" \"; echo pid=\$\$"' \
    pivot "$REPO_ROOT" "$dir" "$(readlink /proc/self/ns/mnt)" "$BATS_TEST_TMPDIR/outside.txt"
  assert_success
  assert_output $'/ /proc\npid=1'
  run mountpoint -q "$dir"
  assert_failure
}

@test "rootfs::pivot refuses to run in the host's mount namespace and changes nothing" {
  local before
  before=$(cat /proc/self/mountinfo)
  run --separate-stderr rootfs rootfs::pivot "$BATS_TEST_TMPDIR/none" "$(readlink /proc/self/ns/mnt)"
  assert_failure
  [[ $stderr == *"still in the host's mount namespace"* ]] || fail "stderr: $stderr"
  [[ $(cat /proc/self/mountinfo) == "$before" ]] || fail "the mount table changed"
}
