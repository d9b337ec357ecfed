#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# shellcheck disable=SC2016 # the snippets given to in_lab are expanded by the lab's shell
# scripts/lab.sh: the manifest reader and cleanup::lab. Each test makes a scratch lab folder
# (labs/cfstest/<test>/ in a scratch tree with scripts/ linked in), declares objects in its
# manifest, leaves them as a SIGKILLed run.sh would, and checks that cleanup::lab removes exactly
# those, on a clean host too, twice. The tests that make real objects need root; the one whose
# outcome depends on the cgroup version is tagged kernel, and runs in the CI VM too.

load ../helpers

setup_file() { lab::lock; }

setup() {
  TREE=$BATS_TEST_TMPDIR/tree
  LABDIR=$TREE/labs/cfstest/lab$BATS_TEST_NUMBER
  mkdir -p "$LABDIR"
  ln -s "$REPO_ROOT/scripts" "$TREE/scripts"
  # The state folder of this scratch lab, as state::dir derives it from run.sh's folder.
  STATE=/run/cfs-state.cfstest.lab$BATS_TEST_NUMBER
}

teardown() {
  rm -rf -- "$STATE"
}

manifest() { printf '%s\n' "$@" >"$LABDIR/lab.manifest"; }

# Run bash code as a script of the scratch lab ($0 in its folder), with lab.sh sourced.
in_lab() {
  printf '%s\n' '#!/usr/bin/env bash' 'set -Eeuo pipefail' \
    "source '$TREE/scripts/common.sh'" "source '$TREE/scripts/lab.sh'" "$1" >"$LABDIR/snippet.sh"
  run --separate-stderr bash "$LABDIR/snippet.sh"
}

cleanup_twice() {
  in_lab "cleanup::lab '$LABDIR'"
  assert_success
  in_lab "cleanup::lab '$LABDIR'"
  assert_success
}

@test "lab::load reads repeated keys, comments and globs without expanding them" {
  manifest "# a comment" "chapter: docs/x.mdx" "needs: ip=iproute2  unshare=util-linux # trailing" \
    "tmp: /tmp/cfs-*" "needs: ps=procps" "verify: host"
  in_lab 'lab::values "$(dirname "$0")" needs; printf "%s|" "${LAB_VALUES[@]}"; echo; lab::values "$(dirname "$0")" tmp; echo "${LAB_VALUES[*]}"'
  assert_success
  assert_output $'ip=iproute2|unshare=util-linux|ps=procps|\n/tmp/cfs-*'
}

@test "lab::load names the file and line of an unknown key (a typo never goes unnoticed)" {
  manifest "chapter: docs/x.mdx" "tag: cfs-typo"
  in_lab 'lab::load "$(dirname "$0")"; echo reached'
  assert_failure
  assert_output ""
  [[ $stderr == *"lab.manifest:2: unknown key 'tag'"* ]] || fail "stderr does not name the line: $stderr"
}

