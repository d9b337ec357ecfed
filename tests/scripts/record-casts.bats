#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# scripts/record-casts.sh: what it refuses and skips. (Recording itself runs real labs: it is the
# explicit command that made labs/*/*/run.cast, checked by tests/content/casts.test.ts.)

load ../helpers

@test "record-casts.sh refuses to run as a non-root user, naming root" {
  local copy
  copy=$(copy_for_nobody scripts)
  run --separate-stderr setpriv --reuid=nobody --regid=nogroup --clear-groups "$copy/scripts/record-casts.sh" silos/pid-ns
  rm -rf -- "$copy"
  [ "$status" -ne 0 ]
  [[ $stderr == *"must run as root"* ]]
}

@test "record-casts.sh refuses a folder that is not a lab, and writes no cast" {
  ((EUID == 0)) || skip "needs root"
  command -v asciinema >/dev/null || skip "asciinema is not installed"
  # CFS_CASTS_LOCKED: nothing runs here, so no need to wait for the labs lock.
  CFS_CASTS_LOCKED=1 run --separate-stderr "$REPO_ROOT/scripts/record-casts.sh" silos/no-such-lab
  [ "$status" -ne 0 ]
  [[ $stderr == *"labs/silos/no-such-lab is not a lab"* ]]
  [[ $output == *"FAILED: silos/no-such-lab"* ]]
  [ ! -e "$REPO_ROOT/labs/silos/no-such-lab" ]
}

@test "record-casts.sh skips a lab the host cannot run (verify: vm only) and leaves its folder as it was" {
  ((EUID == 0)) || skip "needs root"
  command -v asciinema >/dev/null || skip "asciinema is not installed"
  local lab=security/apparmor
  grep -Eq '^verify:[[:space:]]+vm([[:space:]]|$)' "$REPO_ROOT/labs/$lab/lab.manifest" || skip "$lab is no longer vm-only"
  local before
  before=$(ls -la "$REPO_ROOT/labs/$lab")
  CFS_CASTS_LOCKED=1 run --separate-stderr "$REPO_ROOT/scripts/record-casts.sh" "$lab"
  [ "$status" -eq 0 ]
  [[ $output == *"recorded 0 casts; skipped (need the VM): $lab"* ]]
  [[ $stderr == *"cannot run on this host"* ]]
  [ "$(ls -la "$REPO_ROOT/labs/$lab")" = "$before" ]
}
