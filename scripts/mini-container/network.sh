# shellcheck shell=bash
# mini-container/network.sh: --net bridge for scripts/mini-container.sh (part 80, "Add networking"),
# read by it only when a run has a network, or a teardown or prune has one to undo: a start
# without a network never spends time parsing it. Uses netns.sh (veth, bridge, iptables).
[[ -n ${_MC_NETWORK_SH:-} ]] && return 0
_MC_NETWORK_SH=1

# region network
# --net bridge: one bridge for every container (cfs-mc-br0, $MC_SUBNET.1/24), a veth pair per
# container (cfs-mc-<id8> on the host, eth0 inside), and for -p two nat chains shared by all:
# CFS-MC-DNAT rewrites HOSTPORT on any local address to the container, CFS-MC-POST masquerades
# what comes from 127.0.0.1 or from the bridge itself. Allocations happen under MC_RUN's lock.

# Pick the lowest free address (the other containers' runtime.env files hold theirs).
mc::net_alloc_ip() {
  local -A used=()
  local f line i
  for f in "$MC_RUN"/*/runtime.env; do
    [[ -f $f ]] || continue
    # MC_IP= (empty): a container without a network, or one whose teardown has released its address.
    while IFS= read -r line; do [[ $line == MC_IP=?* ]] && used[${line#MC_IP=}]=1; done <"$f"
  done
  for ((i = 2; i < 255; i++)); do
    [[ -z ${used[$MC_SUBNET.$i]:-} ]] && { MC_IP=$MC_SUBNET.$i; return 0; }
  done
  die "no free address is left on $MC_BRIDGE ($MC_SUBNET.0/24)."
}

# Refuse a host port that another container publishes or that something on the host listens on.
mc::net_check_ports() {
  local p hp f line
  for p in "${MC_PORTS[@]}"; do
    hp=${p%%:*}
    for f in "$MC_RUN"/*/runtime.env; do
      [[ -f $f ]] || continue
      while IFS= read -r line; do
        [[ $line == MC_PORTS=* && " ${line#MC_PORTS=} " == *" $hp:"* ]] && die "the host port $hp is already published by another container."
      done <"$f"
    done
    [[ -z $(ss -Htln "sport = :$hp") ]] || die "the host port $hp is already in use on this host."
  done
}

