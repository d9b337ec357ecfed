#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# scripts/runc.sh: bundles, the private state root, and a clean-up that leaves no container,
# cgroup, state or process behind, whatever state the containers were in.

load ../helpers

setup_file() { lab::lock; }

# Run a runc.sh function in a fresh bash, as a lab would (state roots below the test's tmpdir).
rlib() {
  RUNC_ROOT_PARENT=$BATS_TEST_TMPDIR bash -c 'set -Eeuo pipefail; source "$REPO_ROOT/scripts/common.sh"; source "$REPO_ROOT/scripts/runc.sh"; "$@"' runc "$@"
}
# The same, for a snippet of shell ($1) with the arguments $2... as $1...
rsh() {
  RUNC_ROOT_PARENT=$BATS_TEST_TMPDIR bash -c 'set -Eeuo pipefail; source "$REPO_ROOT/scripts/common.sh"; source "$REPO_ROOT/scripts/runc.sh"; code=$1; shift; eval "$code"' runc "$@"
}

teardown() {
  # Whatever a failed test left: its containers, then the test cgroups.
  if [[ -d $BATS_TEST_TMPDIR/cfs-rtest-runc ]]; then rlib runc::cleanup "$BATS_TEST_TMPDIR/cfs-rtest-runc" || true; fi
  local d
  for d in /sys/fs/cgroup/cfs-rtest-* /sys/fs/cgroup/*/cfs-rtest-*; do
    [[ -d $d ]] && bash -c 'source "$REPO_ROOT/scripts/common.sh"; source "$REPO_ROOT/scripts/cgroup.sh"; cgroup::remove "$1"' x "${d##*/}"
  done
  return 0
}

