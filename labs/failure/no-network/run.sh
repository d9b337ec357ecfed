#!/usr/bin/env bash
# Failure lab, no network: the two commonest reasons a container reaches its host but not beyond
# it, reproduced in a router namespace the lab makes (never the host's own settings): IPv4
# forwarding off, and an iptables FORWARD chain whose policy is DROP. For each, the symptom, the
# counter that gives it away, and the fix.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

CLIENT=cfs-nn-client # cfs-eth0 10.231.1.2/24, default route via the router: the "container"
ROUTER=cfs-nn-router # cfs-lan 10.231.1.1/24, cfs-wan 10.231.2.1/24: the "host" that forwards
SERVER=cfs-nn-server # cfs-eth0 10.231.2.2/24, default route via the router: "the internet"

ping_from() { netns::exec "$1" ping -c1 -W1 "$2" >/dev/null 2>&1 && echo works || echo fails; }

# Print the router namespace's IP counter $1 (a column of the Ip: lines of /proc/net/snmp).
ip_counter() {
  netns::exec "$ROUTER" cat /proc/net/snmp | awk -v key="$1" '
    $1 == "Ip:" && !names { for (i = 2; i <= NF; i++) col[$i] = i; names = 1; next }
    $1 == "Ip:" && names { print $(col[key]) }'
}

# Print the packet count of the FORWARD chain's policy: "Chain FORWARD (policy DROP 3 packets, …)".
policy_packets() {
  netns::iptables "$ROUTER" -L FORWARD -n -v -x | awk 'NR == 1 { print $5 }'
}

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ping iputils-ping
  common::require_cmd iptables iptables
  common::require_cmd sysctl procps
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  netns::require_absent netns "$CLIENT" "$ROUTER" "$SERVER"
  log::info "iptables backend: $(netns::ipt_backend)"

  log::info "three namespaces: $CLIENT - $ROUTER - $SERVER"
  netns::add "$CLIENT"
  netns::add "$ROUTER"
  netns::add "$SERVER"
  netns::veth cfs-eth0 "$CLIENT" cfs-lan "$ROUTER"
  netns::veth cfs-wan "$ROUTER" cfs-eth0 "$SERVER"
  netns::addr "$CLIENT" cfs-eth0 10.231.1.2/24
  netns::addr "$ROUTER" cfs-lan 10.231.1.1/24
  netns::addr "$ROUTER" cfs-wan 10.231.2.1/24
  netns::addr "$SERVER" cfs-eth0 10.231.2.2/24
  netns::route "$CLIENT" default 10.231.1.1
  netns::route "$SERVER" default 10.231.2.1
  # A new namespace may inherit ip_forward from the host's (net.core.devconf_inherit_init_net):
  # set it, in the router namespace only.
  netns::sysctl "$ROUTER" net.ipv4.ip_forward 1
  local forward policy
  forward=$(netns::exec "$ROUTER" sysctl -n net.ipv4.ip_forward)
  policy=$(netns::iptables "$ROUTER" -S FORWARD | awk '$1 == "-P" { print $3 }')
  echo "router: net.ipv4.ip_forward = $forward, FORWARD policy $policy"
  echo "ping client -> server (10.231.2.2), all set: $(ping_from "$CLIENT" 10.231.2.2)"

  log::info "break 1: ip netns exec $ROUTER sysctl net.ipv4.ip_forward=0"
  netns::sysctl "$ROUTER" net.ipv4.ip_forward 0
  local addr_err fwd
  addr_err=$(ip_counter InAddrErrors)
  fwd=$(ip_counter ForwDatagrams)
  echo "forwarding off: ping client -> server: $(ping_from "$CLIENT" 10.231.2.2)"
  echo "forwarding off: ping client -> the router's far side (10.231.2.1): $(ping_from "$CLIENT" 10.231.2.1)"
  echo "forwarding off: the router's Ip InAddrErrors rose: $(common::yes_no test "$(ip_counter InAddrErrors)" -gt "$addr_err")"
  echo "forwarding off: the router's Ip ForwDatagrams rose: $(common::yes_no test "$(ip_counter ForwDatagrams)" -gt "$fwd")"
  log::info "fix 1: forwarding back on"
  netns::sysctl "$ROUTER" net.ipv4.ip_forward 1
  fwd=$(ip_counter ForwDatagrams)
  echo "forwarding on again: ping client -> server: $(ping_from "$CLIENT" 10.231.2.2)"
  echo "forwarding on again: the router's Ip ForwDatagrams rose: $(common::yes_no test "$(ip_counter ForwDatagrams)" -gt "$fwd")"

  log::info "break 2: ip netns exec $ROUTER iptables -P FORWARD DROP"
  netns::iptables "$ROUTER" -P FORWARD DROP
  local dropped
  dropped=$(policy_packets)
  echo "FORWARD policy DROP: ping client -> server: $(ping_from "$CLIENT" 10.231.2.2)"
  echo "FORWARD policy DROP: ping client -> the router's far side (10.231.2.1): $(ping_from "$CLIENT" 10.231.2.1)"
  echo "FORWARD policy DROP: packets counted by the policy rose: $(common::yes_no test "$(policy_packets)" -gt "$dropped")"
  echo "FORWARD policy DROP: net.ipv4.ip_forward still: $(netns::exec "$ROUTER" sysctl -n net.ipv4.ip_forward)"
  log::info "fix 2: accept the client's subnet out, and the replies back (what Docker's rules do)"
  netns::iptables "$ROUTER" -A FORWARD -i cfs-lan -o cfs-wan -s 10.231.1.0/24 -j ACCEPT
  netns::iptables "$ROUTER" -A FORWARD -i cfs-wan -o cfs-lan -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT
  echo "with two ACCEPT rules, policy still DROP: ping client -> server: $(ping_from "$CLIENT" 10.231.2.2)"
  echo "packets accepted by each rule: $(netns::iptables "$ROUTER" -S FORWARD -v | awk '$1 == "-A" { for (i = 1; i < NF; i++) if ($i == "-c") printf "%s%s", sep, $(i + 1); sep = " " }')"
}
main "$@"
