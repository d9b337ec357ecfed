#!/usr/bin/env bash
# NAT and MASQUERADE: a client namespace reaches a "remote" network through a router namespace.
# Without NAT its packets arrive, but the remote side has no route back to the client's private
# network: no reply. With MASQUERADE in the router's POSTROUTING chain the remote side sees the
# router's address, replies, and conntrack in the router maps the replies back to the client.
# Every address lives in a namespace this lab made; the router's ip_forward is its own.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

CLIENT=cfs-nat-client # cfs-eth0 10.250.3.2/24, default route via the router
ROUTER=cfs-nat-router # cfs-lan 10.250.3.1/24, cfs-wan 198.51.100.1/24, ip_forward=1
REMOTE=cfs-nat-remote # cfs-eth0 198.51.100.2/24, no route to 10.250.3.0/24
LAB=nat

# Packets counted by the remote's rule for source $1 (CFS-SEEN: one counting rule a source).
seen_from() {
  netns::exec "$REMOTE" iptables -t filter -S CFS-SEEN -v \
    | awk -v src="$1/32" '$4 == src { for (i = 1; i < NF; i++) if ($i == "-c") print $(i + 1) }'
}

ping_from() { netns::exec "$1" ping -c1 -W2 "$2" >/dev/null 2>&1 && echo works || echo fails; }

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd ping iputils-ping
  common::require_cmd iptables iptables
  common::require_cmd conntrack conntrack
  common::require_cmd socat socat
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  netns::require_absent netns "$CLIENT" "$ROUTER" "$REMOTE"
  log::info "iptables backend: $(netns::ipt_backend)"

  log::info "three namespaces: $CLIENT - $ROUTER - $REMOTE"
  netns::add "$CLIENT"
  netns::add "$ROUTER"
  netns::add "$REMOTE"
  netns::veth cfs-eth0 "$CLIENT" cfs-lan "$ROUTER"
  netns::veth cfs-wan "$ROUTER" cfs-eth0 "$REMOTE"
  netns::addr "$CLIENT" cfs-eth0 10.250.3.2/24
  netns::addr "$ROUTER" cfs-lan 10.250.3.1/24
  netns::addr "$ROUTER" cfs-wan 198.51.100.1/24
  netns::addr "$REMOTE" cfs-eth0 198.51.100.2/24
  netns::route "$CLIENT" default 10.250.3.1
  log::info "ip netns exec $ROUTER sysctl net.ipv4.ip_forward=1 (the router namespace's own)"
  netns::sysctl "$ROUTER" net.ipv4.ip_forward 1
  # The remote counts what arrives, by source address.
  netns::chain "$REMOTE" filter CFS-SEEN
  netns::rule "$REMOTE" filter CFS-SEEN "$LAB" -s 10.250.3.2 -p icmp
  netns::rule "$REMOTE" filter CFS-SEEN "$LAB" -s 198.51.100.1 -p icmp
  netns::jump "$REMOTE" filter INPUT CFS-SEEN "$LAB"
  echo "the remote has a route to 10.250.3.0/24: $(common::yes_no test -n "$(ip -n "$REMOTE" route show 10.250.3.0/24)")"
  echo "the remote has a default route: $(common::yes_no test -n "$(ip -n "$REMOTE" route show default)")"

  log::info "without NAT: ping from $CLIENT to 198.51.100.2"
  echo "ping client -> 198.51.100.2 without NAT: $(ping_from "$CLIENT" 198.51.100.2)"
  echo "echo requests that reached the remote from 10.250.3.2: $(seen_from 10.250.3.2)"

  log::info "iptables -t nat -A POSTROUTING -o cfs-wan -j CFS-MASQ; CFS-MASQ: -s 10.250.3.0/24 -j MASQUERADE (in $ROUTER)"
  netns::chain "$ROUTER" nat CFS-MASQ
  netns::rule "$ROUTER" nat CFS-MASQ "$LAB" -s 10.250.3.0/24 -j MASQUERADE
  netns::jump "$ROUTER" nat POSTROUTING CFS-MASQ "$LAB" -o cfs-wan
  echo "ping client -> 198.51.100.2 with MASQUERADE: $(ping_from "$CLIENT" 198.51.100.2)"
  echo "echo requests that reached the remote from 10.250.3.2 in all: $(seen_from 10.250.3.2)"
  echo "echo requests that reached the remote from the router's 198.51.100.1: $(seen_from 198.51.100.1)"

  log::info "a TCP server in $REMOTE tells each client the address it sees"
  # shellcheck disable=SC2016 # $SOCAT_PEERADDR is for the shell socat starts
  # Not through a function: $! must be the socat itself (ip netns exec execs it), so the trap kills it.
  ip netns exec "$REMOTE" socat TCP-LISTEN:80,bind=198.51.100.2,reuseaddr,fork 'SYSTEM:echo "$SOCAT_PEERADDR" cfs-nat-server' &
  local server=$!
  cleanup::push "kill $server 2>/dev/null; wait $server 2>/dev/null || true"
  common::wait_until 5 "the server in $REMOTE" "netns::exec '$REMOTE' ss -Hltn 'sport = :80' | grep -q ."
  local answer
  answer=$(netns::exec "$CLIENT" socat -T 5 -t 5 - TCP:198.51.100.2:80,connect-timeout=2 </dev/null 2>/dev/null || true)
  echo "address the remote server saw for the client's TCP connection: ${answer%% *}"

  # conntrack -L: the entry of that connection in the router, original and reply directions.
  local entry
  entry=$(netns::exec "$ROUTER" conntrack -L -p tcp --dport 80 2>/dev/null | head -n1)
  echo "router conntrack, original direction: $(grep -o 'src=[0-9.]* dst=[0-9.]*' <<<"$entry" | sed -n 1p)"
  echo "router conntrack, reply direction: $(grep -o 'src=[0-9.]* dst=[0-9.]*' <<<"$entry" | sed -n 2p)"
  echo "router conntrack, the entry is marked source-NATed: $(common::yes_no test -n "$(netns::exec "$ROUTER" conntrack -L -p tcp --dport 80 --src-nat 2>/dev/null)")"
}
main "$@"
