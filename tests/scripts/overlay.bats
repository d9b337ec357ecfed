#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# shellcheck disable=SC2016 # the snippets given to ov are expanded by its own shell
# scripts/overlay.sh on real overlays: each test mounts a tmpfs under $BATS_TEST_TMPDIR/cfs-ovtest
# (the library only mounts below a folder named cfs-…), builds layers on it and checks what the
# functions did, as root. teardown unmounts whatever a failed test left.

load ../helpers

setup() {
  requires root
  T=$BATS_TEST_TMPDIR/cfs-ovtest
  mkdir -p "$T"
  mount -t tmpfs cfs-ovtest "$T"
  mkdir -p "$T"/{l1,l2,upper,work,merged}
}

teardown() {
  [[ -n ${T:-} ]] || return 0
  umount -R -l "$T" 2>/dev/null || true
}

# Run bash code with common.sh and overlay.sh sourced, as a lab would (its own traps and die).
ov() {
  run --separate-stderr bash -c 'set -Eeuo pipefail
    source "$REPO_ROOT/scripts/common.sh"; source "$REPO_ROOT/scripts/overlay.sh"
    T=$1; cd "$T"; eval "$2"' ov "$T" "$1"
}

mounted() { mountpoint -q "$T/merged"; }

@test "overlay::mount stacks the lowers leftmost on top, writes land in upper, and the cleanup stack unmounts it" {
  echo one >"$T/l1/f" && echo two >"$T/l2/f" && echo low >"$T/l2/only2"
  ov 'overlay::mount merged upper work l1 l2
      cat merged/f merged/only2; echo x >merged/new; mountpoint -q merged && echo mounted'
  assert_success
  assert_output $'one\nlow\nmounted'
  [[ -f $T/upper/new && ! -e $T/l1/new ]] || fail "the new file is not in upper only"
  ! mounted || fail "the overlay is still mounted after the script exited"
}

@test "overlay::mount passes extra options and makes a read-only overlay when UPPER and WORK are -" {
  echo one >"$T/l1/f"
  ov 'overlay::mount -o ro merged - - l1 l2
      grep " $T/merged " /proc/self/mountinfo | grep -q "lowerdir=l1:l2" && echo "lowers: l1:l2"
      touch merged/g 2>/dev/null || echo "write refused"'
  assert_success
  assert_output $'lowers: l1:l2\nwrite refused'
  ! mounted || fail "the overlay is still mounted"
}

@test "overlay::mount refuses a mount point outside a cfs- folder and paths with a comma or colon, mounting nothing" {
  mkdir -p "$BATS_TEST_TMPDIR/plain"
  ov "overlay::mount '$BATS_TEST_TMPDIR/plain' upper work l1"
  assert_failure
  [[ $stderr == *"is not below a folder named cfs-"* ]] || fail "stderr: $stderr"
  mkdir -p "$T/a,b"
  ov 'overlay::mount merged upper work "a,b"'
  assert_failure
  [[ $stderr == *"contains ',' or ':'"* ]] || fail "stderr: $stderr"
  ! mountpoint -q "$BATS_TEST_TMPDIR/plain" && ! mounted || fail "something was mounted"
}

@test "overlay::umount falls back to a lazy unmount when the overlay is busy, and is a no-op when nothing is mounted" {
  ov 'overlay::mount merged upper work l1
      (cd merged && exec sleep 30) & pid=$!
      common::wait_until 5 "sleep to enter merged" "[[ \$(readlink /proc/$pid/cwd) == $T/merged ]]"
      umount merged 2>/dev/null || echo "plain umount: busy"
      overlay::umount merged && echo "overlay::umount: ok"
      mountpoint -q merged || echo "mounted: no"
      overlay::umount merged && echo "again: ok"
      kill $pid'
  assert_success
  assert_output $'plain umount: busy\noverlay::umount: ok\nmounted: no\nagain: ok'
}

