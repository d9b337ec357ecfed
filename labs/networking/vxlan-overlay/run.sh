#!/usr/bin/env bash
# An overlay network between two nodes, as flannel's vxlan backend and other CNI overlays build
# it: each simulated node (a namespace) has its own bridge and pod; the nodes are joined only by
# an "underlay" link (10.250.40.0/24), and a VXLAN device on each node, enslaved to its bridge,
# carries the pods' Ethernet frames inside UDP (port 4789) to the other node. The pods share one
# subnet across the nodes. VXLAN costs 50 bytes a packet: a pod left at MTU 1500 cannot get a
# full-size packet across (dropped silently at the bridge); at MTU 1450 it can.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

N1=cfs-vx-node1 # underlay cfs-ul 10.250.40.1/24, bridge cfs-br0, VXLAN cfs-vx0 (VNI 42)
N2=cfs-vx-node2 # underlay cfs-ul 10.250.40.2/24, bridge cfs-br0, VXLAN cfs-vx0 (VNI 42)
P1=cfs-vx-pod1  # on node 1: cfs-eth0 10.250.41.11/24
P2=cfs-vx-pod2  # on node 2: cfs-eth0 10.250.41.12/24
LAB=vxlan-overlay

# ping from pod 1 to pod 2 with SIZE bytes of payload and DF set: works, or fails with ping's reason.
df_ping() {
  local size=$1 out
  if out=$(netns::exec "$P1" ping -c1 -W1 -M "do" -s "$size" 10.250.41.12 2>&1); then
    echo works
  else
    out=$(grep -o 'message too long, mtu=[0-9]*' <<<"$out" || true)
    echo "fails${out:+ ($out)}"
  fi
}

mtu_of() { netns::exec "$1" cat "/sys/class/net/$2/mtu"; }

wire_node() {
  local node=$1 pod=$2 ul=$3 pod_addr=$4 peer=$5
  netns::addr "$node" cfs-ul "$ul/24"
  netns::bridge "$node" cfs-br0
  netns::veth cfs-p "$node" cfs-eth0 "$pod"
  netns::attach "$node" cfs-p cfs-br0
  netns::addr "$pod" cfs-eth0 "$pod_addr/24"
  log::info "in $node: ip link add cfs-vx0 type vxlan id 42 local $ul remote $peer dev cfs-ul dstport 4789; master cfs-br0"
  netns::vxlan "$node" cfs-vx0 42 "$ul" "$peer" cfs-ul
  netns::attach "$node" cfs-vx0 cfs-br0
}

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd bridge iproute2
  common::require_cmd ping iputils-ping
  common::require_cmd iptables iptables
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  # Built in or loaded (/sys/module/vxlan), or a module the first `ip link add … type vxlan` loads.
  [[ -e /sys/module/vxlan ]] || modinfo vxlan >/dev/null 2>&1 \
    || die "this kernel has no VXLAN (CONFIG_VXLAN, module vxlan): the overlay cannot be built here."
  netns::require_absent netns "$N1" "$N2" "$P1" "$P2"
  log::info "iptables backend: $(netns::ipt_backend)"

  netns::add "$N1"
  netns::add "$N2"
  netns::add "$P1"
  netns::add "$P2"
  log::info "the underlay: $N1 cfs-ul 10.250.40.1 <-> $N2 cfs-ul 10.250.40.2"
  netns::veth cfs-ul "$N1" cfs-ul "$N2"
  wire_node "$N1" "$P1" 10.250.40.1 10.250.41.11 10.250.40.2
  wire_node "$N2" "$P2" 10.250.40.2 10.250.41.12 10.250.40.1
  # Node 2 counts the VXLAN packets that arrive on the underlay.
  netns::chain "$N2" filter CFS-VXLAN-IN
  netns::rule "$N2" filter CFS-VXLAN-IN "$LAB" -p udp --dport 4789
  netns::jump "$N2" filter INPUT CFS-VXLAN-IN "$LAB" -i cfs-ul

  local details
  details=$(ip -n "$N1" -d -o link show cfs-vx0)
  local vni port mtu
  vni=$(grep -o 'vxlan id [0-9]*' <<<"$details")
  port=$(grep -o 'dstport [0-9]*' <<<"$details" | cut -d' ' -f2)
  mtu=$(mtu_of "$N1" cfs-vx0)
  echo "node 1's cfs-vx0: $vni, UDP port $port, MTU $mtu"
  echo "MTU of the underlay cfs-ul: $(mtu_of "$N1" cfs-ul)"
  echo "routes in node 1 to the pod subnet 10.250.41.0/24: $(ip -n "$N1" route show 10.250.41.0/24 | wc -l)"
  echo "pod 1 -> pod 2 (10.250.41.12, on the other node): $(netns::exec "$P1" ping -c1 -W2 10.250.41.12 >/dev/null 2>&1 && echo works || echo fails)"
  local mac2 fdb
  mac2=$(netns::exec "$P2" cat /sys/class/net/cfs-eth0/address)
  fdb=$(bridge -n "$N1" fdb show dev cfs-vx0)
  echo "node 1's fdb: pod 2's MAC behind cfs-vx0: $(common::yes_no grep -q "^$mac2 .*master cfs-br0" <<<"$fdb")"
  echo "node 1's fdb: cfs-vx0 sends to underlay address: $(grep -o 'dst [0-9.]*' <<<"$fdb" | sort -u | cut -d' ' -f2 | paste -sd' ')"
  echo "UDP 4789 packets counted on node 2's underlay: $( (($(netns::counters "$N2" filter CFS-VXLAN-IN | cut -d' ' -f1) > 0)) && echo some || echo none)"

  local pod_mtu
  pod_mtu=$(mtu_of "$P1" cfs-eth0)
  log::info "MTU: pods at $pod_mtu, cfs-vx0 at $mtu: ping with DF (-M do)"
  echo "pod 1's MTU: $pod_mtu"
  echo "DF ping, 1472 bytes (a 1500-byte packet): $(df_ping 1472)"
  echo "DF ping, 1422 bytes (a 1450-byte packet): $(df_ping 1422)"
  log::info "ip link set cfs-eth0 mtu 1450 in both pods, as an overlay CNI plugin does"
  netns::exec "$P1" ip link set cfs-eth0 mtu 1450
  netns::exec "$P2" ip link set cfs-eth0 mtu 1450
  echo "pod 1's MTU after the change: $(mtu_of "$P1" cfs-eth0)"
  echo "DF ping, 1472 bytes, after the change: $(df_ping 1472)"
  echo "DF ping, 1422 bytes, after the change: $(df_ping 1422)"
  log::info "to diagnose 'no network' across nodes: ip -d link show (vxlan id, dstport, MTU), bridge fdb show dev <vxlan>, ping -M do -s <size> between pods, and the underlay's UDP 4789 (iptables -L -v, tcpdump -ni <underlay> udp port 4789)"
}
main "$@"
