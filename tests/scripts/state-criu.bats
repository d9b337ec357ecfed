#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# labs/state/criu on a kernel where CRIU cannot work: run.sh refuses before it creates anything,
# and its reason is criu's own (the first error of `criu check`). The lab itself is verified in
# the CI VM (verify: vm, features: criu); this is the part a CRIU-less host can check.

load ../helpers

setup_file() { lab::lock; }

LAB_RUN=labs/state/criu/run.sh

# Nothing the lab would make: its temp folders and its tagged processes.
traces() {
  compgen -G '/tmp/cfs-criu.*' || true
  pgrep -f -- cfs-criu-counter || true
}

@test "state/criu: run.sh refuses with criu check's first error, and creates nothing, where criu check fails" {
  requires root
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  # A criu whose check fails as CRIU 3.17 does on a 6.18 kernel; any other command would be a bug.
  cat >"$BATS_TEST_TMPDIR/bin/criu" <<'STUB'
#!/bin/sh
[ "$1" = check ] || { echo "unexpected: criu $*" >>"${0%/*}/calls"; exit 99; }
echo 'Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds' >&2
echo 'Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed when initializing kerndat.' >&2
exit 1
STUB
  chmod +x "$BATS_TEST_TMPDIR/bin/criu"
  local before
  before=$(traces)
  PATH=$BATS_TEST_TMPDIR/bin:$PATH run --separate-stderr "$REPO_ROOT/$LAB_RUN"
  assert_failure
  assert_output ""
  [[ $stderr == *"criu check fails on this kernel"* ]] || fail "stderr does not say criu check failed: $stderr"
  [[ $stderr == *"criu says: Error (criu/vdso.c:381): vdso: Unexpected rt vDSO area bounds"* ]] \
    || fail "stderr does not give criu's first error: $stderr"
  assert [ ! -e "$BATS_TEST_TMPDIR/bin/calls" ]
  assert_equal "$(traces)" "$before"
}

@test "state/criu: on this host, run.sh refuses exactly when the real criu check fails" {
  requires root
  command -v criu >/dev/null || skip "criu is not installed (apt-get install criu)"
  local before reason
  if reason=$(criu check 2>&1); then
    skip "criu check passes on this kernel: the lab runs here (the harness checks it)"
  fi
  reason=$(grep -m1 '^Error' <<<"$reason")
  before=$(traces)
  run --separate-stderr "$REPO_ROOT/$LAB_RUN"
  assert_failure
  assert_output ""
  [[ $stderr == *"criu says: $reason"* ]] || fail "stderr does not give criu's reason ($reason): $stderr"
  assert_equal "$(traces)" "$before"
}