# Names of what is left: the state root, cfs-rtest-* cgroups in any hierarchy, processes.
leftovers() {
  local d
  [[ -e $BATS_TEST_TMPDIR/cfs-rtest-runc ]] && echo "state root"
  for d in /sys/fs/cgroup/cfs-rtest-* /sys/fs/cgroup/*/cfs-rtest-*; do [[ -d $d ]] && echo "cgroup $d"; done
  pgrep -af cfs-rtest-tag || true
}

@test "runc::root is a private cfs- folder per name, and refuses a name that is not a short word" {
  run --separate-stderr rlib runc::root ocib
  assert_success
  assert_output "$BATS_TEST_TMPDIR/cfs-ocib-runc"
  run --separate-stderr rlib runc::root '../etc'
  assert_failure
  [[ $stderr == *"is not a short lowercase name"* ]] || fail "stderr: $stderr"
}

@test "runc::cmd refuses to run before runc::use_root (never runc's default root)" {
  run --separate-stderr rlib runc::cmd list
  assert_failure
  [[ $stderr == *"call runc::use_root first"* ]] || fail "stderr: $stderr"
}

@test "runc::bundle writes a BusyBox rootfs and a config.json with the args, no terminal, the id as hostname and cgroup" {
  requires root
  run --separate-stderr rlib runc::bundle "$BATS_TEST_TMPDIR/b" cfs-rtest-box sh -c $'echo a b\necho c'
  assert_success
  run jq -c '[.process.args, .process.terminal, .hostname, .linux.cgroupsPath]' "$BATS_TEST_TMPDIR/b/config.json"
  assert_output '[["sh","-c","echo a b\necho c"],false,"cfs-rtest-box","/cfs-rtest-box"]'
  [[ -x $BATS_TEST_TMPDIR/b/rootfs/bin/sh ]] || fail "no /bin/sh in the rootfs"
  run --separate-stderr rlib runc::bundle "$BATS_TEST_TMPDIR/c" rtest-box
  assert_failure
  [[ $stderr == *"must start with cfs-"* ]] || fail "stderr: $stderr"
}

@test "runc::config edits config.json in place and dies naming a bad filter" {
  requires root
  rlib runc::bundle "$BATS_TEST_TMPDIR/b" cfs-rtest-box
  # shellcheck disable=SC2016 # $d is a jq variable
  run --separate-stderr rlib runc::config "$BATS_TEST_TMPDIR/b" '.process.cwd = $d' --arg d /tmp
  assert_success
  run jq -r .process.cwd "$BATS_TEST_TMPDIR/b/config.json"
  assert_output /tmp
  # shellcheck disable=SC2016 # $d is a jq variable
  run --separate-stderr rlib runc::config "$BATS_TEST_TMPDIR/b" '.process.cwd ='
  assert_failure
  [[ $stderr == *"jq could not apply"* ]] || fail "stderr: $stderr"
  run jq -r .process.cwd "$BATS_TEST_TMPDIR/b/config.json"
  assert_output /tmp
}

@test "runc::cleanup removes running, paused and created containers: no state, cgroup or process left" {
  requires root
  # shellcheck disable=SC2016 # expanded by the lab's shell
  run --separate-stderr rsh '
    runc::use_root rtest
    cleanup::run() { :; }   # keep them: the test cleans up
    for s in run pause create; do
      runc::bundle "$1/$s" "cfs-rtest-$s" sh -c "sleep 300 & wait" cfs-rtest-tag
      if [[ $s == create ]]; then runc::cmd create --bundle "$1/$s" "cfs-rtest-$s" </dev/null >/dev/null 2>&1
      else runc::cmd run -d --bundle "$1/$s" "cfs-rtest-$s" </dev/null >/dev/null 2>&1; fi
    done
    runc::cmd pause cfs-rtest-pause
    runc::cmd list -f json | jq -r ".[] | .id + \" \" + .status" | sort' "$BATS_TEST_TMPDIR"
  assert_success
  assert_output "$(printf '%s\n' 'cfs-rtest-create created' 'cfs-rtest-pause paused' 'cfs-rtest-run running')"
  [[ -n $(leftovers) ]] || fail "nothing was made"
  run --separate-stderr rlib runc::cleanup "$BATS_TEST_TMPDIR/cfs-rtest-runc"
  assert_success
  run leftovers
  assert_output ""
}

@test "runc::cleanup removes the cgroups of a container runc cannot delete any more (a broken state.json)" {
  requires root
  local root=$BATS_TEST_TMPDIR/cfs-rtest-runc
  rsh 'cgroup::create cfs-rtest-orphan pids; cgroup::spawn cfs-rtest-orphan sh -c "sleep 300 & wait" cfs-rtest-tag'
  mkdir -p "$root/cfs-rtest-orphan"
  # Only cgroup_paths: what runc wrote first; the rest of the state is missing.
  jq -n --arg p "$(rlib cgroup::path cfs-rtest-orphan pids)" '{cgroup_paths: {pids: $p}}' >"$root/cfs-rtest-orphan/state.json"
  [[ $(leftovers) == *cfs-rtest-tag* ]] || fail "the process in the cgroup did not start: $(leftovers)"
  run --separate-stderr rlib runc::cleanup "$root"
  assert_success
  run leftovers
  assert_output ""
}

@test "runc::cleanup is safe on a missing root and twice, and leaves a root not named cfs- alone" {
  run --separate-stderr rlib runc::cleanup "$BATS_TEST_TMPDIR/cfs-none-runc"
  assert_success
  mkdir "$BATS_TEST_TMPDIR/other"
  run --separate-stderr rlib runc::cleanup "$BATS_TEST_TMPDIR/other"
  assert_failure
  [[ -d $BATS_TEST_TMPDIR/other ]] || fail "it removed a folder not named cfs-"
}

@test "runc::use_root makes a private 0700 root, and the exit trap deletes its containers and the root" {
  requires root
  # shellcheck disable=SC2016 # expanded by the lab's shell
  run --separate-stderr rsh '
    runc::use_root rtest
    stat -c %a "$RUNC_ROOT"
    runc::bundle "$1/b" cfs-rtest-run sh -c "sleep 300 & wait" cfs-rtest-tag
    runc::cmd run -d --bundle "$1/b" cfs-rtest-run </dev/null >/dev/null 2>&1
    runc::cmd list -q' "$BATS_TEST_TMPDIR"
  assert_success
  assert_output "$(printf '%s\n' 700 cfs-rtest-run)"
  run leftovers
  assert_output ""
}
