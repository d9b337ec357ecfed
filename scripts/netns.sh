# shellcheck shell=bash
# netns.sh: named network namespaces (`ip netns`) for labs. Source it after common.sh.
#   netns::add NAME      `ip netns add NAME`, and push its undo on the cleanup stack
#   netns::delete NAME   delete NAME if it exists (safe when it does not: for cleanup.sh)
#   netns::undo_run_dir STATE_DIR   for cleanup.sh after a SIGKILL: undo the /run/netns mount
#                        and folder that the markers in STATE_DIR say this script made
#
# Why a helper: the first `ip netns add` on a host also turns /run/netns into a shared bind
# mount of itself (so that unmounting a namespace file propagates to every mount namespace), and
# `ip netns delete` never undoes that. Left alone, every lab would leave a new mount behind. The
# undo pushed by netns::add removes that mount (and the folder) again when this call is what
# created it and no namespace file is left in it. So that cleanup.sh can do the same after a
# SIGKILL (no trap runs), netns::add first leaves markers (state::mark) saying which of the two
# it is about to create.

[[ -n ${_CFS_NETNS_SH:-} ]] && return 0
_CFS_NETNS_SH=1

NETNS_RUN_DIR=/run/netns

netns::add() {
  local name=$1 had_dir=0 had_mount=0
  [[ $name == "$CFS_PREFIX"* ]] || die "netns::add: '$name' does not start with $CFS_PREFIX"
  [[ -d $NETNS_RUN_DIR ]] && had_dir=1
  mountpoint -q "$NETNS_RUN_DIR" 2>/dev/null && had_mount=1
  # The undo first, then the markers: a signal between the two must not leave a marker behind.
  cleanup::push "netns::_undo_add '$name'"
  ((had_dir)) || state::mark netns-made-run-dir
  ((had_mount)) || state::mark netns-made-run-mount
  ip netns add "$name"
}

netns::delete() {
  local name=$1
  [[ $name == "$CFS_PREFIX"* ]] || die "netns::delete: '$name' does not start with $CFS_PREFIX"
  [[ -e $NETNS_RUN_DIR/$name ]] || return 0
  ip netns delete "$name" 2>/dev/null || {
    # A half-made entry (the file without its bind mount) makes `ip netns delete` fail.
    umount "$NETNS_RUN_DIR/$name" 2>/dev/null || true
    rm -f -- "${NETNS_RUN_DIR:?}/$name"
  }
}

netns::_undo_add() {
  netns::delete "$1"
  netns::undo_run_dir "$(state::dir)"
}

# Remove the /run/netns mount and folder we made, once no namespace file is left in it.
netns::_undo_run_dir() {
  local had_dir=$1 had_mount=$2
  [[ -d $NETNS_RUN_DIR && -z $(ls -A "$NETNS_RUN_DIR") ]] || return 0
  if ((!had_mount)) && mountpoint -q "$NETNS_RUN_DIR"; then
    umount "$NETNS_RUN_DIR"
  fi
  if ((!had_dir)) && ! mountpoint -q "$NETNS_RUN_DIR"; then
    rmdir "$NETNS_RUN_DIR"
  fi
  return 0
}

netns::undo_run_dir() {
  local state=$1 had_dir=1 had_mount=1
  [[ -f $state/netns-made-run-dir ]] && had_dir=0
  [[ -f $state/netns-made-run-mount ]] && had_mount=0
  ((had_dir && had_mount)) && return 0
  netns::_undo_run_dir "$had_dir" "$had_mount"
  # Keep the markers while namespaces are still listed there: a later clean-up may finish it.
  [[ -d $NETNS_RUN_DIR && -n $(ls -A "$NETNS_RUN_DIR") ]] && return 0
  rm -f -- "$state/netns-made-run-dir" "$state/netns-made-run-mount"
  rmdir -- "$state" 2>/dev/null || true
}

# --- links, addresses and routes (part 50) --------------------------------------------------------
# NS is the name of a namespace the lab made with netns::add, or "-" for the host's own namespace.
# Every name a lab creates starts with cfs- (links, bridges) or CFS- (iptables chains).
#   netns::exec NS CMD...              run CMD in NS (ip netns exec), or here for "-"
#   netns::require_absent KIND NAME... refuse (die) when a netns or link NAME already exists:
#                                      KIND is netns or link (a link in the host's namespace)
#   netns::veth A NS_A B NS_B          a veth pair, end A in NS_A and end B in NS_B, both up
#   netns::bridge NS NAME              a bridge (STP off, the kernel's default), up
#   netns::attach NS LINK BRIDGE       enslave LINK to BRIDGE
#   netns::addr NS DEV CIDR            add an address to DEV, and bring DEV (and lo) up
#   netns::route NS DEST VIA           add a route (DEST may be "default")
#   netns::sysctl NS KEY VALUE         set a sysctl of a namespace the lab made (never "-": the
#                                      host's sysctls only through lab::sysctl, scripts/lab.sh)
# A link in a namespace the lab made vanishes with the namespace; for "-", each creation pushes
# its undo on the cleanup stack at once.

