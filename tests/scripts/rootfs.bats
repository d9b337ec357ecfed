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
