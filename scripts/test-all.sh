#!/usr/bin/env bash
# Run every test of the project, as CI does: install what is missing, then typecheck, lint,
# unit and content tests, the v86 guest for the browser labs, the production build, the browser
# smoke test, the labs in the browser (v86), the bats suites (the
# labs as root) and, where qemu is installed, the labs again in a pure cgroup v2 VM.
#   sudo scripts/test-all.sh            everything
#   sudo scripts/test-all.sh labs unit  only the named steps (see STEPS below)
#   sudo scripts/test-all.sh lab <topic>/<lab>
#                                       one lab, fast: the content tests of the lab and its page,
#                                       its scripts through shellcheck, the four harness checks
# Environment: CFS_LABS narrows the labs ("silos/* cgroups/memory"); CFS_SKIP_VM=1 skips the VM.
set -Eeuo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

ROOT=$(common::repo_root)
BATS=$ROOT/node_modules/bats/bin/bats
STEPS=(deps typecheck lint unit v86 build browser browser-labs bats-unit labs vm)

step::deps() { "$ROOT/scripts/install-deps.sh"; }
step::typecheck() { npx tsc --noEmit; }

step::lint() {
  local files=()
  mapfile -t files < <(git -C "$ROOT" ls-files --cached --others --exclude-standard \
    '*.sh' '*.bash' '*.bats' '.ci/run' | sed "s|^|$ROOT/|")
  log::info "shellcheck: ${#files[@]} files, $(nproc) at a time"
  # Eight files per shellcheck, as many at once as there are CPUs (one process over all the files
  # used one core for ~100 s). xargs exits non-zero when any of them found something.
  printf '%s\0' "${files[@]}" | xargs -0 -n 8 -P "$(nproc)" shellcheck
}

step::unit() { npx vitest run; }

step::build() {
  local start=$SECONDS
  npx docusaurus build
  log::info "site build took $((SECONDS - start)) s"
}

step::browser() { npx vitest run --config vitest.browser.config.mts; }

# The files "Run in your browser" serves (static/v86/, shipped by the build step after it): cached
# under /var/cache/cfs-v86, so a second run only re-indexes labs/ and scripts/ (about 1.5 min; cold,
# with mmdebstrap, about 5 min).
step::v86() {
  ((EUID == 0)) || die "v86: the guest's root filesystem is built with mmdebstrap as root: sudo $0 v86"
  "$ROOT/scripts/v86/build.sh"
}

# The labs whose manifests say verify: browser, in the v86 guest in Chromium (after v86 and build).
# Results: test-results/labs/browser.tsv; scripts/promote-verified.sh browser records them.
step::browser-labs() { npx vitest run --config vitest.v86.config.mts; }

step::bats-unit() { "$BATS" --print-output-on-failure "$ROOT"/tests/scripts/; }

# The results of the lab checks go to test-results/labs/ (ignored by git); a full green run is
# made the tracked record by scripts/promote-verified.sh (CONTRIBUTING.md).
step::labs() {
  ((EUID == 0)) || die "the lab suite runs the labs as root: sudo $0 labs"
  local results=$ROOT/test-results/labs status=0
  mkdir -p "$results"
  : >"$results/host.tsv"
  local kernel mode
  kernel=$(uname -r)
  mode=$(cgroup::mode)
  [[ $mode != v1 ]] || mode=v1/hybrid
  printf 'kernel=%s\ncgroup=%s\n' "$kernel" "$mode" >"$results/host.facts"
  CFS_RESULTS=$results/host.tsv "$BATS" --print-output-on-failure --timing "$ROOT/tests/labs.bats" || status=$?
  lab::slowest "$results/host.tsv"
  return "$status"
}

step::vm() {
  if [[ -n ${CFS_SKIP_VM:-} ]]; then log::info "vm: skipped (CFS_SKIP_VM is set)"; return 0; fi
  [[ -x $ROOT/scripts/vm/run-suite.sh ]] || { log::info "vm: scripts/vm/run-suite.sh is not there yet"; return 0; }
  command -v qemu-system-x86_64 >/dev/null || die "vm: qemu-system-x86_64 is missing: apt-get install qemu-system-x86"
  # The labs whose manifests say verify: vm (run-suite.sh's default), then the library tests
  # tagged kernel (the cgroup v2 path of cgroup.sh and cleanup::lab, for real there).
  CFS_VM_BATS=${CFS_VM_BATS:-tests/scripts/cgroup.bats tests/scripts/lab.bats} "$ROOT/scripts/vm/run-suite.sh"
}

