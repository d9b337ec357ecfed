#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# scripts/test-all.sh lab <topic>/<lab>: what it refuses, before it runs anything.

load ../helpers

@test "test-all lab: a malformed lab name is refused with a message that shows the form" {
  run --separate-stderr "$REPO_ROOT/scripts/test-all.sh" lab Silos/PID_ns
  assert_failure
  [[ $stderr == *"'Silos/PID_ns' is not a lab name: write <topic>/<lab>"* ]] || fail "unclear refusal: $stderr"
  [[ -z $output ]] || fail "a refusal printed on stdout: $output"
}

@test "test-all lab: a lab that does not exist is refused, naming the labs there are and how to make one" {
  run --separate-stderr "$REPO_ROOT/scripts/test-all.sh" lab silos/no-such-lab
  assert_failure
  [[ $stderr == *"labs/silos/no-such-lab/run.sh does not exist"* ]] || fail "unclear refusal: $stderr"
  [[ $stderr == *"silos/pid-ns"* ]] || fail "the refusal does not list the labs: $stderr"
  [[ $stderr == *"npm run new -- lab silos/no-such-lab"* ]] || fail "the refusal does not say how to make it: $stderr"
}

@test "test-all lab: no name, or two, is refused with the usage" {
  for args in "lab" "lab silos/pid-ns silos/uts-ns"; do
    # shellcheck disable=SC2086 # the words are the arguments
    run --separate-stderr "$REPO_ROOT/scripts/test-all.sh" $args
    assert_failure
    [[ $stderr == *"usage: "*"test-all.sh lab <topic>/<lab>"* ]] || fail "'$args': no usage: $stderr"
  done
}

@test "test-all: a one-lab step run on its own says how to name the lab" {
  run --separate-stderr "$REPO_ROOT/scripts/test-all.sh" lab-lint
  assert_failure
  [[ $output$stderr == *"use: "*"test-all.sh lab <topic>/<lab>"* ]] || fail "unclear refusal: $output $stderr"
}
