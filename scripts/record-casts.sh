#!/usr/bin/env bash
# record-casts.sh: record a replay of a real run of each lab, labs/<topic>/<lab>/run.cast, that the
# lab's page plays (src/components/LabCast).
#
#   sudo scripts/record-casts.sh                  every lab the host can run (verify: lists host)
#   sudo scripts/record-casts.sh silos/pid-ns …   these labs
#
# The labs run one after the other, each once, for real, under the labs lock
# (/run/lock/cfs-labs.lock, taken once for the batch, as for every lab run on this machine),
# inside `asciinema rec` (Debian package asciinema): the terminal shows
# `$ sudo labs/<topic>/<lab>/run.sh`, then stdout and stderr as a reader sees them, at real speed.
# The cast is written only from a green run: run.sh exited 0 and its stdout is exactly
# expected-output.txt. Its header (asciicast v2) carries, under "cfs", the sha256 of run.sh and of
# expected-output.txt; tests/content/casts.test.ts fails when either changed after the recording.
# A run whose terminal output holds this host's name or machine id is refused (no host secrets).
# Labs with `verify: vm` only (AppArmor, CRIU) cannot run here and are skipped with a note.
set -Eeuo pipefail
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
# shellcheck source=lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"

LOCK=/run/lock/cfs-labs.lock
COLS=100
ROWS=32

# Inside the recording: the prompt line, then the lab with its stdout also kept in OUT.
session() {
  local lab=$1 out=$2 rc=$3 status
  printf '$ sudo labs/%s/run.sh\n' "$lab"
  set +e
  "labs/$lab/run.sh" | tee "$out"
  status=${PIPESTATUS[0]}
  set -e
  echo "$status" >"$rc"
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

record() {
  local lab=$1 dir tmp status when
  dir=labs/$lab
  [[ -x $dir/run.sh && -f $dir/expected-output.txt ]] || die "$dir is not a lab (no run.sh or expected-output.txt)."
  lab::values "$dir" verify
  if [[ " ${LAB_VALUES[*]} " != *" host "* ]]; then
    log::warn "$lab: verify: ${LAB_VALUES[*]} (not host): it cannot run on this host, no cast recorded"
    exit 3
  fi
  # Not /tmp/cfs-*: the labs harness of another run watches those paths for leaks.
  tmp=$(mktemp -d /tmp/record-casts.XXXXXX)
  cleanup::push "rm -rf -- '$tmp'"
  log::info "$lab: recording a run"
  asciinema rec --quiet --overwrite --cols "$COLS" --rows "$ROWS" -e TERM \
    -c "$(printf '%q ' "$CFS_REPO_ROOT/scripts/record-casts.sh" --session "$lab" "$tmp/stdout" "$tmp/rc")" "$tmp/raw.cast" </dev/null
  status=$(cat "$tmp/rc" 2>/dev/null || echo '?')
  [[ $status == 0 ]] || die "$lab: run.sh exited $status: not a green run, no cast written."
  if ! cmp -s "$tmp/stdout" "$dir/expected-output.txt"; then
    diff -u "$dir/expected-output.txt" "$tmp/stdout" >&2 || true
    die "$lab: stdout differs from expected-output.txt: not a green run, no cast written."
  fi
  local host machine
  host=$(hostname)
  machine=$(cat /etc/machine-id 2>/dev/null || true)
  if { ((${#host} >= 4)) && grep -qw -- "$host" "$tmp/raw.cast"; } || { [[ -n $machine ]] && grep -qF -- "$machine" "$tmp/raw.cast"; }; then
    die "$lab: the recording shows this host's name or machine id: not committed."
  fi
  when=$(date -u +%Y-%m-%d)
  local run_sha exp_sha kernel dur events secs bytes
  run_sha=$(sha "$dir/run.sh")
  exp_sha=$(sha "$dir/expected-output.txt")
  kernel=$(uname -r)
  dur=$(tail -n1 "$tmp/raw.cast" | jq '.[0]')
  {
    head -n1 "$tmp/raw.cast" | jq -c \
      --arg lab "$lab" --arg run "$run_sha" --arg exp "$exp_sha" \
      --arg when "$when" --arg kernel "$kernel" --argjson dur "$dur" \
      '{version, width, height, timestamp, duration: $dur, title: "sudo labs/\($lab)/run.sh", env,
        cfs: {lab: $lab, recorded: $when, kernel: $kernel, "run.sh": $run, "expected-output.txt": $exp}}'
    tail -n +2 "$tmp/raw.cast"
  } >"$dir/run.cast"
  events=$(($(wc -l <"$dir/run.cast") - 1))
  secs=$(tail -n1 "$dir/run.cast" | jq '.[0] | floor')
  bytes=$(wc -c <"$dir/run.cast")
  echo "$dir/run.cast: $events events, $secs s, $bytes bytes"
}

main() {
  if [[ ${1:-} == --session ]]; then
    shift
    session "$@"
    return
  fi
  common::require_root
  common::require_cmd asciinema asciinema
  common::require_cmd flock util-linux
  common::require_cmd jq jq
  cd "$(common::repo_root)"
  # The whole batch under the labs lock, taken once (another lab harness may hold it for minutes).
  if [[ -z ${CFS_CASTS_LOCKED:-} ]]; then
    log::info "waiting for $LOCK"
    exec flock "$LOCK" env CFS_CASTS_LOCKED=1 "$CFS_REPO_ROOT/scripts/record-casts.sh" "$@"
  fi
  local labs=("$@") lab
  if ((${#labs[@]} == 0)); then
    for lab in labs/*/*/lab.manifest; do
      lab=${lab#labs/}
      labs+=("${lab%/lab.manifest}")
    done
  fi
  local recorded=() skipped=() failed=() status
  for lab in "${labs[@]}"; do
    lab=${lab%/}
    # A subshell each: a lab that fails is reported, and the others are still recorded.
    status=0
    (record "$lab") || status=$?
    case $status in
      0) recorded+=("$lab") ;;
      3) skipped+=("$lab") ;;
      *) failed+=("$lab") ;;
    esac
  done
  echo "recorded ${#recorded[@]} casts${skipped[*]:+; skipped (need the VM): ${skipped[*]}}${failed[*]:+; FAILED: ${failed[*]}}"
  ((${#failed[@]} == 0))
}

main "$@"
