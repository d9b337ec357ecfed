#!/usr/bin/env bash
# iptables: the rules a runtime adds to publish a container's port (-p), read with iptables-save
# and nft list ruleset: which rule does what, and their counters moving as we connect.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"

MC=$CFS_REPO_ROOT/scripts/mini-container.sh
NAME=cfs-ipt-web # the container's name, in the runtime's command line: the tag cleanup.sh kills by
PORT=47090       # the published host port
BRIDGE=cfs-mc-br0

# The packet counter of the nat rule in chain $1 whose line in `iptables -S` contains $2.
counter() {
  iptables -w 5 -t nat -L "$1" -n -v -x --line-numbers \
    | awk -v pat="$2" 'index($0, pat) { print $2; exit }'
}

# Does nft know chain $1 in table ip nat?
nft_has_chain() { nft list chain ip nat "$1" >/dev/null 2>&1; }

# One HTTP request to 127.0.0.1:PORT with bash's /dev/tcp; prints the last line of the reply.
get() {
  local conn reply
  exec {conn}<>"/dev/tcp/127.0.0.1/$PORT"
  printf 'GET / HTTP/1.0\r\n\r\n' >&"$conn"
  reply=$(tail -n1 <&"$conn")
  exec {conn}<&-
  printf '%s\n' "$reply"
}

main() {
  common::require_root
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd flock util-linux
  common::require_cmd setsid util-linux
  common::require_cmd perl perl-base
  common::require_cmd busybox busybox-static
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd iptables iptables
  common::require_cmd iptables-save iptables
  common::require_cmd nft nftables
  # Whatever a container of this lab leaves (after Ctrl-C too): the runtime's own prune.
  cleanup::push "'$MC' prune >/dev/null 2>&1 || true"

  log::info "$MC run -d --name $NAME --net bridge -p $PORT:80 -- httpd (BusyBox) serving 'hello'"
  cleanup::push "'$MC' rm -f $NAME >/dev/null 2>&1 || true"
  local id pid ip
  id=$("$MC" run -d --name "$NAME" --net bridge -p "$PORT:80" -- \
    sh -c 'mkdir /www; echo hello >/www/index.html; exec httpd -f -p 80 -h /www')
  cleanup::push "'$MC' rm -f $id >/dev/null 2>&1 || true"
  pid=$(sed -n 's/^  "pid": \([0-9]*\),$/\1/p' "/run/mini-container/$id/state.json")
  ip=$(sed -n 's/^  "ip": "\(.*\)",$/\1/p' "/run/mini-container/$id/state.json")
  # Wait for the server inside its own network namespace, so no failed attempt goes through NAT.
  common::wait_until 10 "httpd to listen in the container" "[[ -n \$(nsenter -t $pid -n ss -Htln 'sport = :80') ]]"

  log::info "iptables-save -t nat: the rules the runtime added (its own chains CFS-MC-DNAT, CFS-MC-POST)"
  local save
  save=$(iptables-save -t nat)
  echo "nat PREROUTING jumps to CFS-MC-DNAT for local destinations: $(common::yes_no grep -q -- '-A PREROUTING -m addrtype --dst-type LOCAL .*-j CFS-MC-DNAT' <<<"$save")"
  echo "nat OUTPUT jumps to CFS-MC-DNAT for local destinations: $(common::yes_no grep -q -- '-A OUTPUT -m addrtype --dst-type LOCAL .*-j CFS-MC-DNAT' <<<"$save")"
  echo "DNAT rules for tcp port $PORT: $(grep -c -- "-A CFS-MC-DNAT -p tcp -m tcp --dport $PORT " <<<"$save" || true)"
  echo "its destination is the container's address (state.json) port 80: $(common::yes_no grep -q -- "--dport $PORT .*-j DNAT --to-destination $ip:80\$" <<<"$save")"
  echo "MASQUERADE for sources in 127.0.0.0/8 leaving by $BRIDGE: $(common::yes_no grep -q -- "-A CFS-MC-POST -s 127.0.0.0/8 -o $BRIDGE .*-j MASQUERADE" <<<"$save")"
  echo "filter table rules naming $BRIDGE (FORWARD included): $(iptables-save -t filter | grep -c -- "$BRIDGE" || true)"
  log::info "nft list ruleset: the same rules, as the nf_tables kernel API holds them (iptables-nft)"
  echo "nft: table ip nat has the chain CFS-MC-DNAT: $(common::yes_no nft_has_chain CFS-MC-DNAT)"
  echo "nft: a dnat to the container's address port 80 for tcp dport $PORT: $(common::yes_no grep -q "tcp dport $PORT .*dnat to $ip:80" < <(nft list chain ip nat CFS-MC-DNAT 2>/dev/null))"

  log::info "counters: 3 connections to 127.0.0.1:$PORT (the nat table sees the first packet of each)"
  local d0 m0 d1 m1 reply i
  d0=$(counter CFS-MC-DNAT "dpt:$PORT")
  m0=$(counter CFS-MC-POST "127.0.0.0/8")
  for i in 1 2 3; do reply=$(get); done
  d1=$(counter CFS-MC-DNAT "dpt:$PORT")
  m1=$(counter CFS-MC-POST "127.0.0.0/8")
  echo "reply from 127.0.0.1:$PORT: $reply"
  echo "DNAT rule's packet counter grew by: $((d1 - d0))"
  echo "MASQUERADE rule's packet counter grew by: $((m1 - m0))"

  "$MC" rm -f "$id"
  echo "DNAT rules for tcp port $PORT after rm -f: $(iptables-save -t nat | grep -c -- "--dport $PORT " || true)"
  echo "chain CFS-MC-DNAT after rm -f (the last container): $(if iptables -w 5 -t nat -n -L CFS-MC-DNAT >/dev/null 2>&1; then echo present; else echo gone; fi)"
}
main "$@"
