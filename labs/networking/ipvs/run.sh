#!/usr/bin/env bash
# The Service of labs/networking/services with IPVS instead of iptables, as kube-proxy's IPVS mode
# sets it up: a dummy interface holds the ClusterIP so that the node accepts its packets, and a
# virtual server 10.96.0.11:80 with two masqueraded real servers picks the backend in the kernel's
# IPVS tables, with no per-Service iptables rule. Round robin, then weighted round robin 3:1,
# counted from the answers and from IPVS's own connection table. Needs ip_vs in the kernel (this
# project's CI host has none: the lab is verified in the CI VM); the lab never loads a module.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"
# shellcheck source=../services/topology.sh
source "$(dirname "${BASH_SOURCE[0]}")/../services/topology.sh" # the node, two backend pods, a client

VIP=10.96.0.11 # the ClusterIP
N=20           # connections per scheduler

# Is kernel module $1 loaded or built in? (A missing scheduler would be loaded on demand by the
# kernel the first time ipvsadm names it: the lab refuses instead.)
kernel_has() {
  grep -q "^$1 " /proc/modules 2>/dev/null ||
    grep -qs "/$1\.ko" "/lib/modules/$(uname -r)/modules.builtin"
}

# "N1 N2": how many of $1 (answers, one a line) came from backend 1 and from backend 2.
by_backend() { awk '$1 == "backend" && $2 == 1 { a++ } $1 == "backend" && $2 == 2 { b++ } END { print a + 0, b + 0 }' <<<"$1"; }

# "N1 N2": entries for the ClusterIP in IPVS's connection table (ipvsadm -Lnc) whose destination
# is real server 1 and 2. (Not the Conns column of --stats: the kernel's estimator folds its per-CPU
# counters in every 2 s, so a read right after the connections lags.)
ipvs_entries() {
  netns::exec "$NODE" ipvsadm -Lnc |
    awk -v vip="$VIP:80" '$5 == vip && $6 == "10.250.50.11:80" { a++ } $5 == vip && $6 == "10.250.50.12:80" { b++ } END { print a + 0, b + 0 }'
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
  common::require_kernel "IPVS (module ip_vs: modprobe ip_vs, or read this lab's expected output)" /proc/net/ip_vs
  local m
  for m in ip_vs_rr ip_vs_wrr; do
    kernel_has "$m" || die "this kernel has not loaded the IPVS scheduler $m; the lab never loads a module (modprobe $m first, then re-run)."
  done
  netns::require_absent netns "$NODE" "$BE1" "$BE2" "$CLI"
  wire

  log::info "in $NODE: ip link add cfs-ipvs0 type dummy; ip addr add $VIP/32 dev cfs-ipvs0 (kube-proxy's kube-ipvs0)"
  netns::exec "$NODE" ip link add cfs-ipvs0 type dummy
  netns::addr "$NODE" cfs-ipvs0 "$VIP/32"
  echo "client -> $VIP:80 with the address on the node but no virtual server: $(connect_n 1 "$VIP")"
  echo "IPVS virtual servers in the node before ipvsadm -A: $(netns::exec "$NODE" ipvsadm -Ln | grep -c '^TCP' || true)"

  log::info "in $NODE: ipvsadm -A -t $VIP:80 -s rr; ipvsadm -a -t $VIP:80 -r 10.250.50.1{1,2}:80 -m"
  netns::exec "$NODE" ipvsadm -A -t "$VIP:80" -s rr
  netns::exec "$NODE" ipvsadm -a -t "$VIP:80" -r 10.250.50.11:80 -m
  netns::exec "$NODE" ipvsadm -a -t "$VIP:80" -r 10.250.50.12:80 -m
  echo "IPVS virtual servers in the node: $(netns::exec "$NODE" ipvsadm -Ln | grep -c '^TCP')"
  echo "masqueraded real servers of $VIP:80: $(netns::exec "$NODE" ipvsadm -Ln -t "$VIP:80" | grep -c -- '->.*Masq')"
  echo "iptables rules in the node's nat table (no per-Service rule in IPVS mode): $(netns::exec "$NODE" iptables -t nat -S | grep -vc '^-P' || true)"

  local answers
  answers=$(connect_n "$N" "$VIP")
  echo "round robin, $N connections, answers of backend 1 and 2: $(by_backend "$answers")"
  echo "entries in IPVS's connection table (ipvsadm -Lnc) to real server 1 and 2: $(ipvs_entries)"

  log::info "in $NODE: ipvsadm -E -t $VIP:80 -s wrr; ipvsadm -e ... -w 3 (backend 1), -w 1 (backend 2)"
  netns::exec "$NODE" ipvsadm -E -t "$VIP:80" -s wrr
  netns::exec "$NODE" ipvsadm -e -t "$VIP:80" -r 10.250.50.11:80 -m -w 3
  netns::exec "$NODE" ipvsadm -e -t "$VIP:80" -r 10.250.50.12:80 -m -w 1
  answers=$(connect_n "$N" "$VIP")
  echo "weighted round robin 3:1, $N connections, answers of backend 1 and 2: $(by_backend "$answers")"
  echo "entries in the connection table to real server 1 and 2, both rounds (kept until they time out): $(ipvs_entries)"
  log::info "to diagnose 'no network' to a Service in IPVS mode: ipvsadm -Ln (is the virtual server there, with real servers of weight > 0?), ipvsadm -Lnc (connections and their states), ip addr show kube-ipvs0 (does the node hold the ClusterIP?)"
}
main "$@"
