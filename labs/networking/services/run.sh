#!/usr/bin/env bash
# A Kubernetes Service, as kube-proxy's iptables mode writes it: a virtual IP that no interface
# holds, matched in nat KUBE-SERVICES, sent to the service's KUBE-SVC chain, which picks one
# endpoint chain KUBE-SEP with the `statistic` match (probability 1/2, then the rest), and DNAT
# there. Built in a "node" namespace with CFS- chain names, so the host's tables are never
# touched; a client namespace opens N connections to the virtual IP and counts the answers of
# each backend. The same Service with IPVS is labs/networking/ipvs.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

# shellcheck source=topology.sh
source "$(dirname "${BASH_SOURCE[0]}")/topology.sh" # the node, two backend pods, a client (shared with ../ipvs)
VIP=10.96.0.10    # the ClusterIP
N=200             # connections
LAB=services

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

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd iptables iptables
  common::require_cmd socat socat
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
  # Unanswered: refused ("none"), or closed with no answer (an empty line).
  none=$((N - one - two))
  echo "connections to $VIP:80: $N, answered by neither backend: $none"
  echo "backend 1 answered between $low and $high of $N (1/2 +- 15%): $(common::yes_no within "$one" "$low" "$high")"
  echo "backend 2 answered between $low and $high of $N (1/2 +- 15%): $(common::yes_no within "$two" "$low" "$high")"
  echo "DNAT counters of CFS-KUBE-SEP-1 and -2 equal the answers of backend 1 and 2: $(common::yes_no test "$(dnat_count CFS-KUBE-SEP-1) $(dnat_count CFS-KUBE-SEP-2)" = "$one $two")"
  echo "connections the hairpin rule marked for masquerade: $(netns::counters "$NODE" nat CFS-KUBE-SEP-1 | awk '/MARK-MASQ/ { print $1 }')"

  log::info "the same Service with IPVS: labs/networking/ipvs (it needs ip_vs in the kernel)"
  log::info "to diagnose 'no network' to a Service: iptables -t nat -L KUBE-SERVICES -n | grep <ClusterIP>, then its KUBE-SVC and KUBE-SEP chains (are there endpoints?), conntrack -L -d <ClusterIP>; in IPVS mode ipvsadm -Ln; in nftables mode nft list table ip kube-proxy"
}
main "$@"
