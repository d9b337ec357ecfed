#!/usr/bin/env bash
# Docker's chains, rebuilt: the filter, nat and raw rules that Docker 29's bridge driver sets up
# for `docker run -p 8080:80` (moby's generated iptablesdoc, usernet-portmap.md), with every
# chain name prefixed CFS-, built inside a "node" namespace that plays the Docker host, so the
# host's own tables are never touched. One connection from a client on the node's LAN to the
# published port is then traced through them by the kernel's per-rule counters; a second one,
# straight to the container's address, is dropped by the raw table's direct-access rule.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NODE=cfs-dc-node # the Docker host: bridge cfs-br0 10.250.20.1/24 ("docker0"), cfs-lan 10.250.21.1/24
CTR=cfs-dc-ctr   # the container: cfs-eth0 10.250.20.2/24, a TCP server on port 80
CLI=cfs-dc-cli   # another machine on the node's LAN: cfs-eth0 10.250.21.2/24
BR=cfs-br0
LAB=docker-chains

# What the server answers at ADDR:PORT, asked from the client, or "none".
ask() {
  local reply
  reply=$(netns::exec "$CLI" socat -T 5 -t 5 - "TCP:$1:$2,connect-timeout=2" </dev/null 2>/dev/null || true)
  echo "${reply:-none}"
}

wire() {
  netns::add "$NODE"
  netns::add "$CTR"
  netns::add "$CLI"
  netns::bridge "$NODE" "$BR"
  netns::addr "$NODE" "$BR" 10.250.20.1/24
  netns::veth cfs-veth0 "$NODE" cfs-eth0 "$CTR"
  netns::attach "$NODE" cfs-veth0 "$BR"
  netns::addr "$CTR" cfs-eth0 10.250.20.2/24
  netns::route "$CTR" default 10.250.20.1
  netns::veth cfs-lan "$NODE" cfs-eth0 "$CLI"
  netns::addr "$NODE" cfs-lan 10.250.21.1/24
  netns::addr "$CLI" cfs-eth0 10.250.21.2/24
  # The client knows the way to the container network (a neighbour that routes to it): without
  # Docker's raw rule it could reach the container's address directly.
  netns::route "$CLI" 10.250.20.0/24 10.250.21.1
  netns::sysctl "$NODE" net.ipv4.ip_forward 1
  # shellcheck disable=SC2016 # $SOCAT_PEERADDR is for the shell socat starts
  # Not through a function: $! must be the socat itself (ip netns exec execs it), so the trap kills it.
  ip netns exec "$CTR" socat TCP-LISTEN:80,reuseaddr,fork 'SYSTEM:echo "cfs-dc-server saw $SOCAT_PEERADDR"' &
  local server=$!
  cleanup::push "kill $server 2>/dev/null; wait $server 2>/dev/null || true"
  common::wait_until 5 "the server in $CTR" "netns::exec '$CTR' ss -Hltn 'sport = :80' | grep -q ."
}