# The bridge and the nat chains, made by the first container that needs them.
mc::net_host_setup() {
  mc::lib netns
  if [[ ! -d /sys/class/net/$MC_BRIDGE ]]; then
    netns::require_free_subnet "$MC_SUBNET.0/24"
    ip -batch - <<EOF
link add $MC_BRIDGE type bridge stp_state 0
addr add $MC_SUBNET.1/24 dev $MC_BRIDGE
EOF
    # Per-bridge switches, gone with the bridge (never the host-wide net.ipv4.ip_forward):
    # forwarding lets a container reach another one through a published port (hairpin), and
    # route_localnet lets a connection from 127.0.0.1 leave towards the container after DNAT.
    echo 1 >"/proc/sys/net/ipv4/conf/$MC_BRIDGE/forwarding"
    echo 1 >"/proc/sys/net/ipv4/conf/$MC_BRIDGE/route_localnet"
  fi
  ((${#MC_PORTS[@]})) || return 0
  [[ ! -f $MC_RUN/.chains ]] || return 0
  : >"$MC_RUN/.chains" # the marker first: mc::net_gc removes the chains it announces
  netns::iptables - -t nat -N "$MC_CHAIN_DNAT"
  netns::iptables - -t nat -N "$MC_CHAIN_POST"
  local c=(-m comment --comment cfs-mc)
  netns::iptables - -t nat -A PREROUTING -m addrtype --dst-type LOCAL "${c[@]}" -j "$MC_CHAIN_DNAT"
  netns::iptables - -t nat -A OUTPUT -m addrtype --dst-type LOCAL "${c[@]}" -j "$MC_CHAIN_DNAT"
  netns::iptables - -t nat -A POSTROUTING "${c[@]}" -j "$MC_CHAIN_POST"
  netns::iptables - -t nat -A "$MC_CHAIN_POST" -s 127.0.0.0/8 -o "$MC_BRIDGE" "${c[@]}" -j MASQUERADE
  netns::iptables - -t nat -A "$MC_CHAIN_POST" -s "$MC_SUBNET.0/24" -d "$MC_SUBNET.0/24" -o "$MC_BRIDGE" \
    -m conntrack --ctstate DNAT "${c[@]}" -j MASQUERADE
}

# Give the container (its PID 1 is $1 on the host) its veth, and publish its ports. One `ip -batch`
# on the host's side of the pair; the other side, eth0's address, link and default route, PID 1
# sets itself after "go" (MC_INIT's eth0_up, MC_IP and MC_GATEWAY): no program to start for it.
mc::net_attach() {
  # shellcheck disable=SC2153 # MC_ID: set by mc::run (scripts/mini-container.sh)
  local pid=$1 veth=$MC_PREFIX${MC_ID:0:8} p
  ip -batch - <<EOF
link add $veth type veth peer name eth0 netns $pid
link set $veth master $MC_BRIDGE up
link set $MC_BRIDGE up
EOF
  for p in "${MC_PORTS[@]}"; do
    netns::iptables - -t nat -A "$MC_CHAIN_DNAT" -p tcp --dport "${p%%:*}" \
      -m comment --comment "$MC_PREFIX$MC_ID" -j DNAT --to-destination "$MC_IP:${p#*:}"
  done
}

# Undo for one container: its DNAT rules (by their comment), then, when no container uses them any
# more, the chains and the bridge. Not the veth pair: it was made with its eth0 end in the
# container's network namespace (one `ip link add … netns PID`, so there is no moment when both
# ends are on the host), and when that namespace dies with the container's last process, the
# kernel deletes both ends itself (default_device_exit_batch, veth_dellink), in its own worker,
# without making us wait for the RCU grace periods a delete takes.
mc::net_detach() {
  local id=$1 ports=$2 rule
  if [[ -n $ports ]] && iptables -w 5 -t nat -n -L "$MC_CHAIN_DNAT" >/dev/null 2>&1; then
    while IFS= read -r rule; do
      read -ra rule <<<"${rule/#-A/-D}"
      iptables -w 5 -t nat "${rule[@]}"
    done < <(iptables -w 5 -t nat -S "$MC_CHAIN_DNAT" | grep -F -- "--comment $MC_PREFIX$id" || true)
  fi
  mc::net_gc
}

# Remove the shared bridge and chains once no container of ours has an address (under the lock).
mc::net_gc() {
  local f line
  for f in "$MC_RUN"/*/runtime.env; do
    [[ -f $f ]] || continue
    while IFS= read -r line; do [[ $line == MC_IP=?* ]] && return 0; done <"$f"
  done
  [[ ! -d /sys/class/net/$MC_BRIDGE ]] || ip link delete "$MC_BRIDGE" 2>/dev/null || true
  # (prune looks even without the marker: MC_GC_ALL)
  if [[ -f $MC_RUN/.chains || -n ${MC_GC_ALL:-} ]] && iptables -w 5 -t nat -n -L "$MC_CHAIN_DNAT" >/dev/null 2>&1; then
    local c=(-m comment --comment cfs-mc)
    iptables -w 5 -t nat -D PREROUTING -m addrtype --dst-type LOCAL "${c[@]}" -j "$MC_CHAIN_DNAT" 2>/dev/null || true
    iptables -w 5 -t nat -D OUTPUT -m addrtype --dst-type LOCAL "${c[@]}" -j "$MC_CHAIN_DNAT" 2>/dev/null || true
    iptables -w 5 -t nat -D POSTROUTING "${c[@]}" -j "$MC_CHAIN_POST" 2>/dev/null || true
    iptables -w 5 -t nat -F "$MC_CHAIN_DNAT" && iptables -w 5 -t nat -X "$MC_CHAIN_DNAT"
    iptables -w 5 -t nat -F "$MC_CHAIN_POST" 2>/dev/null && iptables -w 5 -t nat -X "$MC_CHAIN_POST"
  fi
  # iptables-nft made the nat table (and its base chains) for our chains when there was none
  # (the marker says so): remove it once nothing is left in it.
  if [[ -f $MC_RUN/.nat-table-ours ]] && nft list table ip nat >/dev/null 2>&1; then
    [[ -n $(nft list table ip nat | awk '/^\t\t[^t}]/ && !/type nat hook/') ]] || nft delete table ip nat
  fi
  rm -f -- "$MC_RUN/.nat-table-ours" "$MC_RUN/.chains"
}
# endregion network
