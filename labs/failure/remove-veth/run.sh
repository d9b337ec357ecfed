#!/usr/bin/env bash
# Failure lab, remove a veth: delete the host end of a running container's veth pair and the
# container loses its network (both ends of a pair go together: its eth0 vanishes); the
# container runs on, unaware. Diagnose it from both sides, then restore it from the host: a new
# pair, one end moved into the container's network namespace, its address and route set again.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-rv-web # the container's name: the tag cleanup.sh kills its runtime by (lab.manifest)
BRIDGE=cfs-mc-br0
GATEWAY=10.213.0.1

# The container's links, as `ip link` inside it lists them: names only, sorted.
links_inside() {
  "$MC" exec "$NAME" ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort | paste -sd' '
}
ping_gateway() { "$MC" exec "$NAME" ping -c1 -W1 "$GATEWAY" >/dev/null 2>&1 && echo works || echo fails; }
# A field of the container's state.json.
state() { sed -n "s/^  \"$1\": \"\\{0,1\\}\\([^\",]*\\)\"\\{0,1\\},\$/\\1/p" "/run/mini-container/$ID/state.json"; }

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd ip iproute2
  common::require_cmd iptables iptables
  common::require_cmd nft nftables
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  log::info "a detached container on the bridge $BRIDGE"
  cleanup::push "'$MC' rm -f $NAME >/dev/null 2>&1 || true"
  ID=$("$MC" run -d --name "$NAME" --net bridge -- sleep 1000)
  local pid1 ip veth=cfs-mc-${ID:0:8}
  pid1=$(state pid)
  ip=$(state ip)
  echo "links in the container: $(links_inside)"
  echo "ping the gateway ($GATEWAY) from the container: $(ping_gateway)"
  echo "its veth's host end (cfs-mc-<id>) is a port of $BRIDGE: $(common::yes_no test -e "/sys/class/net/$BRIDGE/brif/$veth")"

  log::info "break: ip link delete $veth (the host end)"
  ip link delete "$veth"
  echo "links in the container after deleting the host end: $(links_inside)"
  echo "ping the gateway from the container: $(ping_gateway)"
  echo "the container still running: $(common::yes_no "$MC" exec "$NAME" true)"
  echo "ports of $BRIDGE left: $(find "/sys/class/net/$BRIDGE/brif" -mindepth 1 -maxdepth 1 | wc -l)"

  log::info "restore: ip link add $veth type veth peer name eth0 netns $pid1, then address and route with nsenter -n"
  ip link add "$veth" type veth peer name eth0 netns "$pid1"
  ip link set "$veth" master "$BRIDGE" up
  nsenter -t "$pid1" -n ip addr add "$ip/24" dev eth0
  nsenter -t "$pid1" -n ip link set eth0 up
  nsenter -t "$pid1" -n ip route add default via "$GATEWAY"
  echo "links in the container after the repair: $(links_inside)"
  echo "the new host end is a port of $BRIDGE: $(common::yes_no test -e "/sys/class/net/$BRIDGE/brif/$veth")"
  echo "ping the gateway from the container: $(ping_gateway)"
  "$MC" rm -f "$NAME"
  echo "links named cfs-mc- left on the host after rm: $(ip -o link show | grep -c ': cfs-mc-' || true)"
}
main "$@"
