#!/usr/bin/env bats
# The lab contract, checked for every folder under labs/ (no registration: a new folder is a new
# set of tests). CFS_LABS narrows the set; CFS_LAB_TIMEOUT (seconds, default 300) bounds a run.

load helpers

setup_file() {
  # Labs change host-wide state: never run two at once, even from two test runs.
  exec {CFS_LOCK_FD}>/run/lock/cfs-labs.lock 2>/dev/null || exec {CFS_LOCK_FD}>/tmp/.cfs-labs.lock
  flock "$CFS_LOCK_FD"
}

setup() {
  requires root
  TIMEOUT=${CFS_LAB_TIMEOUT:-300}
}

# Compare two snapshots and fail naming every line that appeared or vanished.
assert_no_leak() {
  local before=$1 after=$2 what=$3 changes
  changes=$(diff "$before" "$after" | grep '^[<>]' | sed 's/^</  gone: /; s/^>/  new:  /') || true
  [[ -z $changes ]] || fail "$what changed host state:
$changes"
}

# Run a lab step with an environment marker so that any process it leaves behind is found.
run_step() {
  local lab=$1 script=$2
  # 3>&-: bats waits for its fd 3 to close, so a process the lab leaks would hang the suite.
  run --separate-stderr timeout --kill-after=10 "$TIMEOUT" env "CFS_LAB_MARKER=$lab" "$REPO_ROOT/$lab/$script" 3>&-
}

