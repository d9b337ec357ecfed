#!/usr/bin/env bash
# A Kubernetes Service, as kube-proxy's iptables mode writes it: a virtual IP that no interface
# holds, matched in nat KUBE-SERVICES, sent to the service's KUBE-SVC chain, which picks one
# endpoint chain KUBE-SEP with the `statistic` match (probability 1/2, then the rest), and DNAT
# there. Built in a "node" namespace with CFS- chain names, so the host's tables are never
# touched; a client namespace opens N connections to the virtual IP and counts the answers of
# each backend. Then the same service with IPVS, where the kernel has ip_vs.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NODE=cfs-svc-node # bridge cfs-br0 10.250.50.1/24 (the pods), cfs-lan 10.250.51.1/24 (the client)
BE1=cfs-svc-be1   # backend pod 1: cfs-eth0 10.250.50.11/24, answers "backend 1"
BE2=cfs-svc-be2   # backend pod 2: cfs-eth0 10.250.50.12/24, answers "backend 2"
CLI=cfs-svc-cli   # client: cfs-eth0 10.250.51.2/24, a route to the service range via the node
VIP=10.96.0.10    # the ClusterIP (iptables); 10.96.0.11 for IPVS
N=200             # connections
LAB=services

# Answers of N connections from the client to ADDR:PORT, one a line ("none" when refused).
connect_n() {
  # shellcheck disable=SC2016 # $1 and $2 are the inner bash's arguments
  ip netns exec "$CLI" bash -c '
    for ((i = 0; i < $1; i++)); do
      socat -T 2 - "TCP:$2:80,connect-timeout=2" </dev/null 2>/dev/null || echo none
    done' cfs-svc-client "$1" "$2"
}

wire() {
  local i ns
  netns::add "$NODE"
  netns::add "$BE1"
  netns::add "$BE2"
  netns::add "$CLI"
  netns::bridge "$NODE" cfs-br0
  netns::addr "$NODE" cfs-br0 10.250.50.1/24
  for i in 1 2; do
    ns=cfs-svc-be$i
    netns::veth "cfs-v$i" "$NODE" cfs-eth0 "$ns"
    netns::attach "$NODE" "cfs-v$i" cfs-br0
    netns::addr "$ns" cfs-eth0 "10.250.50.1$i/24"
    netns::route "$ns" default 10.250.50.1
    # Not through a function: $! must be the socat itself (ip netns exec execs it), so the trap kills it.
    ip netns exec "$ns" socat TCP-LISTEN:80,reuseaddr,fork "SYSTEM:echo backend $i cfs-svc-backend" &
    cleanup::push "kill $! 2>/dev/null; wait $! 2>/dev/null || true"
    common::wait_until 5 "the server in $ns" "netns::exec '$ns' ss -Hltn 'sport = :80' | grep -q ."
  done
  netns::veth cfs-lan "$NODE" cfs-eth0 "$CLI"
  netns::addr "$NODE" cfs-lan 10.250.51.1/24
  netns::addr "$CLI" cfs-eth0 10.250.51.2/24
  netns::route "$CLI" 10.96.0.0/12 10.250.51.1
  netns::sysctl "$NODE" net.ipv4.ip_forward 1
}

# kube-proxy's nat rules for one ClusterIP service with two endpoints (names prefixed CFS-).
kube_proxy_iptables() {
  local c
  for c in CFS-KUBE-SERVICES CFS-KUBE-SVC-WEB CFS-KUBE-SEP-1 CFS-KUBE-SEP-2 CFS-KUBE-MARK-MASQ CFS-KUBE-POSTROUTING; do
    netns::chain "$NODE" nat "$c"
  done
  netns::jump "$NODE" nat PREROUTING CFS-KUBE-SERVICES "$LAB"
  netns::jump "$NODE" nat OUTPUT CFS-KUBE-SERVICES "$LAB"
  netns::jump "$NODE" nat POSTROUTING CFS-KUBE-POSTROUTING "$LAB"
  netns::rule "$NODE" nat CFS-KUBE-SERVICES "$LAB" -d "$VIP/32" -p tcp --dport 80 -j CFS-KUBE-SVC-WEB
  # Endpoint i of n is picked with probability 1/(n-i+1): 1/2, then the rest.
  netns::rule "$NODE" nat CFS-KUBE-SVC-WEB "$LAB" -m statistic --mode random --probability 0.50000000000 -j CFS-KUBE-SEP-1
  netns::rule "$NODE" nat CFS-KUBE-SVC-WEB "$LAB" -j CFS-KUBE-SEP-2
  local i
  for i in 1 2; do
    # A pod that reaches itself through the service (hairpin) is masqueraded.
    netns::rule "$NODE" nat "CFS-KUBE-SEP-$i" "$LAB" -s "10.250.50.1$i/32" -j CFS-KUBE-MARK-MASQ
    netns::rule "$NODE" nat "CFS-KUBE-SEP-$i" "$LAB" -p tcp -j DNAT --to-destination "10.250.50.1$i:80"
  done
  netns::rule "$NODE" nat CFS-KUBE-MARK-MASQ "$LAB" -j MARK --set-xmark 0x4000/0x4000
  netns::rule "$NODE" nat CFS-KUBE-POSTROUTING "$LAB" -m mark ! --mark 0x4000/0x4000 -j RETURN
  netns::rule "$NODE" nat CFS-KUBE-POSTROUTING "$LAB" -j MARK --set-xmark 0x4000/0x0
  netns::rule "$NODE" nat CFS-KUBE-POSTROUTING "$LAB" -j MASQUERADE --random-fully
}

