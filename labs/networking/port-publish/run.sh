#!/usr/bin/env bash
# Publishing a port, as `docker run -p 8080:80` does: DNAT. A "node" namespace plays the Docker
# host: a bridge with a server namespace behind it, and a DNAT rule for TCP port 8080 to
# the server's port 80. A client namespace reaches the server through the node's address; the
# host's own 127.0.0.1:<port> reaches it through a DNAT rule in the host's nat OUTPUT chain,
# which works only once route_localnet lets packets from 127.0.0.1 leave the loopback device.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/lab.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/lab.sh"

NODE=cfs-pp-node # the "Docker host": bridge cfs-br0 10.250.4.1/24, cfs-lan 10.250.6.1, cfs-up 10.250.7.2
SRV=cfs-pp-srv   # the "container": cfs-eth0 10.250.4.2/24, a TCP server on port 80
CLI=cfs-pp-cli   # another machine on the node's LAN: cfs-eth0 10.250.6.2/24
HOST_END=cfs-pp-h # the host's end of the link to the node: 10.250.7.1/24
LAB="port-publish"

# What the server answers at ADDR:PORT, asked from NS ("-": the host), or "none".
ask() {
  local ns=$1 addr=$2 port=$3 reply
  reply=$(netns::exec "$ns" socat -T 5 -t 5 - "TCP:$addr:$port,connect-timeout=2" </dev/null 2>/dev/null || true)
  echo "${reply:-none}"
}

# A TCP port on the host's 127.0.0.1 that nothing listens on.
free_port() {
  local port
  for port in $(seq 47200 47300); do
    [[ -z $(ss -Hltn "sport = :$port") ]] && { echo "$port"; return 0; }
  done
  die "no free TCP port in 47200-47300 on this host"
}

wire() {
  netns::add "$NODE"
  netns::add "$SRV"
  netns::add "$CLI"
  netns::bridge "$NODE" cfs-br0
  netns::addr "$NODE" cfs-br0 10.250.4.1/24
  netns::veth cfs-veth0 "$NODE" cfs-eth0 "$SRV"
  netns::attach "$NODE" cfs-veth0 cfs-br0
  netns::addr "$SRV" cfs-eth0 10.250.4.2/24
  netns::route "$SRV" default 10.250.4.1
  netns::veth cfs-lan "$NODE" cfs-eth0 "$CLI"
  netns::addr "$NODE" cfs-lan 10.250.6.1/24
  netns::addr "$CLI" cfs-eth0 10.250.6.2/24
  netns::veth "$HOST_END" - cfs-up "$NODE"
  netns::addr - "$HOST_END" 10.250.7.1/24
  netns::addr "$NODE" cfs-up 10.250.7.2/24
  netns::sysctl "$NODE" net.ipv4.ip_forward 1
  # shellcheck disable=SC2016 # $SOCAT_PEERADDR is for the shell socat starts
  # Not through a function: $! must be the socat itself (ip netns exec execs it), so the trap kills it.
  ip netns exec "$SRV" socat TCP-LISTEN:80,reuseaddr,fork 'SYSTEM:echo "cfs-pp-server saw $SOCAT_PEERADDR"' &
  local server=$!
  cleanup::push "kill $server 2>/dev/null; wait $server 2>/dev/null || true"
  common::wait_until 5 "the server in $SRV" "netns::exec '$SRV' ss -Hltn 'sport = :80' | grep -q ."
}

publish_on_node() {
  log::info "in $NODE: nat PREROUTING -m addrtype --dst-type LOCAL -j CFS-DOCKER; CFS-DOCKER: ! -i cfs-br0 -p tcp --dport 8080 -j DNAT --to-destination 10.250.4.2:80"
  echo "client -> node 10.250.6.1:8080 before the DNAT rule: $(ask "$CLI" 10.250.6.1 8080)"
  netns::chain "$NODE" nat CFS-DOCKER
  netns::rule "$NODE" nat CFS-DOCKER "$LAB" ! -i cfs-br0 -p tcp --dport 8080 -j DNAT --to-destination 10.250.4.2:80
  netns::jump "$NODE" nat PREROUTING CFS-DOCKER "$LAB" -m addrtype --dst-type LOCAL
  echo "client -> node 10.250.6.1:8080 with the DNAT rule: $(ask "$CLI" 10.250.6.1 8080)"
  local entry
  entry=$(netns::exec "$NODE" conntrack -L -p tcp --orig-dst 10.250.6.1 2>/dev/null | head -n1)
  echo "node conntrack, original direction: $(grep -o 'dst=[0-9.]* sport=[0-9]* dport=[0-9]*' <<<"$entry" | sed -n 1p | sed 's/sport=[0-9]* //')"
  echo "node conntrack, reply direction: $(grep -o 'src=[0-9.]* dst=[0-9.]* sport=[0-9]*' <<<"$entry" | sed -n 2p | sed 's/ dst=[0-9.]*//')"
  echo "a listener on port 8080 in the node (ss -ltn): $(common::yes_no test -n "$(netns::exec "$NODE" ss -Hltn 'sport = :8080')")"
}

publish_on_host() {
  local port
  port=$(free_port)
  log::info "on the host: nat OUTPUT -d 127.0.0.1 -p tcp --dport $port -> CFS-PP-OUT: DNAT to 10.250.7.2:8080; POSTROUTING -o $HOST_END -> CFS-PP-POST: MASQUERADE"
  netns::chain - nat CFS-PP-OUT
  netns::rule - nat CFS-PP-OUT "$LAB" -p tcp --dport "$port" -j DNAT --to-destination 10.250.7.2:8080
  netns::jump - nat OUTPUT CFS-PP-OUT "$LAB" -d 127.0.0.1/32 -p tcp
  netns::chain - nat CFS-PP-POST
  netns::rule - nat CFS-PP-POST "$LAB" -s 127.0.0.0/8 -j MASQUERADE
  netns::jump - nat POSTROUTING CFS-PP-POST "$LAB" -o "$HOST_END"
  lab::sysctl net.ipv4.conf.all.route_localnet 0
  echo "host 127.0.0.1:<port> with DNAT, route_localnet=0: $(ask - 127.0.0.1 "$port")"
  log::info "sysctl net.ipv4.conf.all.route_localnet=1 (saved, restored on exit)"
  lab::sysctl net.ipv4.conf.all.route_localnet 1
  echo "host 127.0.0.1:<port> with DNAT, route_localnet=1: $(ask - 127.0.0.1 "$port")"
  echo "a listener on the host's 127.0.0.1:<port> (ss -ltn): $(common::yes_no test -n "$(ss -Hltn "sport = :$port")")"
}

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd iptables iptables
  common::require_cmd nft nftables
  common::require_cmd conntrack conntrack
  common::require_cmd socat socat
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  netns::require_absent netns "$NODE" "$SRV" "$CLI"
  netns::require_absent link "$HOST_END"
  netns::require_free_subnet 10.250.7.0/24
  log::info "iptables backend: $(netns::ipt_backend)"
  wire
  publish_on_node
  publish_on_host
}
main "$@"