@test "overlay::whiteouts and overlay::opaque_dirs list what rm and rm -r + mkdir leave in upper" {
  mkdir -p "$T/l1/etc" "$T/l1/data/sub"
  echo a >"$T/l1/etc/motd" && echo b >"$T/l1/etc/keep" && echo c >"$T/l1/data/sub/x"
  ov 'overlay::mount merged upper work l1
      rm merged/etc/motd; rm -r merged/data; mkdir merged/data; touch merged/data/new
      echo "whiteouts: $(overlay::whiteouts upper | tr "\n" " ")"
      echo "opaque: $(overlay::opaque_dirs upper | tr "\n" " ")"'
  assert_success
  assert_output $'whiteouts: etc/motd \nopaque: data '
}

@test "overlay::to_oci_tar writes .wh. entries, and overlay::from_oci_tar turns them back into a layer overlayfs reads" {
  mkdir -p "$T/l1/etc" "$T/l1/data/sub"
  echo a >"$T/l1/etc/motd" && echo c >"$T/l1/data/sub/x"
  ov 'overlay::mount merged upper work l1
      rm merged/etc/motd; rm -r merged/data; mkdir merged/data; touch merged/data/new
      overlay::to_oci_tar upper layer.tar
      tar -tf layer.tar | grep "\.wh\." | sort
      mkdir back; overlay::from_oci_tar layer.tar back
      echo "back: $(overlay::whiteouts back) $(overlay::opaque_dirs back)"
      mkdir m2 u2 w2; overlay::mount m2 u2 w2 back l1
      echo "m2/etc: [$(ls -A m2/etc)] m2/data: [$(ls -A m2/data)]"'
  assert_success
  assert_output $'./data/.wh..wh..opq\n./etc/.wh.motd\nback: etc/motd data\nm2/etc: [] m2/data: [new]'
  [[ $(stat -c %F "$T/upper/etc/motd") == "character special file" ]] || fail "to_oci_tar changed the upper folder"
}

@test "overlay::tmpfs mounts a tmpfs on a folder below a cfs- folder, the cleanup stack unmounts it, and it refuses other folders" {
  mkdir -p "$T/scratch" "$BATS_TEST_TMPDIR/plain"
  ov 'overlay::tmpfs scratch 1m
      findmnt -n -o FSTYPE,SOURCE --mountpoint scratch'
  assert_success
  assert_output "tmpfs  cfs-tmpfs"
  ! mountpoint -q "$T/scratch" || fail "the tmpfs is still mounted after the script exited"
  ov "overlay::tmpfs '$BATS_TEST_TMPDIR/plain'"
  assert_failure
  ! mountpoint -q "$BATS_TEST_TMPDIR/plain" || fail "a tmpfs was mounted outside a cfs- folder"
}

# A SIGINT that lands while mount runs: bash runs the INT trap as soon as mount returns, before
# the next command. The wrapper below is that moment (the signal comes from inside, after the real
# mount); the undo must already be on the stack (CI once caught overlayfs/copy-up's tmpfs so).
@test "overlay::tmpfs and overlay::mount leave nothing mounted when SIGINT lands while mount runs" {
  mkdir -p "$T/scratch"
  ov 'mount() { command mount "$@"; kill -INT $$; }
      overlay::tmpfs scratch 1m
      echo "not reached"'
  assert_failure
  refute_output --partial "not reached"
  ! mountpoint -q "$T/scratch" || fail "the tmpfs is still mounted after SIGINT"
  ov 'mount() { command mount "$@"; kill -INT $$; }
      overlay::mount merged upper work l1
      echo "not reached"'
  assert_failure
  refute_output --partial "not reached"
  ! mounted || fail "the overlay is still mounted after SIGINT"
}

@test "overlay::options sets the mount options overlay::mount would pass, and checks the paths" {
  ov 'overlay::options o upper work l1 l2; echo "$o"
      overlay::options o - - l1; echo "$o"'
  assert_success
  assert_output $'lowerdir=l1:l2,upperdir=upper,workdir=work\nlowerdir=l1'
  ov 'overlay::options o upper work "no such"'
  assert_failure
  [[ $stderr == *"'no such' is not a folder"* ]] || fail "stderr: $stderr"
  ! mounted || fail "overlay::options mounted something"
}