@test "lab::dirs_verified_in lists exactly the labs whose manifest names the environment" {
  run bash -c "source '$REPO_ROOT/scripts/lab.sh'; lab::dirs_verified_in vm"
  assert_success
  local dir expected=()
  for dir in "$REPO_ROOT"/labs/*/*/lab.manifest; do
    grep -qE '^verify:[^#]*\bvm\b' "$dir" && expected+=("${dir#"$REPO_ROOT"/}")
  done
  assert_output "$(printf '%s\n' "${expected[@]%/lab.manifest}")"
  [[ ${#expected[@]} -gt 0 ]] || fail "no lab is verified in the VM: the check above proves nothing"
}

@test "cleanup::lab kills tagged processes, deletes netns and links, unmounts stacked and nested mounts and removes temp folders" {
  requires root
  local tmp=/tmp/cfs-labtest.$BATS_TEST_NUMBER
  manifest "tags: cfs-labtest-sleeper" "netns: cfs-labtest" "links: cfs-labtest0" "tmp: /tmp/cfs-labtest.*"
  mkdir -p "$tmp/a/b"
  mount -t tmpfs cfs-labtest "$tmp/a"
  mkdir -p "$tmp/a/b"
  mount -t tmpfs cfs-labtest "$tmp/a/b"
  # A second mount stacked on a hides a/b: it can only be reached once the top one is gone.
  mount -t tmpfs cfs-labtest "$tmp/a"
  ip netns add cfs-labtest
  ip link add cfs-labtest0 type veth peer name cfs-labtest1
  setsid bash -c 'exec -a cfs-labtest-sleeper sleep 300' </dev/null >/dev/null 2>&1 3>&- &
  cleanup_twice
  run pgrep -f cfs-labtest-sleeper
  assert_failure
  [[ ! -e /run/netns/cfs-labtest ]] || fail "the netns is still there"
  ! ip link show cfs-labtest0 2>/dev/null || fail "the link is still there"
  ! grep -q " $tmp" /proc/self/mountinfo || fail "mounts are left under $tmp"
  [[ ! -e $tmp ]] || fail "$tmp is still there"
}

# bats test_tags=kernel
@test "cleanup::lab removes its cgroup and users with their subuid lines, and leaves other lines" {
  requires root
  manifest "cgroups: cfs-labtest" "users: cfs-labtest"
  source "$REPO_ROOT/scripts/cgroup.sh"
  cgroup::create cfs-labtest pids
  useradd --system --no-create-home --shell /usr/sbin/nologin cfs-labtest
  cp /etc/subuid "$BATS_TEST_TMPDIR/subuid.before"
  echo "cfs-labtest:3000000:65536" >>/etc/subuid
  cleanup_twice
  ! cgroup::exists cfs-labtest || fail "the cgroup is still there"
  ! getent passwd cfs-labtest || fail "the user is still there"
  ! getent group cfs-labtest || fail "its group is still there"
  diff "$BATS_TEST_TMPDIR/subuid.before" /etc/subuid || fail "/etc/subuid is not as before"
}

@test "cleanup::lab after a SIGKILL restores a sysctl lab::sysctl changed, and removes the /run/netns mount netns::add made" {
  requires root
  manifest "sysctls: net.ipv4.conf.all.route_localnet" "netns: cfs-labtest"
  local before had_netns=0
  before=$(</proc/sys/net/ipv4/conf/all/route_localnet)
  [[ -e /run/netns ]] && had_netns=1
  # A run.sh that sets the sysctl, adds a netns and dies of SIGKILL: no trap runs.
  in_lab 'lab::sysctl net.ipv4.conf.all.route_localnet '"$((1 - before))"'; netns::add cfs-labtest; kill -KILL $$'
  [[ $(</proc/sys/net/ipv4/conf/all/route_localnet) != "$before" ]] || fail "the sysctl was not changed: the test proves nothing"
  [[ -d $STATE ]] || fail "no markers were left in $STATE"
  cleanup_twice
  [[ $(</proc/sys/net/ipv4/conf/all/route_localnet) == "$before" ]] || fail "the sysctl was not restored"
  if ((!had_netns)); then [[ ! -e /run/netns ]] || fail "/run/netns, made by netns::add, is still there"; fi
  [[ ! -e $STATE ]] || fail "$STATE is still there: $(ls -A "$STATE")"
}

@test "cleanup::lab has runc delete the containers of a declared state root first, and sources runc.sh only for such a manifest" {
  requires root
  command -v runc >/dev/null || skip "runc is not installed"
  export RUNC_ROOT_PARENT=$BATS_TEST_TMPDIR
  manifest "runc: cfs-labtest" "cgroups: cfs-labtest-box" "tmp: /tmp/cfs-labtest.*"
  # A run.sh killed with its container running: the state root, the cgroup and a process are left.
  in_lab 'source "$(dirname "$0")/../../../scripts/runc.sh"; runc::use_root labtest; cleanup::run() { :; }
    common::tmpdir b labtest; runc::bundle "$b" cfs-labtest-box sh -c "sleep 300 & wait" cfs-labtest-tag
    runc::cmd run -d --bundle "$b" cfs-labtest-box </dev/null >/dev/null 2>&1; runc::cmd state cfs-labtest-box | jq -r .status'
  assert_success
  assert_output running
  pgrep -f cfs-labtest-tag >/dev/null || fail "the container's process did not start"
  cleanup_twice
  [[ ! -e $BATS_TEST_TMPDIR/cfs-labtest-runc ]] || fail "the state root is still there"
  run pgrep -f cfs-labtest-tag
  assert_failure
  source "$REPO_ROOT/scripts/cgroup.sh"
  ! cgroup::exists cfs-labtest-box || fail "the container's cgroup is still there"
  compgen -G '/tmp/cfs-labtest.*' >/dev/null && fail "the bundle is still there"
  # Lazy: a manifest without runc: never loads runc.sh.
  manifest "tmp: /tmp/cfs-labtest.*"
  in_lab "cleanup::lab '$LABDIR'; declare -F runc::cleanup || echo not-loaded"
  assert_success
  assert_output not-loaded
  manifest "runc: labtest"
  in_lab "cleanup::lab '$LABDIR'"
  assert_failure
  [[ $stderr == *"runc: labtest must be named cfs-"* ]] || fail "stderr: $stderr"
}

@test "lab::sysctl refuses a sysctl the manifest does not declare" {
  requires root
  manifest "sysctls: net.ipv4.ip_forward"
  in_lab 'lab::sysctl net.ipv4.conf.all.route_localnet 1; echo reached'
  assert_failure
  assert_output ""
  [[ $stderr == *"not declared"* ]] || fail "stderr: $stderr"
}

@test "cleanup::lab on a clean host changes nothing" {
  requires root
  manifest "tags: cfs-labtest-none" "netns: cfs-labtest-none" "links: cfs-labtest-none" \
    "tmp: /tmp/cfs-labtest-none.*" "cgroups: cfs-labtest-none" "users: cfs-labtest-none" \
    "loops: /tmp/cfs-labtest-none.*/disk.img" "chains: filter:CFS-LABTEST-NONE"
  host_state::snapshot >"$BATS_TEST_TMPDIR/before"
  cleanup_twice
  host_state::snapshot >"$BATS_TEST_TMPDIR/after"
  diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "cleanup::lab changed the host"
}
