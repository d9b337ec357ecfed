#!/usr/bin/env bash
# Stage 5 of the mini-container: a network. The container gets the network namespace made with
# scripts/netns.sh (named, like the ones CNI plugins are handed) instead of an empty one: one end
# of a veth pair is in it, the other is enslaved to a bridge in the host's namespace, which holds
# the gateway address. Inside, the container pings its gateway and serves a page with BusyBox
# httpd; the host reads that page over the veth. Everything is named cfs-s5…, in 10.250.80.0/24.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"
# shellcheck source=../../../scripts/rootfs.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/rootfs.sh"

NS=cfs-s5           # the container's network namespace
BRIDGE=cfs-s5-br    # in the host's namespace: 10.250.80.1/24, the container's gateway
HOST_END=cfs-s5-h   # veth end on the bridge
CT_END=cfs-s5-c     # veth end in the container: 10.250.80.2/24
SUBNET=10.250.80.0/24
GATEWAY=10.250.80.1
CT_ADDR=10.250.80.2

# The container's PID 1: what it sees, a ping, a web server; then it waits.
# shellcheck disable=SC2016 # expanded by the container's shell
INSIDE='
echo "links=$(ls /sys/class/net | tr "\n" " ")"
echo "addr=$(ip -4 -o addr show dev '"$CT_END"' | awk "{ print \$4 }")"
echo "route=$(ip route show default | awk "{ print \$3 }")"
ping -c 1 -W 2 '"$GATEWAY"' >/dev/null 2>&1
echo "ping-gateway=$?"
mkdir -p /www && echo "hello from the container" >/www/index.html
httpd -p 8080 -h /www
echo "httpd=$?"
exec sleep 300'

field() { sed -n "s/^$1=//p" "$WORKDIR/report" | sed 's/ *$//'; }

# GET / from the container over the veth, with bash's /dev/tcp (nothing to install).
http_get() {
  local body
  exec 5<>"/dev/tcp/$CT_ADDR/8080" || return 1
  printf 'GET / HTTP/1.0\r\n\r\n' >&5
  body=$(timeout 5 cat <&5 | tail -n 1)
  exec 5>&-
  printf '%s\n' "$body"
}

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd nsenter util-linux
  common::require_cmd unshare util-linux
  common::require_cmd pivot_root util-linux
  common::require_cmd mount mount
  common::require_cmd busybox busybox-static
  netns::require_absent netns "$NS"
  netns::require_absent link "$BRIDGE" "$HOST_END"
  netns::require_free_subnet "$SUBNET"

  common::tmpdir WORKDIR s5
  local root=$WORKDIR/rootfs
  log::info "ip netns add $NS; bridge $BRIDGE ($GATEWAY/24); veth $HOST_END (on the bridge) - $CT_END (in $NS, $CT_ADDR/24)"
  netns::add "$NS"
  netns::bridge - "$BRIDGE"
  netns::addr - "$BRIDGE" "$GATEWAY/24"
  netns::veth "$HOST_END" - "$CT_END" "$NS"
  netns::attach - "$HOST_END" "$BRIDGE"
  netns::addr "$NS" "$CT_END" "$CT_ADDR/24"
  netns::route "$NS" default "$GATEWAY"
  echo "links in $NS before the container starts: $(ip -n "$NS" -o link show | awk -F': ' '{ print $2 }' | cut -d@ -f1 | sort | paste -sd' ')"
  log::info "rootfs::busybox $root"
  # In the background, then wait: a SIGINT interrupts the wait builtin at once (bash runs its
  # trap only after a foreground command ends, and not at all when that command ignores it).
  rootfs::busybox "$root" &
  # Undone first (LIFO): the build must stop before the folder it writes into is removed.
  cleanup::push "common::kill_tree $!"
  wait $!

  log::info "nsenter --net=/run/netns/$NS unshare --pid --fork --mount --uts --ipc --cgroup; rootfs::pivot; exec /bin/sh"
  # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
  nsenter --net="$NETNS_RUN_DIR/$NS" unshare --pid --fork --kill-child --mount --uts --ipc --cgroup -- bash -c '
    set -Eeuo pipefail
    source "$1/scripts/common.sh"
    source "$1/scripts/rootfs.sh"
    rootfs::pivot "$2" "$3"
    /bin/busybox mount -t sysfs sysfs /sys
    exec /bin/sh -c "$4" cfs-s5-init
  ' cfs-s5-setup "$CFS_REPO_ROOT" "$root" "$(readlink /proc/self/ns/mnt)" "$INSIDE" >"$WORKDIR/report" 2>/dev/null &
  local unshare_pid=$!
  cleanup::push "kill -KILL $unshare_pid 2>/dev/null; wait $unshare_pid 2>/dev/null || true"
  common::wait_until 15 "the container's web server" "grep -qs '^httpd=' '$WORKDIR/report'" &
  wait $!
  echo "network links inside the container: $(field links)"
  echo "its address: $(field addr)"
  echo "its default route goes via: $(field route)"
  echo "the container pings its gateway on the bridge: $(common::yes_no test "$(field ping-gateway)" = 0)"
  echo "BusyBox httpd started in the container: $(common::yes_no test "$(field httpd)" = 0)"
  echo "the host reads the container's page at $CT_ADDR:8080: $(http_get || echo '(no answer)')"
  echo "the bridge $BRIDGE holds the host's end of the veth: $(common::yes_no test "$(cat "/sys/class/net/$HOST_END/master/ifindex" 2>/dev/null)" = "$(cat "/sys/class/net/$BRIDGE/ifindex")")"
  echo "the host's own namespace has a link named $CT_END: $(common::yes_no ip link show "$CT_END")"
}
main "$@"
