#!/usr/bin/env bash
# Network namespace: a new one holds lo, down (plus the fallback tunnel devices of any tunnel
# module loaded on the host); loopback works only once lo is up. Devices, addresses, routes and sockets are all per namespace: a listener on
# 127.0.0.1 inside is out of reach from the host's 127.0.0.1, and the host can bind the same
# address and port at the same time.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NETNS=$(common::name netns)
INSIDE=(ip netns exec "$NETNS")

# The fallback devices a tunnel module creates in every new network namespace while
# net.core.fb_tunnels_only_for_init_net is 0 (its default): ipip, sit, ip6_tunnel, ip_gre,
# ip6_gre, ip_vti, ip6_vti. A host without those modules loaded has none of them.
FALLBACK_TUNNELS=(tunl0 sit0 ip6tnl0 gre0 gretap0 erspan0 ip6gre0 ip_vti0 ip6_vti0)

# Print the link names of the current network namespace, one a line, sorted.
link_names() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }

# Filter: drop the fallback tunnel devices from a list of names, one a line.
no_fallback() { grep -vxF -f <(printf '%s\n' "${FALLBACK_TUNNELS[@]}") || true; }

# Print the error text of the last line of a tool's stderr ("ping: connect: Network is
# unreachable" -> "Network is unreachable").
error_text() { tail -n 1 | sed 's/.*: //'; }

# Print a TCP port that nothing listens on, on the host's 127.0.0.1.
free_port() {
  local port
  for port in $(seq 47000 47100); do
    [[ -z $(ss -Hltn "sport = :$port") ]] && { echo "$port"; return 0; }
  done
  die "no free TCP port in 47000-47100 on this host"
}

# Wait until something listens on TCP port $2 in the namespace run by the command prefix $1
# ("host" or "inside").
wait_for_listener() {
  local where=$1 port=$2 tries=100
  local -a prefix=()
  [[ $where == inside ]] && prefix=("${INSIDE[@]}")
  while ((tries--)); do
    [[ -n $("${prefix[@]}" ss -Hltn "sport = :$port") ]] && return 0
    sleep 0.05
  done
  die "no listener on port $port ($where)"
}

# Print what a TCP listener on 127.0.0.1:$1 answers; on failure, the error socat reported
# ("Connection refused"), or "no answer within 5 s".
ask() {
  local port=$1 reply status=0 err
  err=$(mktemp)
  reply=$(timeout 8 socat -T 5 -t 5 - "TCP:127.0.0.1:$port" </dev/null 2>"$err") || status=$?
  if ((status == 0)) && [[ -n $reply ]]; then
    echo "$reply"
  elif ((status == 124)); then
    echo "no answer within 5 s"
  else
    tail -n 1 "$err" | sed 's/.*: //'
  fi
  rm -f -- "$err"
}

# Start a listener on 127.0.0.1:PORT that answers WORD to every connection. The reply word
# (cfs-net-ns-...) is on socat's command line, so cleanup.sh finds strays by it.
listen() {
  local port=$1 word=$2
  shift 2
  "$@" socat "TCP-LISTEN:$port,bind=127.0.0.1,reuseaddr,fork" "SYSTEM:echo $word" &
  local pid=$!
  cleanup::push "kill $pid 2>/dev/null; wait $pid 2>/dev/null || true"
}

fresh_namespace() {
  log::info "ip netns add $NETNS"
  netns::add "$NETNS"
  local all_links inside_links
  all_links=$("${INSIDE[@]}" bash -c "$(declare -f link_names); link_names")
  inside_links=$(no_fallback <<<"$all_links")
  log::info "links inside: $(paste -sd' ' <<<"$all_links") (fallback tunnels: ${FALLBACK_TUNNELS[*]})"
  echo "links in a new network namespace, fallback tunnel devices aside: $(wc -l <<<"$inside_links") (${inside_links//$'\n'/,})"
  echo "lo is up in a new namespace: $(common::yes_no "${INSIDE[@]}" sh -c 'ip -o link show lo | grep -qE "[<,]UP[,>]"')"
  echo "IPv4 addresses on lo while it is down: $("${INSIDE[@]}" ip -4 -o addr show dev lo | wc -l)"
  echo "host links (other than lo) visible inside: $(comm -12 <(echo "$inside_links") <(link_names | grep -vx lo) | wc -l)"
  echo "routes inside (all tables): $("${INSIDE[@]}" ip route show table all | wc -l)"
  # /proc/net is a link to /proc/self/net: it always shows the reader's own namespace.
  # shellcheck disable=SC2016 # $1 is awk's field, not the shell's
  echo "interfaces in /proc/net/dev inside, fallback tunnels aside: $("${INSIDE[@]}" awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev | no_fallback | paste -sd,)"
  # ip netns exec mounts a fresh sysfs, so /sys/class/net shows the namespace's devices.
  echo "entries in /sys/class/net inside (ip netns exec), fallback tunnels aside: $("${INSIDE[@]}" ls /sys/class/net | no_fallback | paste -sd,)"
}

loopback() {
  log::info "ip netns exec $NETNS ping -c1 -W1 127.0.0.1 (lo down)"
  local err
  err=$("${INSIDE[@]}" ping -c1 -W1 127.0.0.1 2>&1 >/dev/null) && err=works || err="fails: $(error_text <<<"$err")"
  echo "ping 127.0.0.1 inside while lo is down: $err"
  log::info "ip -n $NETNS link set lo up"
  ip -n "$NETNS" link set lo up
  echo "IPv4 address on lo once it is up: $("${INSIDE[@]}" ip -4 -o addr show dev lo | awk '{ print $4 }')"
  echo "ping 127.0.0.1 inside after lo is up: $("${INSIDE[@]}" ping -c1 -W1 127.0.0.1 >/dev/null 2>&1 && echo works || echo fails)"
  echo "local route for 127.0.0.1 once lo is up: $(common::yes_no test -n "$("${INSIDE[@]}" ip route show table local 127.0.0.1)")"
}

sockets() {
  local port
  port=$(free_port)
  log::info "listener on 127.0.0.1:$port inside $NETNS (socat)"
  listen "$port" cfs-net-ns-inside "${INSIDE[@]}"
  wait_for_listener inside "$port"
  echo "answer on 127.0.0.1:<port> asked from inside: $("${INSIDE[@]}" bash -c "$(declare -f ask); ask $port")"
  echo "answer on 127.0.0.1:<port> asked from the host: $(ask "$port")"
  echo "the listener is in the host's socket table (ss -ltn): $(common::yes_no test -n "$(ss -Hltn "sport = :$port")")"

  log::info "a second listener on the same 127.0.0.1:$port, on the host"
  listen "$port" cfs-net-ns-host
  wait_for_listener host "$port"
  echo "listeners on 127.0.0.1:<port> in the host's socket table now: $(ss -Hltn "sport = :$port" | wc -l)"
  echo "listeners on 127.0.0.1:<port> inside now: $("${INSIDE[@]}" ss -Hltn "sport = :$port" | wc -l)"
  echo "answer asked from the host now: $(ask "$port")"
  echo "answer asked from inside now: $("${INSIDE[@]}" bash -c "$(declare -f ask); ask $port")"
}

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd ping iputils-ping
  common::require_cmd socat socat
  common::require_cmd mountpoint util-linux
  common::require_kernel "network namespaces" /proc/self/ns/net
  [[ ! -e /run/netns/$NETNS ]] \
    || die "network namespace $NETNS already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first."
  fresh_namespace
  loopback
  sockets
}
main "$@"