# One lab (scripts/test-all.sh lab <topic>/<lab>): ONE_LAB is its name (LAB is lab.sh's manifest), set by lab_mode.
ONE_LAB=
lab_mode() {
  (($# == 1)) || die "usage: $0 lab <topic>/<lab> (one lab, e.g. silos/pid-ns)"
  [[ $1 =~ ^[a-z][a-z0-9]*(-[a-z0-9]+)*/[a-z][a-z0-9]*(-[a-z0-9]+)*$ ]] \
    || die "'$1' is not a lab name: write <topic>/<lab> as in labs/<topic>/<lab>/ (e.g. silos/pid-ns)"
  [[ -f $ROOT/labs/$1/run.sh ]] \
    || die "labs/$1/run.sh does not exist: the labs are $(cd "$ROOT/labs" && printf '%s ' */*/run.sh | sed 's|/run.sh||g')(npm run new -- lab $1 --chapter <NN-part>/<NN-page> makes a new one)"
  [[ -f $ROOT/labs/$1/lab.manifest ]] || die "labs/$1 has no lab.manifest: copy labs/_template/lab.manifest (CONTRIBUTING.md)"
  ((EUID == 0)) || die "the harness runs the lab as root: sudo $0 lab $1"
  ONE_LAB=$1
}

# A vitest name pattern that selects the lab's tests (named labs/<lab>…, <lab>: …) and its page's.
lab_test_pattern() {
  local chapter
  lab::values "$ROOT/labs/$ONE_LAB" chapter
  chapter=${LAB_VALUES[0]:-}
  printf '(^|[ /])%s([:/ ]|$)%s' "$ONE_LAB" "${chapter:+|${chapter//./\\.}}"
}

step::lab-content() {
  [[ -n $ONE_LAB ]] || die "use: $0 lab <topic>/<lab>"
  local pattern
  pattern=$(lab_test_pattern)
  log::info "vitest run tests/content -t '$pattern'"
  # Generous timeout: a filtered run parses every page inside the one test that looks for the
  # lab's chapter (the full run has parsed them already when it gets there).
  npx vitest run tests/content --testTimeout=60000 --hideSkippedTests -t "$pattern" \
    || die "content: fix what the messages above name (each says which file and what to change), then run again: sudo $0 lab $ONE_LAB"
}

step::lab-lint() {
  [[ -n $ONE_LAB ]] || die "use: $0 lab <topic>/<lab>"
  shellcheck "$ROOT/labs/$ONE_LAB"/*.sh \
    || die "shellcheck: fix the lines above (each SC code is explained at https://www.shellcheck.net/wiki/SC<code>); a '# shellcheck disable=' needs its reason"
}

step::lab-harness() {
  [[ -n $ONE_LAB ]] || die "use: $0 lab <topic>/<lab>"
  mkdir -p "$ROOT/test-results/labs"
  CFS_LABS=$ONE_LAB CFS_RESULTS=$ROOT/test-results/labs/lab.tsv "$BATS" --print-output-on-failure --timing "$ROOT/tests/labs.bats" \
    || die "harness: the failing check's message says what leaked or differed (CONTRIBUTING.md, the four checks); if run.sh's facts changed on purpose, save a new expected-output.txt: sudo flock /run/lock/cfs-labs.lock labs/$ONE_LAB/run.sh > labs/$ONE_LAB/expected-output.txt"
}

# What the tracked files are now: their status and content (a test run must not change them).
tree_state() { git -C "$ROOT" status --porcelain --untracked-files=no; git -C "$ROOT" diff | sha256sum; }

main() {
  cd "$ROOT"
  local wanted=("$@") step passed=() failed=() start tree_before
  tree_before=$(tree_state 2>/dev/null) || tree_before=

  if [[ ${wanted[0]:-} == lab ]]; then
    lab_mode "${wanted[@]:1}"
    wanted=(lab-content lab-lint lab-harness)
  fi
  ((${#wanted[@]})) || wanted=("${STEPS[@]}")
  for step in "${wanted[@]}"; do
    declare -F "step::$step" >/dev/null || die "unknown step '$step' (steps: ${STEPS[*]})"
  done
  for step in "${wanted[@]}"; do
    start=$SECONDS
    printf '\n=== %s\n' "$step"
    # Not `if (step)`: inside an if condition bash ignores set -e, so a failing command in the
    # middle of a step would go unnoticed.
    set +e
    (set -Eeuo pipefail; "step::$step")
    local status=$?
    set -e
    if ((status == 0)); then
      passed+=("$step ($((SECONDS - start)) s)")
    else
      failed+=("$step ($((SECONDS - start)) s)")
      [[ $step == deps ]] && break # nothing else can run without the dependencies
    fi
  done
  # A test run leaves the checkout's tracked files as it found them.
  if [[ -n $tree_before && $(tree_state) != "$tree_before" ]]; then
    failed+=("clean-tree (the run changed tracked files: $(git -C "$ROOT" status --porcelain --untracked-files=no | tr '\n' ' '))")
  fi
  printf '\n=== summary\n'
  ((${#passed[@]})) && printf 'passed: %s\n' "${passed[@]}"
  ((${#failed[@]})) && printf 'FAILED: %s\n' "${failed[@]}"
  printf 'test-all: %d passed, %d failed\n' "${#passed[@]}" "${#failed[@]}"
  ((${#failed[@]} == 0)) || exit 1
}
main "$@"