# Packets (= connections: only a connection's first packet crosses nat) counted by the DNAT rule
# of endpoint chain $1.
dnat_count() { netns::counters "$NODE" nat "$1" | awk '/DNAT/ { print $1 }'; }

within() { (($1 >= $2 && $1 <= $3)); }

ipvs_part() {
  if [[ ! -e /proc/net/ip_vs ]]; then
    echo "IPVS: skipped on this host only, its kernel has no ip_vs (/proc/net/ip_vs is absent)"
    return 0
  fi
  # ip_vs is there (built in or already loaded): the lab never loads a module itself.
  log::info "in $NODE: a dummy cfs-ipvs0 holds 10.96.0.11; ipvsadm -A -t 10.96.0.11:80 -s rr; -a -r 10.250.50.1{1,2}:80 -m"
  netns::exec "$NODE" ip link add cfs-ipvs0 type dummy
  netns::addr "$NODE" cfs-ipvs0 10.96.0.11/32
  netns::exec "$NODE" ipvsadm -A -t 10.96.0.11:80 -s rr
  netns::exec "$NODE" ipvsadm -a -t 10.96.0.11:80 -r 10.250.50.11:80 -m
  netns::exec "$NODE" ipvsadm -a -t 10.96.0.11:80 -r 10.250.50.12:80 -m
  echo "IPVS virtual servers in the node: $(netns::exec "$NODE" ipvsadm -Ln | grep -c '^TCP')"
  echo "IPVS real servers of 10.96.0.11:80: $(netns::exec "$NODE" ipvsadm -Ln -t 10.96.0.11:80 | grep -c -- '->.*Masq')"
  local answers
  answers=$(connect_n 20 10.96.0.11)
  echo "IPVS round robin, 20 connections, answers by backend 1 and 2: $(grep -c '^backend 1' <<<"$answers" || true) $(grep -c '^backend 2' <<<"$answers" || true)"
}

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd iptables iptables
  common::require_cmd socat socat
  common::require_cmd ipvsadm ipvsadm
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  netns::require_absent netns "$NODE" "$BE1" "$BE2" "$CLI"
  log::info "iptables backend: $(netns::ipt_backend)"
  wire
  echo "interfaces in the node holding the ClusterIP $VIP: $(ip -n "$NODE" -o addr show to "$VIP/32" | wc -l)"
  echo "client -> $VIP:80 before kube-proxy's rules: $(connect_n 1 "$VIP")"

  log::info "in $NODE: nat KUBE-SERVICES -> KUBE-SVC-WEB (statistic 0.5) -> KUBE-SEP-1/2 (DNAT), as kube-proxy --proxy-mode=iptables writes them"
  kube_proxy_iptables
  echo "first rule of CFS-KUBE-SVC-WEB: $(netns::counters "$NODE" nat CFS-KUBE-SVC-WEB | head -n1 | cut -d' ' -f2-)"
  netns::zero "$NODE" nat
  log::info "$N connections from $CLI to $VIP:80"
  local answers one two none low=$((N / 2 - N * 15 / 100)) high=$((N / 2 + N * 15 / 100))
  answers=$(connect_n "$N" "$VIP")
  one=$(grep -c '^backend 1' <<<"$answers" || true)
  two=$(grep -c '^backend 2' <<<"$answers" || true)
  none=$(grep -c '^none' <<<"$answers" || true)
  echo "connections to $VIP:80: $N, unanswered: $none"
  echo "answers from backend 1 and backend 2 add up to $N: $(common::yes_no test $((one + two)) -eq "$N")"
  echo "backend 1 answered between $low and $high of $N (1/2 +- 15%): $(common::yes_no within "$one" "$low" "$high")"
  echo "backend 2 answered between $low and $high of $N (1/2 +- 15%): $(common::yes_no within "$two" "$low" "$high")"
  echo "DNAT counters of CFS-KUBE-SEP-1 and -2 equal the answers of backend 1 and 2: $(common::yes_no test "$(dnat_count CFS-KUBE-SEP-1) $(dnat_count CFS-KUBE-SEP-2)" = "$one $two")"
  echo "connections the hairpin rule marked for masquerade: $(netns::counters "$NODE" nat CFS-KUBE-SEP-1 | awk '/MARK-MASQ/ { print $1 }')"

  ipvs_part
  log::info "to diagnose 'no network' to a Service: iptables -t nat -L KUBE-SERVICES -n | grep <ClusterIP>, then its KUBE-SVC and KUBE-SEP chains (are there endpoints?), conntrack -L -d <ClusterIP>; in IPVS mode ipvsadm -Ln; in nftables mode nft list table ip kube-proxy"
}
main "$@"
