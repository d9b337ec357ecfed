#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# scripts/common.sh: the helpers every lab relies on to refuse early and to clean up.

load ../helpers

# Run a bash snippet that has sourced common.sh, in strict mode like a lab.
lab_snippet() {
  run --separate-stderr bash -c "set -Eeuo pipefail; source '$REPO_ROOT/scripts/common.sh'; $1"
}

@test "common::require_root refuses a non-root user with one sentence naming root" {
  requires root
  # From a copy: user nobody may not be able to read the checkout (a clone in a 0700 home).
  local copy
  copy=$(copy_for_nobody scripts/common.sh)
  run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
    bash -c "source '$copy/scripts/common.sh'; common::require_root; echo reached"
  rm -rf -- "$copy"
  assert_failure
  assert_output ""
  [[ $stderr == *"must run as root"* ]] || fail "stderr does not say root is needed: $stderr"
}

@test "common::require_cmd names the Debian package of a missing command" {
  lab_snippet "common::require_cmd cfs-no-such-command some-package; echo reached"
  assert_failure
  assert_output ""
  [[ $stderr == *"apt-get install some-package"* ]] || fail "stderr does not name the package: $stderr"
}

@test "common::require_kernel names the missing feature" {
  lab_snippet "common::require_kernel 'time namespaces' /proc/self/ns/cfs-none; echo reached"
  assert_failure
  [[ $stderr == *"lacks time namespaces"* ]] || fail "stderr: $stderr"
}

@test "cleanup steps run last-in first-out on a normal exit" {
  lab_snippet "cleanup::push 'echo first >&2'; cleanup::push 'echo second >&2'; echo body"
  assert_success
  assert_output body
  [[ $stderr == $'second\nfirst' ]] || fail "cleanup order or output wrong: $stderr"
}

@test "cleanup steps run when a command fails, and the failure still fails the script" {
  lab_snippet "cleanup::push 'echo undone >&2'; false; echo not-reached"
  assert_failure
  assert_output ""
  [[ $stderr == *undone* ]] || fail "cleanup did not run on error: $stderr"
  [[ $stderr == *"command failed (exit 1): false"* ]] || fail "the ERR trap did not name the failing command: $stderr"
}

@test "a failing cleanup step does not stop the steps below it" {
  lab_snippet "cleanup::push 'echo last >&2'; cleanup::push 'false'; echo body"
  assert_success
  [[ $stderr == *"cleanup step failed"*last* ]] || fail "stderr: $stderr"
}

@test "SIGINT runs the cleanup stack and the script dies of SIGINT (exit 130)" {
  local marker=$BATS_TEST_TMPDIR/cleaned
  set -m # job control, so the background script does not start with SIGINT ignored
  bash -c "set -Eeuo pipefail; source '$REPO_ROOT/scripts/common.sh'
    cleanup::push 'touch $marker'; echo ready; sleep 30 & wait" >"$BATS_TEST_TMPDIR/out" 2>/dev/null &
  local pid=$!
  set +m
  until [[ -s $BATS_TEST_TMPDIR/out ]]; do sleep 0.05; done
  kill -INT "$pid"
  local status=0
  wait "$pid" || status=$?
  assert_equal "$status" 130
  [[ -e $marker ]] || fail "the cleanup step did not run on SIGINT"
}

# Run "$1" (after common.sh and one undo step) as a process group of its own, wait until it has
# written $BATS_TEST_TMPDIR/ready, then send SIGINT to the whole group, as Ctrl-C does.
interrupt_in_substitution() {
  set -m # job control: its own process group, and SIGINT not ignored
  bash -c "set -Eeuo pipefail; source '$REPO_ROOT/scripts/common.sh'
    cleanup::push 'touch $BATS_TEST_TMPDIR/cleaned'; $1" >/dev/null 2>"$BATS_TEST_TMPDIR/err" &
  local pid=$!
  set +m
  until [[ -e $BATS_TEST_TMPDIR/ready ]]; do sleep 0.05; done
  kill -INT -- "-$pid"
  status=0
  wait "$pid" || status=$?
}

