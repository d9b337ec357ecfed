#!/usr/bin/env bash
# IPC namespace: System V message queues (and shared memory segments and semaphore arrays) live in
# an IPC namespace. Made inside one, they are invisible on the host and in any other IPC namespace,
# they outlive the process that made them, and they die with the namespace itself. The lab sees
# the namespace's end through the kernel's count of IPC namespaces (scripts/nslimit.sh).
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/nslimit.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/nslimit.sh"

TAG=cfs-ipc-ns-init

# Count the System V objects that `ipcs OPTION` lists (-q message queues, -m shared memory
# segments, -s semaphore arrays): one line per object, each starting with its 0x key.
# Run as `count OPTION` in the caller's IPC namespace, or `count OPTION nsenter --ipc=FILE`.
count() {
  local option=$1
  shift
  "$@" ipcs "$option" | awk '/^0x/ { n++ } END { print n + 0 }'
}

# Is there a queue on the host beyond the $1 counted at the start?
host_has_more_queues() {
  local now
  now=$(count -q)
  ((now > $1))
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd pkill procps
  common::require_cmd nsenter util-linux
  common::require_cmd ipcmk util-linux
  common::require_cmd ipcs util-linux
  common::require_cmd mountpoint util-linux
  common::require_kernel "IPC namespaces" /proc/self/ns/ipc

  local queues_before shm_before sem_before
  queues_before=$(count -q)
  shm_before=$(count -m)
  sem_before=$(count -s)

  log::info "unshare --ipc ipcs -q: a new IPC namespace starts empty"
  local n
  n=$(count -q unshare --ipc)
  echo "message queues in a fresh IPC namespace: $n"

  # A user namespace whose users may own one IPC namespace at a time: the probe of the end. The
  # lab's namespace is made in it (so it is counted there); host root can still enter it.
  local holder
  log::info "a user namespace with user.max_ipc_namespaces=1 (held by $TAG-userns)"
  nslimit::start holder ipc "$TAG-userns"

  local tmp pin
  common::tmpdir tmp ipc-ns
  # The pin's folder gets private propagation: on a host whose / is shared (systemd), the bind
  # mount below would otherwise be copied into other mount namespaces too (unshare(1) example).
  # The undo first: a signal that lands while the mount runs must not leave it behind.
  cleanup::push "! mountpoint -q '$tmp' || umount -l '$tmp'"
  mount --bind "$tmp" "$tmp"
  mount --make-private "$tmp"
  pin=$tmp/ipc
  touch "$pin"
  # A bind mount of /proc/PID/ns/ipc on FILE (what `unshare --ipc=FILE` does): the namespace
  # then lives on with no process in it, until that mount goes. Undo first, so an interrupt can
  # never leave it.
  cleanup::push "! mountpoint -q '$pin' || umount '$pin'"
  log::info "in that user namespace: unshare --ipc bash -c 'ipcmk -Q; ipcmk -M 4096; ipcmk -S 1; exec sleep'"
  # nsenter, unshare and bash exec each other: $! is the maker itself, tagged for cleanup.sh.
  nsenter --target "$holder" --user -- unshare --ipc \
    bash -c "ipcmk -Q && ipcmk -M 4096 && ipcmk -S 1 && exec -a $TAG-maker sleep 300" >/dev/null </dev/null &
  local maker=$! tries=50 comm=''
  while [[ $comm != sleep ]] && ((tries--)); do
    sleep 0.1
    read -r comm <"/proc/$maker/comm" || true
  done
  [[ $comm == sleep ]] || die "the process making the objects ($maker) never got to sleep"
  log::info "mount --bind /proc/$maker/ns/ipc $pin, then kill the maker"
  mount --bind "/proc/$maker/ns/ipc" "$pin"
  kill -KILL "$maker"
  wait "$maker" 2>/dev/null || true
  common::fact "the namespace is pinned by a bind mount of its nsfs file" mountpoint -q "$pin"

  log::info "nsenter --ipc=$pin ipcs -q (the process that made the queue has exited)"
  n=$(count -q nsenter --ipc="$pin")
  echo "message queues inside, after the process that made them exited: $n"
  n=$(count -m nsenter --ipc="$pin")
  echo "shared memory segments inside: $n"
  n=$(count -s nsenter --ipc="$pin")
  echo "semaphore arrays inside: $n"

  log::info "ipcs -q on the host, and in a second new IPC namespace"
  common::fact "the queue is visible on the host" host_has_more_queues "$queues_before"
  n=$(count -q unshare --ipc)
  echo "message queues in a second new IPC namespace: $n"

  # A namespace lives while anything refers to it: a member process, or a bind mount of its
  # /proc/<pid>/ns file. Put a process in it, then take the pin away.
  log::info "nsenter --ipc=$pin bash -c 'exec -a $TAG sleep 300' &, then umount $pin"
  # Registered before the start, so that an interrupt between the start and the next line can
  # never leave the process behind: SIGKILL every child of this script, then reap them.
  cleanup::push "pkill -KILL -P $$ 2>/dev/null; wait 2>/dev/null || true"
  nsenter --ipc="$pin" bash -c "exec -a $TAG sleep 300" </dev/null >/dev/null &
  local pid=$! tries=50 comm=''
  while [[ $comm != sleep ]] && ((tries--)); do
    sleep 0.1
    read -r comm <"/proc/$pid/comm" || true
  done
  [[ $comm == sleep ]] || die "the process in the namespace ($pid) never started"
  umount "$pin"
  n=$(count -q nsenter -t "$pid" -i)
  echo "message queues seen through the process still in it, after the pin is gone: $n"
  log::info "in the same user namespace: unshare --ipc true, while it lives (the cap is 1)"
  echo "another IPC namespace while it lives, under a cap of 1: $(nslimit::try "$holder" --ipc)"

  log::info "kill -KILL $pid: the last reference goes; then unshare --ipc true again"
  kill -KILL "$pid"
  wait "$pid" 2>/dev/null || true
  echo "another IPC namespace once its last process and pin are gone: $(nslimit::wait_free "$holder" --ipc)"
  n=$(count -q)
  echo "queues added on the host: $((n - queues_before))"
  n=$(count -m)
  echo "shared memory segments added on the host: $((n - shm_before))"
  n=$(count -s)
  echo "semaphore arrays added on the host: $((n - sem_before))"
}
main "$@"
