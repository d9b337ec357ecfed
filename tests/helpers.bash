# shellcheck shell=bash
# helpers.bash: loaded by every .bats file.
#   requires TOKEN...   skip with a reason when a capability is missing; an unknown token fails
#   lab::dirs           print every lab folder (labs/<topic>/<lab>), honouring CFS_LABS
bats_require_minimum_version 1.5.0

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export REPO_ROOT
load "$REPO_ROOT/node_modules/bats-support/load.bash"
load "$REPO_ROOT/node_modules/bats-assert/load.bash"
# shellcheck source=lib/host-state.sh
source "$REPO_ROOT/tests/lib/host-state.sh"

requires() {
  local token
  for token in "$@"; do
    case $token in
      root) ((EUID == 0)) || skip "needs root" ;;
      cgroup_v2) [[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || skip "needs a pure cgroup v2 host" ;;
      cgroup_v1) [[ $(stat -f -c %T /sys/fs/cgroup) != cgroup2fs ]] || skip "needs a cgroup v1/hybrid host" ;;
      *) fail "requires: unknown capability token '$token' (a typo must not become a silent skip)" ;;
    esac
  done
}

# Every lab folder, sorted; CFS_LABS="silos/pid-ns cgroups/*" narrows the set (globs allowed).
lab::dirs() {
  local pattern dir
  for dir in "$REPO_ROOT"/labs/*/*/; do
    dir=${dir%/}
    [[ -f $dir/run.sh ]] || continue
    if [[ -n ${CFS_LABS:-} ]]; then
      local keep=
      for pattern in $CFS_LABS; do
        # shellcheck disable=SC2053 # the pattern is a glob on purpose
        [[ ${dir#"$REPO_ROOT"/labs/} == $pattern ]] && keep=1
      done
      [[ -n $keep ]] || continue
    fi
    printf '%s\n' "${dir#"$REPO_ROOT"/}"
  done
}
