#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# The lab contract, checked for every folder under labs/ (no registration: a new folder is a new
# set of tests). Each lab gets four checks; one run of run.sh proves both its output and that it
# leaves nothing behind, so nothing is run twice to prove two things.
#   output     run.sh prints expected-output.txt, and leaves nothing behind without cleanup.sh
#   sigkill    cleanup.sh on a clean host changes nothing; run.sh SIGKILLed half-way (no trap
#              runs), then cleanup.sh twice: nothing is left (in the VM: cleanup.sh once)
#   interrupt  run.sh sent SIGINT half-way cleans up in its trap and dies of the signal (130)
#   nonroot    run as user nobody, run.sh refuses, says it needs root and changes nothing
# Environment:
#   CFS_LABS="silos/* cgroups/memory"  which labs (globs); default every lab
#   CFS_LAB_CHECKS="output sigkill"    which checks; default all four
#   CFS_LAB_TIMEOUT=300                seconds one run of a lab script may take
#   CFS_RESULTS=FILE                   where each check appends "lab<TAB>check<TAB>result<TAB>secs"
#                                      (default test-results/labs.tsv); "begin" lines mark starts

load helpers

setup_file() {
  lab::lock
  # A snapshot section whose tool is missing would be empty before and after: no leak seen there.
  local missing
  missing=$(host_state::missing)
  [[ -z $missing ]] || fail "the leak check cannot see everything: install $(echo "$missing" | tr '\n' ' ')
(the labs are not run without it)"
}

setup() {
  requires root
  TIMEOUT=${CFS_LAB_TIMEOUT:-300}
}

# Name the check under way (for the results file and for teardown); LAB, CHECK and T0 are read there.
check::begin() {
  LAB=$1 CHECK=$2 T0=$EPOCHREALTIME
  lab::skip_unless_verified_here "$LAB"
  results::write begin "$LAB" "$CHECK" -
}