# After each test, whatever it found: no process of the lab may survive into the next test.
teardown() {
  local lab=${BATS_TEST_DESCRIPTION%%:*} environ
  while IFS= read -r environ; do
    environ=${environ#/proc/}
    kill -KILL "${environ%%/*}" 2>/dev/null || true
  done < <(grep -lzx "CFS_LAB_MARKER=labs/$lab" /proc/[0-9]*/environ 2>/dev/null)
}

lab_output_matches() {
  local lab=$1
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/before"
  run_step "$lab" run.sh
  local run_status=$status run_output=$output run_stderr=$stderr
  "$REPO_ROOT/$lab/cleanup.sh" >/dev/null 2>&1 || true
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/after"
  status=$run_status output=$run_output stderr=$run_stderr
  ((status != 124)) || fail "$lab/run.sh did not finish within ${TIMEOUT}s (CFS_LAB_TIMEOUT)"
  ((status == 0)) || fail "$lab/run.sh exited $status. Its stderr:
$stderr"
  local expected
  expected=$(cat "$REPO_ROOT/$lab/expected-output.txt")
  [[ $output == "$expected" ]] || fail "$lab/run.sh printed other facts than $lab/expected-output.txt:
$(diff <(printf '%s\n' "$expected") <(printf '%s\n' "$output") | sed 's/^/  /')
If the change is intended, re-run the lab as root and save its stdout as expected-output.txt, then read it."
}

lab_leaves_nothing() {
  local lab=$1
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/before"
  run_step "$lab" run.sh
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/after"
  ((status == 0)) || fail "$lab/run.sh exited $status: $stderr"
  assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" "$lab/run.sh (without cleanup.sh)"
}

lab_cleanup_is_idempotent() {
  local lab=$1
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/before"
  run_step "$lab" cleanup.sh
  ((status == 0)) || fail "$lab/cleanup.sh on a clean host exited $status: $stderr"
  run_step "$lab" run.sh
  ((status == 0)) || fail "$lab/run.sh exited $status: $stderr"
  local i
  for i in 1 2; do
    run_step "$lab" cleanup.sh
    ((status == 0)) || fail "$lab/cleanup.sh (run $i after run.sh) exited $status: $stderr"
  done
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/after"
  assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" "$lab/cleanup.sh"
}

# Start run.sh, send it SIGINT once it has printed $2 lines, and print its exit status.
interrupt_after() {
  local lab=$1 lines=$2 out=$BATS_TEST_TMPDIR/stdout pid waited=0 status=0
  # Job control on: without it a background job starts with SIGINT ignored and cannot trap it.
  set -m
  env "CFS_LAB_MARKER=$lab" "$REPO_ROOT/$lab/run.sh" >"$out" 2>"$BATS_TEST_TMPDIR/stderr" 3>&- &
  pid=$!
  set +m
  while (($(wc -l <"$out") < lines)) && kill -0 "$pid" 2>/dev/null && ((waited++ < TIMEOUT * 20)); do
    sleep 0.05
  done
  kill -INT "$pid" 2>/dev/null || true
  wait "$pid" || status=$?
  echo "$status"
}

# Interrupt run.sh half-way through its output: its trap must undo what it had made, and it must
# die of the signal. A lab may finish its last lines before the signal lands; then the cut moves
# one line earlier, down to the first line. Every attempt must leave nothing behind.
lab_interrupt_leaves_nothing() {
  local lab=$1 half cut status lines
  half=$((($(wc -l <"$REPO_ROOT/$lab/expected-output.txt") + 1) / 2))
  for ((cut = half; cut >= 1; cut--)); do
    host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/before"
    status=$(interrupt_after "$lab" "$cut")
    sleep 0.5 # let SIGKILLed namespaces finish dying
    host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/after"
    "$REPO_ROOT/$lab/cleanup.sh" >/dev/null 2>&1 || true
    lines=$(wc -l <"$BATS_TEST_TMPDIR/stdout")
    assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" \
      "$lab/run.sh interrupted after $lines lines (exit $status)"
    ((status == 130)) && return 0
    ((status == 0)) && { echo "# $lab finished before SIGINT landed after line $cut; trying an earlier cut" >&3; continue; }
    fail "$lab/run.sh was sent SIGINT after $lines of its lines but exited $status, not 130:
it must die of the signal after its trap has cleaned up. Its stderr: $(cat "$BATS_TEST_TMPDIR/stderr")"
  done
  fail "$lab/run.sh finished every time before SIGINT landed, even when sent after its first line:
make it slower to print its first line, or report this lab's shape in an issue"
}

# As an unprivileged user, run.sh must refuse with one clear sentence and change nothing.
lab_refuses_non_root() {
  local lab=$1 copy
  # The unprivileged user may not be able to read the checkout: give it a copy.
  copy=$(mktemp -d /tmp/cfstest-nonroot.XXXXXX)
  mkdir -p "$copy/$(dirname "$lab")"
  cp -r "$REPO_ROOT/scripts" "$copy/"
  cp -r "$REPO_ROOT/$lab" "$copy/$lab"
  chmod -R a+rX "$copy"
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/before"
  run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env "CFS_LAB_MARKER=$lab" "$copy/$lab/run.sh" 3>&-
  host_state::snapshot "CFS_LAB_MARKER=$lab" >"$BATS_TEST_TMPDIR/after"
  rm -rf "$copy"
  ((status != 0)) || fail "$lab/run.sh succeeded as user nobody: it must refuse without root"
  [[ -z $output ]] || fail "$lab/run.sh printed facts on stdout before refusing: $output"
  [[ $stderr == *root* ]] || fail "$lab/run.sh refused without saying it needs root. Its stderr: $stderr"
  assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" "$lab/run.sh as nobody"
}

while IFS= read -r lab; do
  name=${lab#labs/}
  bats_test_function --description "$name: run.sh prints expected-output.txt" -- lab_output_matches "$lab"
  bats_test_function --description "$name: run.sh leaves nothing behind, even without cleanup.sh" -- lab_leaves_nothing "$lab"
  bats_test_function --description "$name: cleanup.sh is safe on a clean host and twice after a run" -- lab_cleanup_is_idempotent "$lab"
  bats_test_function --description "$name: run.sh interrupted half-way leaves nothing behind" -- lab_interrupt_leaves_nothing "$lab"
  bats_test_function --description "$name: run.sh refuses as a non-root user and changes nothing" -- lab_refuses_non_root "$lab"
done < <(lab::dirs)
