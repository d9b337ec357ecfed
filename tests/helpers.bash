# shellcheck shell=bash
# helpers.bash: loaded by every .bats file.
#   requires TOKEN...        skip with a reason when a capability is missing; an unknown token fails
#   lab::dirs                print every lab folder (labs/<topic>/<lab>), honouring CFS_LABS
#   lab::skip_unless_verified_here LAB   skip LAB where its manifest does not ask for it (verify:)
#   results::write WHAT LAB CHECK SECS   append one line to the results file ($CFS_RESULTS)
#   lab::lock                wait for, then hold, the machine-wide lock of everything that makes
#                            cfs- objects on the host (call it in setup_file)
#   copy_for_nobody PATH...  copy repo paths into a fresh world-readable folder, print its path
#                            (an unprivileged user cannot read a checkout in a 0700 home)
# bats_test_function (tests/labs.bats) came with bats 1.11.
bats_require_minimum_version 1.11.0

# The checkout this file is in (never one inherited from the environment: a nested run of the
# harness in a copy must look at the copy).
REPO_ROOT=$(cd "${BASH_SOURCE[0]%/*}/.." && pwd)
export REPO_ROOT
# bats-support, then bats-assert: their files, as their load.bash would source them. Not through
# load.bash, which forks a dirname per file (60 forks per test: 5 s in the emulated CI VM).
for _cfs_lib in "$REPO_ROOT"/node_modules/bats-support/src/{output,error,lang}.bash \
  "$REPO_ROOT"/node_modules/bats-assert/src/*.bash; do
  # shellcheck source=/dev/null # libraries from node_modules
  source "$_cfs_lib"
done
unset _cfs_lib
# shellcheck source=lib/host-state.sh
source "$REPO_ROOT/tests/lib/host-state.sh"

# Where the suite runs: host, or vm inside scripts/vm's guest (guest-init.sh sets CFS_ENV=vm).
CFS_ENV=${CFS_ENV:-host}
CFS_RESULTS=${CFS_RESULTS:-$REPO_ROOT/test-results/labs.tsv}

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

# The one allowed skip: a lab whose manifest does not list this environment under verify: (a
# lab that needs AppArmor or CRIU is verified in the VM only, and says so with features:).
lab::skip_unless_verified_here() {
  local lab=$1 line verify=
  # Labs named on purpose (scripts/vm/run-suite.sh LAB...) run wherever they are asked to.
  [[ -z ${CFS_LAB_NAMED:-} ]] || return 0
  while IFS= read -r line; do
    [[ $line =~ ^verify:([^#]*) ]] && verify+=" ${BASH_REMATCH[1]} "
  done <"$REPO_ROOT/$lab/lab.manifest"
  [[ $verify == *" $CFS_ENV "* ]] \
    || skip "$lab is verified in:$verify(lab.manifest), not on this $CFS_ENV"
}

# Labs and the library tests that make real objects change host-wide state, and the labs' checks
# snapshot it: never two at once on a machine, even from two test runs.
lab::lock() {
  exec {CFS_LOCK_FD}>/run/lock/cfs-labs.lock 2>/dev/null || exec {CFS_LOCK_FD}>/tmp/.cfs-labs.lock
  # Say why nothing happens while another run (someone's harness, a lab run under flock) holds it.
  flock -n "$CFS_LOCK_FD" && return 0
  { echo "# waiting for the lab lock (/run/lock/cfs-labs.lock): another lab run on this machine holds it" >&3; } 2>/dev/null || true
  flock "$CFS_LOCK_FD"
}

results::write() {
  [[ -d ${CFS_RESULTS%/*} ]] || mkdir -p "${CFS_RESULTS%/*}"
  printf '%s\t%s\t%s\t%s\n' "$2" "$3" "$1" "$4" >>"$CFS_RESULTS"
}

copy_for_nobody() {
  local copy path
  copy=$(mktemp -d /tmp/cfstest-nobody.XXXXXX)
  for path in "$@"; do
    mkdir -p "$copy/$(dirname "$path")"
    cp -r "$REPO_ROOT/$path" "$copy/$path"
  done
  chmod -R a+rX "$copy"
  printf '%s\n' "$copy"
}