# After each check, whatever it found: no process of the lab may survive into the next check, and
# when the check failed, cleanup.sh runs so that one leak is not reported again by every later one.
teardown() {
  [[ -n ${LAB:-} ]] || return 0
  local environ result=fail
  [[ -z ${COPY:-} ]] || rm -rf -- "$COPY"
  while IFS= read -r environ; do
    environ=${environ#/proc/}
    kill -KILL "${environ%%/*}" 2>/dev/null || true
  done < <(grep -lzx "CFS_LAB_MARKER=$LAB" /proc/[0-9]*/environ 2>/dev/null)
  if [[ -n ${BATS_TEST_SKIPPED:-} ]]; then
    result=skip
  elif [[ -n ${BATS_TEST_COMPLETED:-} ]]; then
    result=pass
  else
    "$REPO_ROOT/$LAB/cleanup.sh" >/dev/null 2>&1 </dev/null 3>&- || true
  fi
  results::write "$result" "$LAB" "$CHECK" "$(awk -v a="$T0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
}

# Compare two snapshots and fail naming every line that appeared or vanished.
assert_no_leak() {
  local before=$1 after=$2 what=$3 changes
  changes=$(diff "$before" "$after" | grep '^[<>]' | sed 's/^</  gone: /; s/^>/  new:  /') || true
  [[ -n $changes ]] || return 0
  local hint=''
  if [[ $changes == *"process: carries CFS_LAB_MARKER="* ]]; then
    hint="
A process the lab started outlived it. Register its undo with cleanup::push right after starting
it; killing a shell does not kill its children, so start them in a PID namespace of their own
(unshare --pid --fork --kill-child, as labs/_template/run.sh does): one kill then ends them all."
  fi
  fail "$what changed host state:
$changes$hint"
}

snapshot() { host_state::snapshot "CFS_LAB_MARKER=$LAB" >"$BATS_TEST_TMPDIR/$1"; }

# Run a lab script to its end, with an environment marker so that any process it leaves is found.
# Sets status, output and stderr as bats' `run --separate-stderr` does, but through files, not
# pipes: a process the lab leaks would hold a pipe open and keep `run` waiting until it ends (for
# a `sleep 300`, five minutes), and by then the leak check could no longer see it.
run_step() {
  local script=$1 out=$BATS_TEST_TMPDIR/step.stdout err=$BATS_TEST_TMPDIR/step.stderr
  status=0
  # 3>&-: bats waits for its fd 3 to close, so a process the lab leaks would hang the suite.
  timeout --kill-after=10 "$TIMEOUT" env "CFS_LAB_MARKER=$LAB" "$REPO_ROOT/$LAB/$script" >"$out" 2>"$err" 3>&- </dev/null || status=$?
  output=$(<"$out") stderr=$(<"$err")
}

# Start run.sh in the background (in a session of its own when $1 is "setsid", else as a job that
# can take SIGINT), wait until it has printed $2 lines or ended, send signal $3 (to the whole
# process group for KILL), wait for it and print its exit status.
signal_after() {
  local how=$1 lines=$2 sig=$3 out=$BATS_TEST_TMPDIR/stdout pid waited=0 status=0
  : >"$out"
  if [[ $how == setsid ]]; then
    setsid env "CFS_LAB_MARKER=$LAB" "$REPO_ROOT/$LAB/run.sh" >"$out" 2>"$BATS_TEST_TMPDIR/stderr" 3>&- </dev/null &
  else
    # Job control on: without it a background job starts with SIGINT ignored and cannot trap it.
    set -m
    env "CFS_LAB_MARKER=$LAB" "$REPO_ROOT/$LAB/run.sh" >"$out" 2>"$BATS_TEST_TMPDIR/stderr" 3>&- </dev/null &
    set +m
  fi
  pid=$!
  # Builtins only in this loop (mapfile, not wc): in the emulated CI VM a fork costs 30-80 ms.
  local printed=()
  while mapfile -t printed <"$out" && ((${#printed[@]} < lines)) && kill -0 "$pid" 2>/dev/null && ((waited++ < TIMEOUT * 20)); do
    sleep 0.05
  done
  if [[ $sig == KILL ]]; then kill -KILL -- "-$pid" 2>/dev/null || true; else kill "-$sig" "$pid" 2>/dev/null || true; fi
  wait "$pid" || status=$?
  echo "$status"
}

# The line of run.sh's output after which to send a signal: half-way, then earlier when the lab
# finished before the signal landed.
half_of_output() { echo $((($(wc -l <"$REPO_ROOT/$LAB/expected-output.txt") + 1) / 2)); }

check_output() {
  check::begin "$1" output
  snapshot before
  run_step run.sh
  snapshot after
  ((status != 124)) || fail "$LAB/run.sh did not finish within ${TIMEOUT}s (CFS_LAB_TIMEOUT)"
  ((status == 0)) || fail "$LAB/run.sh exited $status. Its stderr:
$stderr"
  local expected
  expected=$(cat "$REPO_ROOT/$LAB/expected-output.txt")
  [[ $output == "$expected" ]] || fail "$LAB/run.sh printed other facts than $LAB/expected-output.txt:
$(diff <(printf '%s\n' "$expected") <(printf '%s\n' "$output") | sed 's/^/  /')
If the change is intended, re-run the lab as root and save its stdout as expected-output.txt, then read it."
  assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" "$LAB/run.sh (without cleanup.sh)"
}

check_sigkill() {
  check::begin "$1" sigkill
  local cut killed printed i runs=2
  snapshot before
  # That cleanup.sh is safe on a clean host and twice is its own bash logic: proven on the host.
  # In the VM, where every fork costs 30-80 ms, the check keeps what depends on the kernel.
  if [[ $CFS_ENV == vm ]]; then
    runs=1
  else
    run_step cleanup.sh
    ((status == 0)) || fail "$LAB/cleanup.sh on a clean host exited $status: $stderr"
    snapshot clean
    assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/clean" "$LAB/cleanup.sh on a clean host"
  fi
  for ((cut = $(half_of_output); cut >= 1; cut--)); do
    killed=$(signal_after setsid "$cut" KILL)
    printed=$(wc -l <"$BATS_TEST_TMPDIR/stdout")
    ((killed == 0 || killed == 137)) || fail "$LAB/run.sh exited $killed before SIGKILL landed after line $cut. Its stderr:
$(cat "$BATS_TEST_TMPDIR/stderr")"
    for ((i = 1; i <= runs; i++)); do
      run_step cleanup.sh
      ((status == 0)) || fail "$LAB/cleanup.sh (run $i after run.sh was SIGKILLed after $printed lines) exited $status: $stderr"
    done
    snapshot after
    assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" \
      "$LAB/run.sh SIGKILLed after $printed lines, then cleanup.sh ($runs runs),"
    ((killed == 137)) && return 0
    echo "# $LAB finished before SIGKILL landed after line $cut; trying an earlier cut" >&3
  done
  fail "$LAB/run.sh finished every time before SIGKILL landed, even after its first line"
}

check_interrupt() {
  check::begin "$1" interrupt
  local cut status printed bash_bug=0 ignored
  # A process started with SIGINT ignored (a background job of a shell without job control, as in
  # `(bats … &)`) passes that on, and bash cannot trap a signal ignored at its start: every run.sh
  # would run through its SIGINT and this check would blame the lab.
  ignored=$(awk '/^SigIgn:/ { print $2 }' "/proc/$BASHPID/status")
  ((((16#$ignored >> 1) & 1) == 0)) || fail "this test runs with SIGINT ignored (SigIgn $ignored in /proc/$BASHPID/status), so run.sh cannot trap it:
start the suite from a terminal or a script, not as a background job of a shell without job control"
  for ((cut = $(half_of_output); cut >= 1; cut--)); do
    snapshot before
    status=$(signal_after job "$cut" INT)
    sleep 0.5 # let SIGKILLed namespaces finish dying
    snapshot after
    printed=$(wc -l <"$BATS_TEST_TMPDIR/stdout")
    assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" \
      "$LAB/run.sh interrupted after $printed lines (exit $status)"
    ((status == 130)) && return 0
    ((status == 0)) && { echo "# $LAB finished before SIGINT landed after line $cut; trying an earlier cut" >&3; continue; }
    # bash 5.2 (Debian 12's 5.2.15) runs a pending INT trap when it starts to parse a $(…) during
    # an expansion, with its parser inside that $(: the trap fails to parse ("interrupt trap: …
    # unexpected EOF") and bash exits 2; the EXIT trap still cleans up (no leak was found above).
    # A command with two substitutions hits it every time the signal lands in the first; the
    # content test shell-substitutions.test.ts keeps those out of every script (CONTRIBUTING.md,
    # rule 11). What is left is a window of microseconds before a command's only $(…): a bash
    # bug, not the lab's, so try the same cut again, at most twice.
    if ((status == 2 && bash_bug < 2)) && grep -q 'interrupt trap: .*unexpected EOF' "$BATS_TEST_TMPDIR/stderr"; then
      bash_bug=$((bash_bug + 1))
      echo "# $LAB: bash failed to parse its INT trap (bash 5.2 bug), nothing leaked; trying the same cut again" >&3
      cut=$((cut + 1))
      continue
    fi
    fail "$LAB/run.sh was sent SIGINT after $printed of its lines but exited $status, not 130:
it must die of the signal after its trap has cleaned up. Its stderr: $(cat "$BATS_TEST_TMPDIR/stderr")"
  done
  fail "$LAB/run.sh finished every time before SIGINT landed, even when sent after its first line:
make it slower to print its first line, or report this lab's shape in an issue"
}

check_nonroot() {
  check::begin "$1" nonroot
  local copy
  copy=$(copy_for_nobody scripts "$LAB")
  COPY=$copy
  snapshot before
  run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env "CFS_LAB_MARKER=$LAB" "$copy/$LAB/run.sh" 3>&- </dev/null
  snapshot after
  ((status != 0)) || fail "$LAB/run.sh succeeded as user nobody: it must refuse without root"
  [[ -z $output ]] || fail "$LAB/run.sh printed facts on stdout before refusing: $output"
  [[ $stderr == *root* ]] || fail "$LAB/run.sh refused without saying it needs root. Its stderr: $stderr"
  assert_no_leak "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" "$LAB/run.sh as nobody"
}

while IFS= read -r lab; do
  name=${lab#labs/}
  for check in ${CFS_LAB_CHECKS:-output sigkill interrupt nonroot}; do
    case $check in
      output) what="run.sh prints expected-output.txt and leaves nothing behind, even without cleanup.sh" ;;
      sigkill) what="cleanup.sh removes everything after run.sh is SIGKILLed half-way (on the host: also safe on a clean host and twice)" ;;
      interrupt) what="run.sh interrupted half-way exits 130 and leaves nothing behind" ;;
      nonroot) what="run.sh refuses as a non-root user and changes nothing" ;;
      *) echo "CFS_LAB_CHECKS: unknown check '$check' (output sigkill interrupt nonroot)" >&2; exit 1 ;;
    esac
    bats_test_function --description "$name: $what" -- "check_$check" "$lab"
  done
done < <(lab::dirs)