netns::_in() {
  local ns=$1
  shift
  if [[ $ns == - ]]; then "$@"; else
    [[ $ns == "$CFS_PREFIX"* ]] || die "netns: '$ns' is neither '-' nor a $CFS_PREFIX namespace"
    ip netns exec "$ns" "$@"
  fi
}
netns::exec() { netns::_in "$@"; }

netns::_name() { [[ $1 == "$CFS_PREFIX"* ]] || die "netns: '$1' does not start with $CFS_PREFIX"; }

netns::require_absent() {
  local kind=$1 name
  shift
  for name in "$@"; do
    case $kind in
      netns) [[ ! -e $NETNS_RUN_DIR/$name ]] || die "network namespace $name already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first." ;;
      link) ! ip link show "$name" >/dev/null 2>&1 || die "link $name already exists (left by an interrupted run?): run $(dirname "$0")/cleanup.sh first." ;;
      *) die "netns::require_absent: unknown kind '$kind' (netns or link)" ;;
    esac
  done
}

# Push the undo of a link made in the host's namespace (links in a lab namespace go with it).
netns::_push_link_undo() {
  [[ $2 == - ]] && cleanup::push "ip link delete '$1' 2>/dev/null || true"
  return 0
}

netns::veth() {
  local a=$1 ns_a=$2 b=$3 ns_b=$4
  netns::_name "$a"
  netns::_name "$b"
  netns::_push_link_undo "$a" "$ns_a"
  netns::_push_link_undo "$b" "$ns_b"
  # "netns PID" names the namespace of this shell, the host's, from inside NS_A.
  local peer_ns=$ns_b
  [[ $ns_b == - ]] && peer_ns=$$
  netns::_in "$ns_a" ip link add "$a" type veth peer name "$b" netns "$peer_ns"
  netns::_in "$ns_a" ip link set "$a" up
  netns::_in "$ns_b" ip link set "$b" up
}

netns::bridge() {
  local ns=$1 name=$2
  netns::_name "$name"
  netns::_push_link_undo "$name" "$ns"
  netns::_in "$ns" ip link add "$name" type bridge stp_state 0
  netns::_in "$ns" ip link set "$name" up
}

netns::attach() { netns::_in "$1" ip link set "$2" master "$3"; }

netns::addr() {
  local ns=$1 dev=$2 cidr=$3
  netns::_in "$ns" ip addr add "$cidr" dev "$dev"
  netns::_in "$ns" ip link set "$dev" up
  [[ $ns == - ]] || netns::_in "$ns" ip link set lo up
}

netns::route() { netns::_in "$1" ip route add "$2" via "$3"; }

netns::sysctl() {
  local ns=$1 key=$2 value=$3
  [[ $ns != - ]] || die "netns::sysctl: the host's sysctls are set with lab::sysctl (declared in lab.manifest), not here"
  netns::_in "$ns" sysctl -q -w "$key=$value" >/dev/null
}

# --- iptables: chains the lab owns (part 50) -------------------------------------------------------
#   netns::ipt_backend                 print the backend of `iptables` (nf_tables or legacy); dies
#                                      on anything else. Never iptables-legacy on an nft host.
#   netns::iptables NS ARGS...         iptables ARGS in NS, after the backend checks below
#   netns::chain NS TABLE CHAIN        create a chain CFS-...; for "-", push its removal (with
#                                      every rule jumping to it) at once
#   netns::rule NS TABLE CHAIN LAB RULE...   append RULE to the lab's own chain CHAIN (CFS-...),
#                                      tagged -m comment --comment cfs-LAB
#   netns::jump NS TABLE FROM CHAIN LAB [MATCH...]   insert at the top of FROM a rule that jumps to
#                                      CHAIN (tagged like netns::rule); for "-", push its removal
#   netns::undo_host_tables STATE_DIR  for cleanup.sh after a SIGKILL: remove the empty nft table and
#                                      base chains that the markers in STATE_DIR say the lab made
# Why the markers: iptables-nft creates the table (table ip nat) and each built-in chain it is
# first asked to use (chain OUTPUT, type nat hook output), and deleting the lab's own chains and
# rules leaves those behind. Before it touches the host's tables, netns::chain and netns::jump
# mark which of them did not exist yet; the undo (pushed at once, and netns::undo_host_tables in
# cleanup.sh) deletes exactly those, and only once they are empty (a marker stays while its
# table or chain still holds something, for a later call: the stack runs it after the lab's own
# chains and rules are gone). On a legacy host a table,
# once registered by its kernel module, cannot be unregistered: the lab says so.

