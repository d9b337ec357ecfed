#!/usr/bin/env bash
# Network namespace: a new one holds a single device, lo, and it is down; loopback works only
# once lo is up. Devices, addresses, routes and sockets are all per namespace: a listener on
# 127.0.0.1 inside is out of reach from the host's 127.0.0.1, and the host can bind the same
# address and port at the same time.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NETNS=$(common::name netns)
INSIDE=(ip netns exec "$NETNS")

# Print the link names of the current network namespace, one a line, sorted.
link_names() { ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | sort; }

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

# Print what a TCP listener on 127.0.0.1:$1 answers, or "connection refused".
ask() {
  local port=$1 reply
  if reply=$(timeout 5 socat -T 2 - "TCP:127.0.0.1:$port" </dev/null 2>/dev/null) && [[ -n $reply ]]; then
    echo "$reply"
  else
    echo "connection refused"
  fi
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
  local inside_links
  inside_links=$("${INSIDE[@]}" bash -c "$(declare -f link_names); link_names")
  echo "links in a new network namespace: $(wc -l <<<"$inside_links") ($(paste -sd, <<<"$inside_links"))"
  echo "lo is up in a new namespace: $(common::yes_no "${INSIDE[@]}" sh -c 'ip -o link show lo | grep -qE "[<,]UP[,>]"')"
  echo "IPv4 addresses on lo while it is down: $("${INSIDE[@]}" ip -4 -o addr show dev lo | wc -l)"
  echo "host links (other than lo) visible inside: $(comm -12 <(echo "$inside_links") <(link_names | grep -vx lo) | wc -l)"
  echo "routes inside (all tables): $("${INSIDE[@]}" ip route show table all | wc -l)"
  # /proc/net is a link to /proc/self/net: it always shows the reader's own namespace.
  # shellcheck disable=SC2016 # $1 is awk's field, not the shell's
  echo "interfaces in /proc/net/dev inside: $("${INSIDE[@]}" awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev | paste -sd,)"
  # ip netns exec mounts a fresh sysfs, so /sys/class/net shows the namespace's devices.
  echo "entries in /sys/class/net inside (ip netns exec): $("${INSIDE[@]}" ls /sys/class/net | paste -sd,)"
}

loopback() {
  log::info "ip netns exec $NETNS ping -c1 -W1 127.0.0.1 (lo down)"
  echo "ping 127.0.0.1 inside while lo is down: $("${INSIDE[@]}" ping -c1 -W1 127.0.0.1 >/dev/null 2>&1 && echo works || echo fails)"
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
  echo "a host listener on the same address and port: bound"
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
