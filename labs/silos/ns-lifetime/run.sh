#!/usr/bin/env bash
# Namespace lifetime: a namespace lives as long as something refers to it: a member process, a
# bind mount of its /proc/<pid>/ns file, or an open file descriptor on it. Drop the last
# reference and the kernel frees it. A veth pair with one end inside each namespace is the probe:
# when a network namespace is freed, the kernel deletes the veth inside it, and its peer on the
# host disappears with it.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NETNS=$(common::name ns-lifetime)
PROBE_HOST=$(common::name lt-host) # the veth end that stays in the host's namespace
PROBE_NS=$(common::name lt-ns)     # its peer, moved into the namespace under watch
FREE_TIMEOUT=15                    # seconds to wait for the kernel to free a namespace

# Print the inode number of the network namespace behind a /proc/*/ns file, a bind mount of one
# or an open file descriptor on one.
ns_inode() { stat -L -c %i "$1"; }

# Count the processes whose network namespace is the one with inode $1.
members() {
  local ino=$1 link n=0
  for link in /proc/[0-9]*/ns/net; do
    [[ $(readlink "$link" 2>/dev/null) == "net:[$ino]" ]] && n=$((n + 1))
  done
  echo "$n"
}

# Count the mounts whose mounted object is the network namespace with inode $1 (nsfs mounts
# show "net:[inode]" as their root in mountinfo).
mounts_of() {
  local ino=$1
  awk -v want="net:[$ino]" '$4 == want' /proc/self/mountinfo | wc -l
}

# Put a veth pair between the host and the network namespace at path $1: one end inside, the
# other (the probe) here. The pair is deleted by the kernel when that namespace is freed.
add_probe() {
  local ns_path=$1
  nsenter --net="$ns_path" ip link add "$PROBE_NS" type veth peer name "$PROBE_HOST" netns "$$"
  cleanup::push "ip link delete $PROBE_HOST 2>/dev/null || true"
}

probe_present() { ip link show "$PROBE_HOST" >/dev/null 2>&1; }

# Wait until the probe is gone (the namespace was freed); print "yes", or "no" on timeout.
freed() {
  local tries=$((FREE_TIMEOUT * 10))
  while ((tries--)); do
    probe_present || { echo yes; return 0; }
    sleep 0.1
  done
  echo "no (still there after ${FREE_TIMEOUT} s)"
}

# Wait until PID $1 has left our network namespace.
wait_for_new_netns() {
  local pid=$1 tries=100 ours
  ours=$(readlink /proc/self/ns/net)
  while ((tries--)); do
    [[ -e /proc/$pid/ns/net && $(readlink "/proc/$pid/ns/net" 2>/dev/null) != "$ours" ]] && return 0
    sleep 0.05
  done
  die "PID $pid never entered a new network namespace"
}

held_by_bind_mount() {
  local dir=$WORKDIR/ns
  mkdir "$dir"
  # The file must sit on a mount that does not propagate: bind the folder on itself, private.
  # The undo first: a signal that lands while the mount runs must not leave it behind.
  cleanup::push "! mountpoint -q '$dir' || umount -R '$dir' 2>/dev/null || true"
  mount --bind "$dir" "$dir"
  mount --make-private "$dir"
  touch "$dir/net"
  log::info "unshare --net=$dir/net true"
  unshare --net="$dir/net" true
  local ino
  ino=$(ns_inode "$dir/net")
  echo "after unshare --net=FILE true exits, FILE is a mount of type: $(findmnt -n -o FSTYPE --mountpoint "$dir/net")"
  echo "processes in that namespace: $(members "$ino")"
  echo "nsenter --net=FILE works: $(common::yes_no nsenter --net="$dir/net" true)"
  echo "namespace seen through nsenter is the file's (same inode): $(common::yes_no test "$(nsenter --net="$dir/net" readlink /proc/self/ns/net)" == "net:[$ino]")"
  nsenter --net="$dir/net" ip link set lo up
  echo "lo set up by one nsenter is still up in the next: $(common::yes_no nsenter --net="$dir/net" sh -c 'ip -o link show lo | grep -qE "[<,]UP[,>]"')"
  add_probe "$dir/net"
  echo "probe veth with its peer inside the namespace: $(probe_present && echo present || echo absent)"
  log::info "umount $dir/net"
  umount "$dir/net"
  echo "after umount, nsenter --net=FILE works: $(common::yes_no nsenter --net="$dir/net" true 2>/dev/null)"
  echo "after umount, the namespace is freed (probe gone): $(freed)"
}

held_by_ip_netns() {
  log::info "ip netns add $NETNS"
  netns::add "$NETNS"
  local ino
  ino=$(ns_inode "/run/netns/$NETNS")
  # At least one: where / is shared (systemd's default), the mount propagates and is listed twice.
  echo "ip netns add makes a bind mount under /run/netns: $(common::yes_no test "$(awk -v want="net:[$ino]" '$4 == want && $5 == "/run/netns/'"$NETNS"'"' /proc/self/mountinfo | wc -l)" -ge 1)"
  echo "processes in a namespace made by ip netns add: $(members "$ino")"
  add_probe "/run/netns/$NETNS"
  log::info "ip netns delete $NETNS"
  ip netns delete "$NETNS"
  echo "after ip netns delete, bind mounts of it left: $(mounts_of "$ino")"
  echo "after ip netns delete, the namespace is freed (probe gone): $(freed)"
}

held_by_open_fd() {
  local go=$WORKDIR/go
  mkfifo "$go"
  # The member's $0, cfs-ns-lifetime-member, lets cleanup.sh find it.
  # shellcheck disable=SC2016 # $1 belongs to the inner shell
  unshare --net sh -c 'read -r _ <"$1"' cfs-ns-lifetime-member "$go" &
  local member=$!
  cleanup::push "kill -KILL $member 2>/dev/null; wait $member 2>/dev/null || true"
  wait_for_new_netns "$member"
  add_probe "/proc/$member/ns/net"
  local fd ino
  log::info "this shell opens /proc/$member/ns/net, then its only member exits"
  exec {fd}<"/proc/$member/ns/net"
  ino=$(ns_inode "/proc/$$/fd/$fd")
  echo >"$go"
  wait "$member" || true
  echo "after its only process exits, processes left in the namespace: $(members "$ino")"
  echo "bind mounts of that namespace: $(mounts_of "$ino")"
  echo "an open fd on /proc/<pid>/ns/net keeps it alive (probe still there): $(probe_present && echo yes || echo no)"
  echo "nsenter through /proc/<pid>/fd/<fd> reaches it: $(common::yes_no test "$(nsenter --net="/proc/$$/fd/$fd" readlink /proc/self/ns/net)" == "net:[$ino]")"
  log::info "closing the fd"
  exec {fd}<&-
  echo "after the fd is closed, the namespace is freed (probe gone): $(freed)"
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd findmnt util-linux
  common::require_cmd mountpoint util-linux
  common::require_cmd ip iproute2
  common::require_kernel "network namespaces" /proc/self/ns/net
  [[ ! -e /run/netns/$NETNS ]] \
    || die "network namespace $NETNS already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."
  ! ip link show "$PROBE_HOST" >/dev/null 2>&1 \
    || die "link $PROBE_HOST already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."
  common::tmpdir WORKDIR ns-lifetime
  held_by_bind_mount
  held_by_ip_netns
  held_by_open_fd
}
main "$@"
