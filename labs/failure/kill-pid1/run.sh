#!/usr/bin/env bash
# Failure lab, kill PID 1: a container's first process is its PID namespace's init. Signals it
# has no handler for do not reach it (from inside, not even SIGKILL); when it dies, the kernel
# kills every other process of the namespace. A minimal init (tini, what `docker run --init`
# runs) as PID 1 forwards SIGTERM to the program and reaps orphans.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-kp # every container is named cfs-kp-…: the tag cleanup.sh kills by (lab.manifest)
TINI=/usr/bin/tini-static # statically linked: it runs in the BusyBox rootfs, bind-mounted

# The host PID of container $1's PID 1 (its state.json).
pid1() { sed -n 's/^  "pid": \([0-9]*\),$/\1/p' "$(state "$1")"; }
# The state.json of the container named $1.
state() { grep -l "\"name\": \"$1\"" /run/mini-container/*/state.json; }
# The exit code mini-container recorded for container $1.
exit_code() { sed -n 's/^  "exitCode": \([0-9a-z]*\),$/\1/p' "$(state "$1")"; }

# Count in NS_COUNT the processes of the PID namespace $1 (a link such as pid:[4026532…], read
# before its init dies), and in ZOMBIES those of them in state Z (exited, never waited for).
count_ns() {
  local ns=$1 p stat n=0 z=0
  for p in /proc/[0-9]*; do
    [[ $(readlink "$p/ns/pid" 2>/dev/null) == "$ns" ]] || continue
    stat=$(cat "$p/stat" 2>/dev/null) || continue
    n=$((n + 1))
    stat=${stat##*) }
    [[ ${stat%% *} == Z ]] && z=$((z + 1))
  done
  NS_COUNT=$n ZOMBIES=$z
}

# Start a detached container named $1 with the rest as its options and command.
start() {
  local name=$1
  shift
  cleanup::push "'$MC' rm -f $name >/dev/null 2>&1 || true"
  "$MC" run -d --name "$name" "$@" >/dev/null
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd tini-static tini
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  log::info "a container whose PID 1 is a shell with no signal handler, and two children"
  start "$NAME-sh" -- sh -c 'sleep 1000 & sleep 1000 & wait'
  local pid ns
  pid=$(pid1 "$NAME-sh")
  ns=$(readlink "/proc/$pid/ns/pid")
  common::wait_until 5 "the two sleeps" "count_ns '$ns'; ((NS_COUNT == 3))"
  echo "PID 1 of the container runs: $("$MC" exec "$NAME-sh" cat /proc/1/comm)"
  echo "processes in its PID namespace: $NS_COUNT"

  log::info "inside: kill -TERM 1, then kill -KILL 1 (as root, with CAP_KILL)"
  "$MC" exec "$NAME-sh" kill -TERM 1
  sleep 0.5
  echo "PID 1 alive after kill -TERM 1 from inside: $(common::yes_no kill -0 "$pid")"
  "$MC" exec "$NAME-sh" kill -KILL 1
  sleep 0.5
  echo "PID 1 alive after kill -KILL 1 from inside: $(common::yes_no kill -0 "$pid")"
  log::info "from the host: kill -TERM $pid"
  kill -TERM "$pid"
  sleep 0.5
  echo "PID 1 alive after SIGTERM from the host: $(common::yes_no kill -0 "$pid")"
  log::info "from the host: kill -KILL $pid"
  kill -KILL "$pid"
  common::wait_until 5 "the namespace to empty" "count_ns '$ns'; ((NS_COUNT == 0))" || true
  count_ns "$ns"
  echo "processes left in its PID namespace after SIGKILL of PID 1 from the host: $NS_COUNT"
  common::wait_until 5 "the runtime to record the exit" "[[ \$(exit_code $NAME-sh) != null ]]"
  echo "container's exit status: $(exit_code "$NAME-sh")"
  "$MC" rm "$NAME-sh"

  log::info "a program as PID 1 that never waits: sh runs an orphan in the background, then exec sleep"
  start "$NAME-app" -- sh -c '(sleep 0.2 &); exec sleep 1000'
  pid=$(pid1 "$NAME-app")
  sleep 1
  count_ns "$(readlink "/proc/$pid/ns/pid")"
  echo "without an init, zombies in its PID namespace after 1 s: $ZOMBIES"
  log::info "mini-container stop -t 2: SIGTERM, then SIGKILL after 2 s"
  "$MC" stop -t 2 "$NAME-app" 2>/dev/null
  echo "without an init, exit status after stop: $(exit_code "$NAME-app")"
  "$MC" rm "$NAME-app"

  log::info "the fix: tini as PID 1 (docker run --init), the same program as its child"
  start "$NAME-init" -v "$TINI:/sbin/tini:ro" -- /sbin/tini -- sh -c '(sleep 0.2 &); exec sleep 1000'
  pid=$(pid1 "$NAME-init")
  sleep 1
  echo "with tini, PID 1 runs: $("$MC" exec "$NAME-init" cat /proc/1/comm)"
  count_ns "$(readlink "/proc/$pid/ns/pid")"
  echo "with tini, zombies in its PID namespace after 1 s: $ZOMBIES"
  "$MC" stop -t 2 "$NAME-init" 2>/dev/null
  echo "with tini, exit status after stop: $(exit_code "$NAME-init")"
  "$MC" rm "$NAME-init"
}
main "$@"
