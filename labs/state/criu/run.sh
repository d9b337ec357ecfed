#!/usr/bin/env bash
# CRIU: a process that counts 1, 2, 3... into a log is checkpointed with `criu dump` (which
# writes its memory, registers, files and children as image files, then kills it), stays dead a
# second, and comes back with `criu restore`: same PID, and its next number follows the last one
# it wrote before the dump. On a kernel `criu check` rejects, the lab refuses with criu's reason.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

TAG=cfs-criu-counter # $0 of the counting shell, kept by the restored process
WORKDIR=             # /tmp/cfs-criu.XXXXXX: the counter's log and the image folder

# Refuse, changing nothing, where CRIU cannot work: criu check's own first error is the reason.
require_criu() {
  local out reason
  if ! out=$(criu check 2>&1); then
    reason=$(grep -m1 '^Error' <<<"$out" || true)
    [[ -n $reason ]] || reason=$(tail -n 1 <<<"$out")
    die "criu check fails on this kernel ($(uname -r)), so CRIU cannot checkpoint here. criu says: ${reason:-nothing} (the project verifies this lab in its VM: scripts/vm/run-suite.sh state/criu)."
  fi
}

lines() { if [[ -f $WORKDIR/count.log ]]; then wc -l <"$WORKDIR/count.log"; else echo 0; fi; }
last() { tail -n 1 "$WORKDIR/count.log"; }
counters() { pgrep -c -f -- "$TAG" || true; }

# Start the counter in the background ($! is the counting shell: setsid execs without forking
# here) in its own session, with stdio on /dev/null and every other inherited file descriptor
# closed (a pipe to a test harness, a lock file), and the log opened anew for each number:
# nothing ties it to a resource outside its own tree, which criu dump would refuse (or need
# --shell-job, --ext-unix-sk or --external for).
start_counter() {
  (
    cd "$WORKDIR"
    local fd
    for fd in /proc/"$BASHPID"/fd/*; do
      fd=${fd##*/}
      if ((fd > 2)); then eval "exec $fd>&-"; fi
    done
    # shellcheck disable=SC2016 # the counting shell expands $i
    exec setsid sh -c 'i=0; while :; do i=$((i+1)); echo $i >>count.log; sleep 0.2; done' "$TAG" </dev/null >/dev/null 2>&1
  ) &
}

main() {
  common::require_root
  common::require_cmd criu criu
  common::require_cmd setsid util-linux
  common::require_cmd pgrep procps
  require_criu
  ! pgrep -f -- "$TAG" >/dev/null || die "a process tagged $TAG is running (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."

  common::tmpdir WORKDIR criu
  mkdir "$WORKDIR/images"
  cleanup::push "common::kill_tagged $TAG"
  log::info "setsid sh -c 'i=0; while :; do i=\$((i+1)); echo \$i >>count.log; sleep 0.2; done' $TAG"
  start_counter
  local pid=$! before n restored
  common::wait_until 10 "the counter to write 3 numbers" "(( \$(lines) >= 3 ))"
  echo "counter processes running: $(counters)"

  log::info "criu dump -t $pid -D $WORKDIR/images (the process tree is written to images, then killed)"
  local rc=0
  criu dump -t "$pid" -D "$WORKDIR/images" -o dump.log || rc=$?
  echo "criu dump exit status: $rc"
  # After a failed dump the counter runs on (criu resumes it): never wait for it then.
  ((rc == 0)) || die "criu dump failed: the end of its log, $WORKDIR/images/dump.log: $(tail -n 5 "$WORKDIR/images/dump.log" 2>/dev/null)"
  wait "$pid" 2>/dev/null || true
  before=$(last)
  n=$(lines)
  echo "counter processes running after the dump: $(counters)"
  echo "images written for its PID (core-<pid>.img): $(common::yes_no test -s "$WORKDIR/images/core-$pid.img")"
  sleep 1
  echo "numbers written during 1 s after the dump: $(($(lines) - n))"

  log::info "criu restore -D $WORKDIR/images --restore-detached"
  rc=0
  criu restore -D "$WORKDIR/images" --restore-detached -o restore.log || rc=$?
  echo "criu restore exit status: $rc"
  ((rc == 0)) || die "criu restore failed: the end of its log, $WORKDIR/images/restore.log: $(tail -n 5 "$WORKDIR/images/restore.log" 2>/dev/null)"
  common::wait_until 10 "the restored counter to write 2 numbers" "(( \$(lines) >= n + 2 ))"
  restored=$(pgrep -f -- "$TAG" | head -n 1)
  echo "counter processes running after the restore: $(counters)"
  echo "the restored counter has the PID it had: $(common::yes_no test "$restored" = "$pid")"
  echo "first number after the restore minus the last before the dump: $(($(sed -n "$((n + 1))p" "$WORKDIR/count.log") - before))"
  # shellcheck disable=SC2016 # $1 is awk's
  echo "the log is 1, 2, 3... with no gap and no repeat: $(common::yes_no awk '$1 != NR { bad = 1 } END { exit bad }' "$WORKDIR/count.log")"
}
main "$@"