@test "SIGINT during a command's only \$(…) runs the cleanup stack and exits 130" {
  interrupt_in_substitution "echo \"a: \$(touch $BATS_TEST_TMPDIR/ready; sleep 30), b: 2\""
  assert_equal "$status" 130
  [[ -e $BATS_TEST_TMPDIR/cleaned ]] || fail "the cleanup step did not run on SIGINT"
}

@test "bash 5.2: SIGINT during the first of two \$(…) in one command breaks the INT trap (CONTRIBUTING.md, rule 11)" {
  ((BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] == 2)) || skip "bash $BASH_VERSION: the bug is bash 5.2's"
  interrupt_in_substitution "echo \"a: \$(touch $BATS_TEST_TMPDIR/ready; sleep 30), b: \$(true)\""
  assert_equal "$status" 2
  grep -q "interrupt trap: .*unexpected EOF while looking for matching" "$BATS_TEST_TMPDIR/err" \
    || fail "bash did not fail to parse the INT trap; its stderr: $(cat "$BATS_TEST_TMPDIR/err")"
  # The EXIT trap still runs the undo steps: the labs leak nothing, but exit 2, not 130.
  [[ -e $BATS_TEST_TMPDIR/cleaned ]] || fail "the cleanup step did not run"
}

@test "common::tmpdir makes a /tmp/cfs- folder that is gone after exit" {
  lab_snippet "common::tmpdir dir demo; [[ -d \$dir ]]; echo \"\$dir\""
  assert_success
  [[ $output == /tmp/cfs-demo.* ]] || fail "unexpected path: $output"
  [[ ! -e $output ]] || fail "$output was left behind"
}

@test "common::tmpdir leaves nothing when SIGINT lands while mktemp runs" {
  # The wrapper is mktemp, then the signal to the lab's shell, from inside the substitution: bash
  # runs the INT trap once the assignment is done, before the next command.
  lab_snippet "mktemp() { command mktemp \"\$@\" | tee '$BATS_TEST_TMPDIR/made'; kill -INT \$\$; }
    common::tmpdir dir demo; echo not reached"
  assert_failure
  refute_output --partial "not reached"
  local made
  made=$(cat "$BATS_TEST_TMPDIR/made")
  [[ $made == /tmp/cfs-demo.* ]] || fail "mktemp did not run: '$made'"
  [[ ! -e $made ]] || { rm -rf -- "$made"; fail "$made was left behind"; }
}

@test "common::kill_tagged refuses a tag without the cfs- prefix" {
  lab_snippet "common::kill_tagged sleep"
  assert_failure
  [[ $stderr == *"does not start with cfs-"* ]] || fail "stderr: $stderr"
}

@test "common::kill_tree ends a background job and the children it had, and is safe once it is gone" {
  # The job ignores SIGINT (as a job started with & does) and keeps starting children.
  # shellcheck disable=SC2016 # expanded by the inner bash
  lab_snippet 'trap "" INT; (while :; do sleep 30; done) &
    job=$!; common::wait_until 5 "a child of the job" "pgrep -P $job >/dev/null"; kid=$(pgrep -P $job)
    common::kill_tree $job
    [[ -e /proc/$kid ]] && ! grep -qs "^State:.*Z" /proc/$kid/status && echo "child alive" || echo "child gone"
    kill -0 $job 2>/dev/null && echo "job alive" || echo "job gone"
    common::kill_tree $job && echo "second call: fine"'
  assert_success
  assert_output "child gone
job gone
second call: fine"
}