_CFS_IPT_BACKEND=

netns::ipt_backend() {
  if [[ -z $_CFS_IPT_BACKEND ]]; then
    local version
    version=$(iptables -V 2>/dev/null) || die "iptables -V failed: is the Debian/Ubuntu package 'iptables' installed?"
    case $version in
      *'(nf_tables)'*) _CFS_IPT_BACKEND=nf_tables ;;
      *'(legacy)'*) _CFS_IPT_BACKEND=legacy ;;
      *) die "cannot tell the iptables backend from '$version' (expected nf_tables or legacy)" ;;
    esac
  fi
  printf '%s\n' "$_CFS_IPT_BACKEND"
}

# Refuse to add rules of one backend where the other one already holds tables: rules of both
# would run, in an order nobody reads from either tool's listing.
netns::_check_no_mix() {
  local ns=$1 backend names
  backend=$(netns::ipt_backend)
  if [[ $backend == nf_tables ]]; then
    # The legacy tables registered in this namespace (read without running iptables-legacy).
    names=$(netns::_in "$ns" cat /proc/net/ip_tables_names 2>/dev/null || true)
    [[ -z $names ]] || die "iptables uses nf_tables here, but legacy iptables tables are registered too ($(paste -sd, <<<"$names")): this lab will not mix the two backends."
  elif command -v nft >/dev/null 2>&1; then
    names=$(netns::_in "$ns" nft list tables ip 2>/dev/null | awk '$3 == "filter" || $3 == "nat" || $3 == "mangle" || $3 == "raw" { print $3 }' || true)
    [[ -z $names ]] || die "iptables uses the legacy backend here, but nftables holds iptables-nft tables too ($(paste -sd, <<<"$names")): this lab will not mix the two backends."
  fi
  return 0
}

netns::iptables() {
  local ns=$1
  shift
  netns::_check_no_mix "$ns"
  netns::_in "$ns" iptables -w 5 "$@"
}

netns::_chain_name() { [[ $1 == CFS-* ]] || die "netns: iptables chain '$1' does not start with CFS-"; }

netns::_comment() { [[ $1 == "$CFS_PREFIX"* ]] || die "netns: rule comment '$1' does not start with $CFS_PREFIX"; }

# Before the host's table TABLE (and its built-in chain CHAIN, if given) is first used: mark what
# does not exist yet, and push the undo that removes it again once it is empty.
netns::_mark_host_table() {
  local table=$1 chain=${2:-} marker
  [[ $(netns::ipt_backend) == nf_tables ]] || return 0
  command -v nft >/dev/null 2>&1 || die "'nft' is not installed: install the Debian/Ubuntu package 'nftables' (apt-get install nftables)."
  if [[ -z $chain ]]; then
    marker=ipt-table.$table
    nft list table ip "$table" >/dev/null 2>&1 && return 0
  else
    marker=ipt-chain.$table.$chain
    nft list chain ip "$table" "$chain" >/dev/null 2>&1 && return 0
  fi
  # The undo first, then the marker: a signal between the two must not leave a marker behind.
  cleanup::push "netns::undo_host_tables '$(state::dir)'"
  [[ -f $(state::dir)/$marker ]] || state::mark "$marker"
}

netns::chain() {
  local ns=$1 table=$2 chain=$3
  netns::_chain_name "$chain"
  if [[ $ns == - ]]; then
    netns::_mark_host_table "$table"
    declare -F lab::_remove_chain >/dev/null || die "netns::chain on the host: source scripts/lab.sh first (its clean-up removes the chain)"
    cleanup::push "lab::_remove_chain '$table:$chain'"
  fi
  netns::iptables "$ns" -t "$table" -N "$chain"
}

netns::rule() {
  local ns=$1 table=$2 chain=$3 lab=$4
  shift 4
  netns::_chain_name "$chain"
  netns::_comment "cfs-$lab"
  netns::iptables "$ns" -t "$table" -A "$chain" "$@" -m comment --comment "cfs-$lab"
}