# Docker 29's rules for one bridge network and one published port, in the order the daemon and
# the bridge driver create them; "docker0" is cfs-br0, DOCKER… is CFS-DOCKER….
docker_rules() {
  local c
  log::info "in $NODE: Docker's filter chains (DOCKER-USER, DOCKER-FORWARD, DOCKER-CT, DOCKER-INTERNAL, DOCKER-BRIDGE, DOCKER)"
  for c in CFS-DOCKER CFS-DOCKER-BRIDGE CFS-DOCKER-CT CFS-DOCKER-FORWARD CFS-DOCKER-INTERNAL CFS-DOCKER-USER; do
    netns::chain "$NODE" filter "$c"
  done
  # Docker sets the FORWARD policy to DROP when it turns ip_forward on itself (the node's own table).
  netns::iptables "$NODE" -P FORWARD DROP
  # The daemon: -A FORWARD -j DOCKER-USER, -A FORWARD -j DOCKER-FORWARD (each -I puts it first).
  netns::jump "$NODE" filter FORWARD CFS-DOCKER-FORWARD "$LAB"
  netns::jump "$NODE" filter FORWARD CFS-DOCKER-USER "$LAB"
  netns::rule "$NODE" filter CFS-DOCKER-FORWARD "$LAB" -j CFS-DOCKER-CT
  netns::rule "$NODE" filter CFS-DOCKER-FORWARD "$LAB" -j CFS-DOCKER-INTERNAL
  netns::rule "$NODE" filter CFS-DOCKER-FORWARD "$LAB" -j CFS-DOCKER-BRIDGE
  netns::rule "$NODE" filter CFS-DOCKER-FORWARD "$LAB" -i "$BR" -j ACCEPT
  netns::rule "$NODE" filter CFS-DOCKER-CT "$LAB" -o "$BR" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  netns::rule "$NODE" filter CFS-DOCKER-BRIDGE "$LAB" -o "$BR" -j CFS-DOCKER
  # The published port's ACCEPT (setPerPortForwarding), then the network's DROP (setDefaultForwardRule).
  netns::rule "$NODE" filter CFS-DOCKER "$LAB" -d 10.250.20.2/32 ! -i "$BR" -o "$BR" -p tcp -m tcp --dport 80 -j ACCEPT
  netns::rule "$NODE" filter CFS-DOCKER "$LAB" ! -i "$BR" -o "$BR" -j DROP

  log::info "in $NODE: nat PREROUTING/OUTPUT -m addrtype --dst-type LOCAL -j CFS-DOCKER, DNAT 8080 -> 10.250.20.2:80, MASQUERADE"
  netns::chain "$NODE" nat CFS-DOCKER
  netns::jump "$NODE" nat PREROUTING CFS-DOCKER "$LAB" -m addrtype --dst-type LOCAL
  netns::jump "$NODE" nat OUTPUT CFS-DOCKER "$LAB" ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL
  netns::chain "$NODE" nat CFS-DOCKER-POST
  netns::jump "$NODE" nat POSTROUTING CFS-DOCKER-POST "$LAB"
  netns::rule "$NODE" nat CFS-DOCKER-POST "$LAB" -s 10.250.20.0/24 ! -o "$BR" -j MASQUERADE
  netns::rule "$NODE" nat CFS-DOCKER "$LAB" ! -i "$BR" -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.250.20.2:80

  log::info "in $NODE: raw PREROUTING -d 10.250.20.2 ! -i $BR -j DROP (filterDirectAccess)"
  netns::chain "$NODE" raw CFS-DOCKER-RAW
  netns::jump "$NODE" raw PREROUTING CFS-DOCKER-RAW "$LAB"
  netns::rule "$NODE" raw CFS-DOCKER-RAW "$LAB" -d 10.250.20.2/32 ! -i "$BR" -j DROP
}

# One line a rule: WHAT: TABLE CHAIN #N RULE: matched / not matched (its packet counter above zero).
trace() {
  local what=$1 table=$2 chain=$3 n=0 packets rule
  [[ -n $(netns::counters "$NODE" "$table" "$chain") ]] || { echo "$what: $table $chain: no rules"; return 0; }
  while read -r packets rule; do
    n=$((n + 1))
    echo "$what: $table $chain #$n ${rule}: $( ((packets > 0)) && echo matched || echo 'not matched')"
  done < <(netns::counters "$NODE" "$table" "$chain")
}

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd iptables iptables
  common::require_cmd nft nftables
  common::require_cmd socat socat
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  netns::require_absent netns "$NODE" "$CTR" "$CLI"
  log::info "iptables backend: $(netns::ipt_backend)"
  wire
  echo "client -> node 10.250.21.1:8080 before Docker's rules: $(ask 10.250.21.1 8080)"
  docker_rules
  echo "filter chains in the node: $(netns::iptables "$NODE" -S | awk '$1 == "-N" { print $2 }' | sort | paste -sd' ')"
  echo "node FORWARD policy: $(netns::iptables "$NODE" -S FORWARD | awk '$1 == "-P" { print $3 }')"
  echo "nftables tables in the node (made by iptables-nft): $(netns::exec "$NODE" nft list tables | awk '{ print $2 " " $3 }' | sort | paste -sd, | sed 's/,/, /g')"

  log::info "zero every counter in $NODE, then one TCP connection client -> 10.250.21.1:8080"
  local table
  for table in filter nat raw; do netns::zero "$NODE" "$table"; done
  echo "client -> node 10.250.21.1:8080 (published): $(ask 10.250.21.1 8080)"
  trace "via :8080" raw CFS-DOCKER-RAW
  trace "via :8080" nat PREROUTING
  trace "via :8080" nat CFS-DOCKER
  trace "via :8080" nat CFS-DOCKER-POST
  trace "via :8080" filter FORWARD
  trace "via :8080" filter CFS-DOCKER-USER
  trace "via :8080" filter CFS-DOCKER-FORWARD
  trace "via :8080" filter CFS-DOCKER-CT
  trace "via :8080" filter CFS-DOCKER-INTERNAL
  trace "via :8080" filter CFS-DOCKER-BRIDGE
  trace "via :8080" filter CFS-DOCKER

  log::info "zero again, then client -> 10.250.20.2:80, the container's own address (not published)"
  netns::zero "$NODE" raw
  echo "client -> container 10.250.20.2:80 directly: $(ask 10.250.20.2 80)"
  trace "direct" raw CFS-DOCKER-RAW
  log::info "to diagnose 'no network' on a Docker host: iptables -L -v -n --line-numbers (filter), iptables -t nat -L -v -n, iptables -t raw -L -v -n, and watch which counter moves"
}
main "$@"