@test "common::ns_init finds the PID 1 of a PID namespace below a job, and fails while there is none" {
  requires root
  # shellcheck disable=SC2016 # expanded by the inner bash
  lab_snippet 'common::ns_init $$ || echo "none below this shell"
    (unshare --pid --fork sleep 30) & job=$!
    common::wait_until 5 "the PID 1" "init=\$(common::ns_init $job)"
    echo "innermost PID: $(awk "/^NSpid:/ { print \$NF }" /proc/$init/status)"
    echo "runs: $(cat /proc/$init/comm)"
    common::kill_tree $job'
  assert_success
  assert_output "none below this shell
innermost PID: 1
runs: sleep"
}

@test "common::kill_tagged kills exactly the processes carrying the tag" {
  sh -c 'sleep 30' cfs-test-tagged &
  local tagged=$!
  sleep 30 &
  local other=$!
  lab_snippet "common::kill_tagged cfs-test-tagged"
  assert_success
  local status=0
  wait "$tagged" || status=$?
  assert_equal "$status" 137
  kill -0 "$other" || fail "an untagged process was killed"
  kill "$other"
}

@test "a background child started just before an interrupt is killed even though no undo was pushed for it" {
  set -m
  bash -c "set -Eeuo pipefail; source '$REPO_ROOT/scripts/common.sh'
    cleanup::push 'true'; sleep 300 & echo \$! >'$BATS_TEST_TMPDIR/child'; wait" 3>&- &
  local pid=$!
  set +m
  until [[ -s $BATS_TEST_TMPDIR/child ]]; do sleep 0.05; done
  kill -INT "$pid"
  wait "$pid" || true
  local child
  child=$(cat "$BATS_TEST_TMPDIR/child")
  sleep 0.2
  [[ ! -e /proc/$child ]] || fail "the background sleep ($child) outlived the script"
}

@test "a subshell that pushes its own undo steps runs them on exit and is not killed by them" {
  # Its EXIT trap kills leftover children of the subshell, not of the parent (the subshell is one).
  # shellcheck disable=SC2016 # expanded by the inner bash
  lab_snippet 'status=0; (cleanup::push "echo undone"; echo inside) || status=$?; echo "subshell status: $status"'
  assert_success
  assert_output "inside
subshell status: 0"
  [[ $stderr == *undone* ]] || fail "the undo step did not run: $stderr"
}

@test "common::fact prints the label with yes or no by the command's status" {
  lab_snippet "common::fact 'true holds' true; common::fact 'false holds' false"
  assert_success
  assert_output $'true holds: yes\nfalse holds: no'
}

# shellcheck disable=SC2016 # the inner shells expand these
@test "common.sh finds the script's folder and the repository from any folder, by relative or absolute path" {
  local out
  out=$(cd "$REPO_ROOT/labs" && bash -c 'source ../scripts/common.sh; echo "$CFS_SCRIPT_DIR|$CFS_REPO_ROOT|$CFS_LOG_TAG"' )
  [[ $out == "$REPO_ROOT/labs|$REPO_ROOT|labs" ]] || fail "from labs/ with a relative path: $out"
  printf '%s\n' '#!/usr/bin/env bash' "source '$REPO_ROOT/scripts/common.sh'" 'echo "$CFS_SCRIPT_DIR|$CFS_REPO_ROOT|$CFS_LOG_TAG"' >"$BATS_TEST_TMPDIR/s.sh"
  mkdir -p "$BATS_TEST_TMPDIR/sub"
  out=$(cd "$BATS_TEST_TMPDIR/sub" && bash ../s.sh)
  [[ $out == "$BATS_TEST_TMPDIR|$REPO_ROOT|${BATS_TEST_TMPDIR##*/}" ]] || fail "a script run as ../s.sh: $out"
  out=$(cd "$REPO_ROOT" && bash -c 'source scripts/common.sh; echo "$CFS_REPO_ROOT|$PWD"')
  [[ $out == "$REPO_ROOT|$REPO_ROOT" ]] || fail "sourcing must not change the caller's folder: $out"
}
