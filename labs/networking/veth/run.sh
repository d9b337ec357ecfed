#!/usr/bin/env bash
# veth pairs: two network namespaces joined by a virtual cable. What goes in one end comes out of
# the other; each end gets an address, ARP fills the neighbour tables, and one end cannot carry
# traffic while its peer is down. Deleting one end deletes the pair.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NS_A=$(common::name veth-a)
NS_B=$(common::name veth-b)
END_A=$(common::name va) # the end in NS_A, 10.250.1.1/24
END_B=$(common::name vb) # the end in NS_B, 10.250.1.2/24

# The MAC address of DEV in NS.
mac_of() { ip -n "$1" -o link show "$2" | grep -o 'link/ether [0-9a-f:]*' | cut -d' ' -f2; }

# The MAC address NS has learnt for IP (ip neigh), or nothing.
neigh_mac() { ip -n "$1" neigh show "$2" | grep -o 'lladdr [0-9a-f:]*' | cut -d' ' -f2; }

has_link() { ip -n "$1" link show "$2" >/dev/null 2>&1; }

ping_from() { netns::exec "$1" ping -c1 -W2 "$2" >/dev/null 2>&1 && echo works || echo fails; }

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ping iputils-ping
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  netns::require_absent netns "$NS_A" "$NS_B"

  log::info "ip netns add $NS_A; ip netns add $NS_B"
  netns::add "$NS_A"
  netns::add "$NS_B"
  log::info "ip -n $NS_A link add $END_A type veth peer name $END_B netns $NS_B"
  netns::veth "$END_A" "$NS_A" "$END_B" "$NS_B"
  echo "kind of $END_A (ip -d link): $(ip -n "$NS_A" -d -o link show "$END_A" | grep -o 'veth' | head -n1)"
  # The peer's interface index, as ethtool -S or the @ifN suffix show it.
  local peer_index
  peer_index=$(ip -n "$NS_A" -o link show "$END_A" | sed -n 's/.*@if\([0-9]*\):.*/\1/p')
  echo "the @ifN of $END_A is the index of $END_B in the other namespace: $(common::yes_no test "$peer_index" == "$(ip -n "$NS_B" -o link show "$END_B" | cut -d: -f1)")"
  echo "$END_B visible in $NS_A: $(common::yes_no has_link "$NS_A" "$END_B")"

  log::info "addresses: $END_A 10.250.1.1/24, $END_B 10.250.1.2/24"
  netns::addr "$NS_A" "$END_A" 10.250.1.1/24
  netns::addr "$NS_B" "$END_B" 10.250.1.2/24
  echo "connected route in $NS_A: $(ip -n "$NS_A" route show dev "$END_A" | awk '{ print $1 }')"
  echo "neighbour entries in $NS_A before any traffic: $(ip -n "$NS_A" neigh show dev "$END_A" | grep -c lladdr || true)"
  echo "ping $NS_A -> 10.250.1.2: $(ping_from "$NS_A" 10.250.1.2)"
  echo "ping $NS_B -> 10.250.1.1: $(ping_from "$NS_B" 10.250.1.1)"
  echo "$NS_A learnt $END_B's MAC by ARP: $(common::yes_no test "$(neigh_mac "$NS_A" 10.250.1.2)" == "$(mac_of "$NS_B" "$END_B")")"
  echo "$NS_B learnt $END_A's MAC by ARP: $(common::yes_no test "$(neigh_mac "$NS_B" 10.250.1.1)" == "$(mac_of "$NS_A" "$END_A")")"

  log::info "ip -n $NS_B link set $END_B down"
  ip -n "$NS_B" link set "$END_B" down
  # operstate: the kernel's view of the carrier (LOWERLAYERDOWN: our end is up, its peer is not).
  echo "operstate of $END_A while its peer is down: $(ip -n "$NS_A" -o link show "$END_A" | grep -o 'state [A-Z]*' | cut -d' ' -f2)"
  echo "ping $NS_A -> 10.250.1.2 while the peer is down: $(ping_from "$NS_A" 10.250.1.2)"
  ip -n "$NS_B" link set "$END_B" up
  common::wait_until 5 "$END_A to see its carrier again" \
    "ip -n '$NS_A' -o link show '$END_A' | grep -q 'state UP'" || true
  echo "operstate of $END_A with its peer up again: $(ip -n "$NS_A" -o link show "$END_A" | grep -o 'state [A-Z]*' | cut -d' ' -f2)"

  log::info "ip -n $NS_B link delete $END_B"
  ip -n "$NS_B" link delete "$END_B"
  echo "$END_A still exists after deleting $END_B: $(common::yes_no has_link "$NS_A" "$END_A")"
}
main "$@"