netns::jump() {
  local ns=$1 table=$2 from=$3 chain=$4 lab=$5
  shift 5
  netns::_chain_name "$chain"
  netns::_comment "cfs-$lab"
  local -a rule=("$@" -m comment --comment "cfs-$lab" -j "$chain")
  if [[ $ns == - ]]; then
    netns::_mark_host_table "$table" "$from"
    cleanup::push "iptables -w 5 -t '$table' -D '$from' $(printf '%q ' "${rule[@]}") 2>/dev/null || true"
  fi
  netns::iptables "$ns" -t "$table" -I "$from" "${rule[@]}"
}

netns::undo_host_tables() {
  local state=$1 file name table chain
  [[ -d $state ]] || return 0
  # Built-in chains first (the table cannot go while they are there), each only when empty.
  for file in "$state"/ipt-chain.*; do
    [[ -f $file ]] || continue
    name=${file##*/ipt-chain.}
    table=${name%%.*} chain=${name#*.}
    if nft list chain ip "$table" "$chain" >/dev/null 2>&1; then
      # Rules still in it (the lab's own, not yet removed): keep the marker for a later call.
      [[ -z $(nft list chain ip "$table" "$chain" | awk '/^\t\t/ && !/^\t\ttype .* hook /') ]] || continue
      nft delete chain ip "$table" "$chain"
    fi
    rm -f -- "$file"
  done
  for file in "$state"/ipt-table.*; do
    [[ -f $file ]] || continue
    table=${file##*/ipt-table.}
    if nft list table ip "$table" >/dev/null 2>&1; then
      nft list table ip "$table" | grep -qE '^\s+chain ' && continue
      nft delete table ip "$table"
    fi
    rm -f -- "$file"
  done
  rmdir -- "$state" 2>/dev/null || true
}

#   netns::require_forward_accept NS WHY   refuse when NS's filter FORWARD policy is DROP (a
#                                      Docker host's): WHY says which traffic it would drop
#   netns::require_free_subnet CIDR    refuse when the host already routes CIDR (a connected or
#                                      specific route), so the lab never shadows a real network
netns::require_forward_accept() {
  local ns=$1 why=$2 policy
  policy=$(netns::iptables "$ns" -S FORWARD 2>/dev/null | awk '$1 == "-P" { print $3 }')
  [[ $policy != DROP ]] || die "the FORWARD policy of the iptables filter table is DROP here (Docker sets it so); $why. This lab never changes the policy: run it on a host without that, or in a VM."
  return 0
}

netns::require_free_subnet() {
  local cidr=$1 routes
  # Routes that cover CIDR (match) or lie inside it (root), in any table; not the default route.
  routes=$({ ip -4 route show table all match "$cidr"; ip -4 route show table all root "$cidr"; } 2>/dev/null \
    | grep -v '^default' || true)
  [[ -z $routes ]] || die "this host already has a route for $cidr ($(head -n1 <<<"$routes")): the lab will not shadow it."
}

# --- counters and overlays (part 50: docker-chains, vxlan-overlay, services) -----------------------
#   netns::counters NS TABLE CHAIN     print "PACKETS RULE" a line for each rule of CHAIN, in order:
#                                      the kernel's own counter, and the rule as iptables -S writes
#                                      it without its cfs- comment
#   netns::zero NS TABLE               zero every counter of TABLE in NS, a namespace the lab made
#   netns::vxlan NS NAME VNI LOCAL REMOTE DEV   a VXLAN device NAME (VNI, UDP port 4789) in NS that
#                                      sends to the one peer REMOTE from LOCAL over DEV, up
netns::counters() {
  local ns=$1 table=$2 chain=$3
  # -S -v: "-A CHAIN <match> -m comment --comment cfs-LAB -c PACKETS BYTES [-j TARGET ...]"
  netns::iptables "$ns" -t "$table" -S "$chain" -v | sed -nE "/^-A $chain /{
    s/^-A [^ ]+ //; s/(^| )-m comment --comment [^ ]+//
    s/^(.*)-c ([0-9]+) [0-9]+ ?(.*)\$/\\2 \\1\\3/; s/ +\$//; p
  }"
}

netns::zero() {
  local ns=$1 table=$2
  [[ $ns != - ]] || die "netns::zero: the host's counters are not the lab's to reset"
  netns::iptables "$ns" -t "$table" -Z
}

netns::vxlan() {
  local ns=$1 name=$2 vni=$3 local=$4 remote=$5 dev=$6
  netns::_name "$name"
  netns::_push_link_undo "$name" "$ns"
  netns::_in "$ns" ip link add "$name" type vxlan id "$vni" local "$local" remote "$remote" dev "$dev" dstport 4789 \
    || die "cannot create the VXLAN device $name: does this kernel have VXLAN (CONFIG_VXLAN, module vxlan)?"
  netns::_in "$ns" ip link set "$name" up
}
