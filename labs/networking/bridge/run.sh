#!/usr/bin/env bash
# Linux bridge: three network namespaces, each joined by a veth pair to one bridge in the host's
# namespace, reach each other and the host. The bridge learns which MAC sits behind which port
# (its forwarding database, bridge fdb) from the frames it sees.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

BRIDGE=$(common::name br0) # in the host's namespace, 10.250.2.1/24
SUBNET=10.250.2.0/24
NAMESPACES=(cfs-br-1 cfs-br-2 cfs-br-3) # namespace i: cfs-eth0 10.250.2.1i/24, host end cfs-brhi

ping_from() { netns::exec "$1" ping -c1 -W2 "$2" >/dev/null 2>&1; }

mac_of() { ip -n "$1" -o link show "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }

# The port behind which the bridge's fdb has learnt MAC (not a permanent entry), or nothing.
fdb_port() { bridge fdb show br "$BRIDGE" | awk -v mac="$1" '$1 == mac && !/permanent/ { print $3; exit }'; }

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd bridge iproute2
  common::require_cmd ping iputils-ping
  common::require_cmd iptables iptables
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  netns::require_absent netns "${NAMESPACES[@]}"
  netns::require_absent link "$BRIDGE" cfs-brh1 cfs-brh2 cfs-brh3
  netns::require_free_subnet "$SUBNET"
  # With br_netfilter, bridged IPv4 frames also cross the iptables FORWARD chain.
  if [[ $(cat /proc/sys/net/bridge/bridge-nf-call-iptables 2>/dev/null || echo 0) == 1 ]]; then
    netns::require_forward_accept - "with bridge-nf-call-iptables=1 it would drop the frames between the lab's namespaces"
  fi

  log::info "ip link add $BRIDGE type bridge stp_state 0; ip addr add 10.250.2.1/24 dev $BRIDGE"
  netns::bridge - "$BRIDGE"
  netns::addr - "$BRIDGE" 10.250.2.1/24
  local i ns
  for i in 1 2 3; do
    ns=${NAMESPACES[i - 1]}
    log::info "$ns: veth cfs-eth0 (10.250.2.1$i) <-> cfs-brh$i, enslaved to $BRIDGE"
    netns::add "$ns"
    netns::veth "cfs-brh$i" - cfs-eth0 "$ns"
    netns::attach - "cfs-brh$i" "$BRIDGE"
    netns::addr "$ns" cfs-eth0 "10.250.2.1$i/24"
  done
  echo "STP on $BRIDGE: $(ip -d -o link show "$BRIDGE" | grep -q 'stp_state 0' && echo off || echo on)"
  echo "ports of $BRIDGE: $(bridge link show master "$BRIDGE" | wc -l)"

  local a b ok=0 pairs=0
  for a in 1 2 3; do
    for b in 1 2 3; do
      ((a == b)) && continue
      pairs=$((pairs + 1))
      ping_from "${NAMESPACES[a - 1]}" "10.250.2.1$b" && ok=$((ok + 1))
    done
  done
  echo "namespace pairs that reach each other (ping): $ok of $pairs"
  ok=0
  for i in 1 2 3; do ping_from "${NAMESPACES[i - 1]}" 10.250.2.1 && ok=$((ok + 1)); done
  echo "namespaces that reach the host's bridge address 10.250.2.1: $ok of 3"
  ok=0
  for i in 1 2 3; do ping -c1 -W2 "10.250.2.1$i" >/dev/null 2>&1 && ok=$((ok + 1)); done
  echo "namespaces the host reaches: $ok of 3"

  ok=0
  for i in 1 2 3; do
    [[ $(fdb_port "$(mac_of "${NAMESPACES[i - 1]}" cfs-eth0)") == "cfs-brh$i" ]] && ok=$((ok + 1))
  done
  echo "namespace MACs the fdb has learnt, each on its own port: $ok of 3"
  echo "route on the host for $SUBNET: $(ip -4 route show "$SUBNET" | awk '{ print $2, $3 }')"

  log::info "ip link set cfs-brh2 down: the bridge forgets what was behind it"
  ip link set cfs-brh2 down
  echo "fdb entry for cfs-br-2's MAC once its port is down: $(test -n "$(fdb_port "$(mac_of cfs-br-2 cfs-eth0)")" && echo present || echo gone)"
  echo "ping cfs-br-1 -> cfs-br-2 with that port down: $(ping_from cfs-br-1 10.250.2.12 && echo works || echo fails)"
}
main "$@"
