#!/usr/bin/env bash
# Build a container: the finished mini-container runs real containers, and the lab checks each
# promise of part 80 from the outside: isolation, exit codes, limits, capabilities, the network.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/cgroup.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/cgroup.sh"

MC=$CFS_SCRIPT_DIR/mini-container
NAME=cfs-fin # every container is named cfs-fin-…: the tag cleanup.sh kills by (lab.manifest)
PORT=47080   # the published host port

# Run a container in the foreground; its stdout is the value, its status in $MC_STATUS.
mc() {
  MC_STATUS=0
  "$MC" run --name "$NAME-$((++MC_N))" "$@" || MC_STATUS=$?
}
MC_N=0

main() {
  common::require_root
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd iptables iptables
  common::require_cmd nft nftables
  # Whatever a container of this lab leaves (after Ctrl-C too): the runtime's own prune.
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  log::info "isolation: a shell as PID 1 in new namespaces, on an overlay after pivot_root"
  echo "PID of the command in the container: $(mc --hostname box -- sh -c 'echo $$')"
  echo "host name in the container: $(mc --hostname box -- hostname)"
  echo "root file system: $(mc -- sh -c 'grep " / " /proc/mounts | cut -d" " -f3')"
  echo "host mounts visible inside: $(mc -- sh -c 'grep -c -v -E " /(|proc|sys|dev|dev/pts|dev/shm) " /proc/mounts')"
  echo "devices in /dev: $(mc -- ls /dev | tr '\n' ' ')"
  echo "/sys writable: $(mc -- sh -c 'touch /sys/x 2>/dev/null && echo yes || echo no')"
  mc -- sh -c 'echo one >/etc/mark' >/dev/null
  echo "a file written by one container seen by the next: $(mc -- sh -c 'cat /etc/mark 2>/dev/null || echo no')"
  echo "--read-only, a write to /: $(mc --read-only -- sh -c 'touch /x 2>/dev/null && echo allowed || echo refused')"

  log::info "exit codes: the container's status is the runtime's"
  mc -- sh -c 'exit 7'
  echo "sh -c 'exit 7': status $MC_STATUS"
  mc -- no-such-command 2>/dev/null
  echo "a command missing from the rootfs: status $MC_STATUS"

  log::info "limits: memory (OOM), pids (a fork bomb), cpus (throttling)"
  mc --memory 16m -- tail /dev/zero
  echo "--memory 16m, tail /dev/zero: status $MC_STATUS"
  local id cg
  cleanup::push "'$MC' rm -f $NAME-bomb >/dev/null 2>&1 || true"
  # Every bomb process starts two more, then becomes a sleep that holds its slot, so the cgroup
  # stays full. PID 1 forks once, while the cgroup is empty, then execs: a fork the kernel refuses
  # ends BusyBox's sh ("can't fork"), and a PID 1 that forked again after the bomb (the classic
  # `bomb | bomb &; sleep`) died that way when the machine was busy, and the container with it.
  id=$("$MC" run -d --name "$NAME-bomb" --pids 12 -- sh -c 'bomb() { bomb & bomb & exec sleep 60; }; bomb & exec sleep 60')
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  cg=cfs-mc-$id
  sleep 1
  echo "--pids 12 fork bomb, processes at most 12: $(common::yes_no test "$(cgroup::pids_current "$cg")" -le 12)"
  echo "--pids 12 fork bomb, forks refused: $(common::yes_no test "$(cgroup::pids_denied "$cg")" -gt 0)"
  "$MC" rm -f "$id"
  cleanup::push "'$MC' rm -f $NAME-busy >/dev/null 2>&1 || true"
  id=$("$MC" run -d --name "$NAME-busy" --cpus 0.1 -- sh -c 'while :; do :; done')
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  cg=cfs-mc-$id
  local before after
  before=$(cgroup::cpu_usage_us "$cg")
  sleep 1
  after=$(cgroup::cpu_usage_us "$cg")
  echo "--cpus 0.1 busy loop throttled (nr_throttled > 0): $(common::yes_no test "$(cgroup::cpu_throttled "$cg")" -gt 0)"
  echo "--cpus 0.1 busy loop, under 0.25 s of CPU in 1 s: $(common::yes_no test $((after - before)) -lt 250000)"
  "$MC" rm -f "$id"

  log::info "capabilities: Docker's default set, no_new_privs"
  echo "bounding set (CapBnd): $(mc -- grep CapBnd /proc/self/status | cut -f2)"
  echo "no_new_privs (NoNewPrivs): $(mc -- grep NoNewPrivs /proc/self/status | cut -f2)"
  echo "--cap-drop CHOWN, chown as root: $(mc --cap-drop CHOWN -- sh -c 'touch /f; chown 1 /f 2>/dev/null && echo allowed || echo refused')"

  log::info "network: a bridge, an address each, a published port"
  cleanup::push "'$MC' rm -f $NAME-web >/dev/null 2>&1 || true"
  id=$("$MC" run -d --name "$NAME-web" --net bridge -p "$PORT:80" -- \
    sh -c 'mkdir /www; echo hello >/www/index.html; exec httpd -f -p 80 -h /www')
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  local reply conn tries=50
  # run -d returns once the server is about to start: it listens a moment later.
  until { exec {conn}<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null; do
    ((tries--)) || die "nothing answers on 127.0.0.1:$PORT"
    sleep 0.1
  done
  printf 'GET / HTTP/1.0\r\n\r\n' >&"$conn"
  reply=$(tail -n1 <&"$conn")
  exec {conn}<&-
  echo "port $PORT published to 80, from the host's 127.0.0.1: $reply"
  echo "port $PORT from another container, through the bridge: $(mc --net bridge -- \
    sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 2 10.213.0.1 $PORT | tail -n1")"
  "$MC" rm -f "$id"
  echo "containers left: $("$MC" ps | tail -n +2 | wc -l)"
}
main "$@"
