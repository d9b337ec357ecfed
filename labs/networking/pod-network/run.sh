#!/usr/bin/env bash
# A Kubernetes pod's network, by hand: a "pause" process holds a new network namespace; two
# "containers" (an app and a sidecar) join it with nsenter and talk over 127.0.0.1. The pod is
# wired by the real CNI plugins `bridge` and `host-local` (Debian's containernetworking-plugins),
# called as a container runtime calls them: CNI_COMMAND=ADD with the network config on stdin,
# then DEL with the ADD result as prevResult (the CNI spec). The plugins run inside a "node"
# namespace, so the bridge, the host veth ends, ip_forward and the iptables chains of ipMasq are
# the node's; host-local keeps its state in the lab's temp folder.
set -Eeuo pipefail
# shellcheck source=../../../scripts/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/common.sh"
# shellcheck source=../../../scripts/netns.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../../scripts/netns.sh"

NODE=cfs-pn-node # the Kubernetes node: the CNI bridge cfs-cni0 10.250.30.1/24 appears here
CNI_DIR=/usr/lib/cni
NET=cfs-podnet
TMP=
declare -A PAUSE=() RESULT=()

# The network configuration a runtime would read from /etc/cni/net.d, with cfs- names.
write_config() {
  cat >"$TMP/10-$NET.conf" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "$NET",
  "type": "bridge",
  "bridge": "cfs-cni0",
  "isGateway": true,
  "ipMasq": true,
  "ipam": {
    "type": "host-local",
    "ranges": [[{ "subnet": "10.250.30.0/24" }]],
    "routes": [{ "dst": "0.0.0.0/0" }],
    "dataDir": "$TMP/ipam"
  }
}
EOF
  # What a runtime runs first for every pod: the loopback plugin brings lo up.
  printf '{ "cniVersion": "1.0.0", "name": "cfs-lo", "type": "loopback" }\n' >"$TMP/99-cfs-lo.conf"
}

# CNI_COMMAND=$1 of plugin $3 (bridge) for pod $2, run in the node namespace; stdin: the config
# (with prevResult for DEL).
cni() {
  local command=$1 pod=$2 plugin=${3:-bridge} ifname=cfs-eth0
  [[ $plugin == loopback ]] && ifname=lo
  ip netns exec "$NODE" env CNI_COMMAND="$command" CNI_CONTAINERID="cfs-pn-pod-$pod" \
    CNI_NETNS="/proc/${PAUSE[$pod]}/ns/net" CNI_IFNAME="$ifname" CNI_PATH="$CNI_DIR" \
    "$CNI_DIR/$plugin"
}

# A pod: its pause process, holding a new network namespace; then CNI ADD.
pod_add() {
  local pod=$1
  # exec -a: the pause process's command line is its tag, and it is the very PID of $!.
  unshare --net bash -c "exec -a cfs-pn-pause-$pod sleep 600" &
  PAUSE[$pod]=$!
  cleanup::push "kill ${PAUSE[$pod]} 2>/dev/null; wait ${PAUSE[$pod]} 2>/dev/null || true"
  common::wait_until 5 "the pause process of pod $pod" "[[ \$(readlink /proc/${PAUSE[$pod]}/ns/net) != \$(readlink /proc/self/ns/net) ]]"
  log::info "CNI_COMMAND=ADD CNI_CONTAINERID=cfs-pn-pod-$pod CNI_NETNS=/proc/${PAUSE[$pod]}/ns/net CNI_IFNAME=cfs-eth0 $CNI_DIR/bridge < $TMP/10-$NET.conf"
  # The DEL undoes what the plugins made in the node (ipMasq chains, IPAM); pushed before the ADD.
  cleanup::push "pod_del $pod >/dev/null 2>&1 || true"
  RESULT[$pod]=$(cni ADD "$pod" <"$TMP/10-$NET.conf")
  cni ADD "$pod" loopback <"$TMP/99-cfs-lo.conf" >/dev/null
}

pod_del() {
  local pod=$1
  jq --argjson r "${RESULT[$pod]:-null}" '. + {prevResult: $r}' "$TMP/10-$NET.conf" | cni DEL "$pod"
}

# Run a command in pod $1's network namespace, as a container of that pod would be.
in_pod() {
  local pod=$1
  shift
  nsenter --net="/proc/${PAUSE[$pod]}/ns/net" "$@"
}

# What is listed in host-local's state folder for the network, in one line.
ipam_files() { find "$TMP/ipam/$NET" -mindepth 1 -printf '%f\n' 2>/dev/null | sort | paste -sd' '; }

# nat chains named CNI-… in the node, and POSTROUTING rules that carry the network's comment.
cni_chains() { netns::iptables "$NODE" -t nat -S | awk '$1 == "-N" && $2 ~ /^CNI-/' | wc -l; }
cni_jumps() { netns::iptables "$NODE" -t nat -S POSTROUTING | grep -cF -- "name: \\\"$NET\\\"" || true; }
has_bridge() { ip -n "$NODE" link show cfs-cni0 >/dev/null 2>&1; }
bridge_ports() { ip -n "$NODE" -o link show master cfs-cni0 | wc -l; }

main() {
  common::require_root
  common::require_cmd ip iproute2
  common::require_cmd ss iproute2
  common::require_cmd ping iputils-ping
  common::require_cmd iptables iptables
  common::require_cmd unshare util-linux
  common::require_cmd nsenter util-linux
  common::require_cmd mountpoint util-linux
  common::require_cmd socat socat
  common::require_cmd jq jq
  common::require_kernel "network namespaces" /proc/self/ns/net
  [[ -x $CNI_DIR/bridge && -x $CNI_DIR/host-local && -x $CNI_DIR/loopback ]] \
    || die "the CNI plugins $CNI_DIR/bridge, host-local and loopback are missing: install the Debian/Ubuntu package 'containernetworking-plugins'."
  netns::require_absent netns "$NODE"
  log::info "iptables backend: $(netns::ipt_backend)"

  netns::add "$NODE"
  common::tmpdir TMP pn
  write_config
  pod_add a
  pod_add b
  echo "address host-local gave pod a: $(jq -r '.ips[0].address' <<<"${RESULT[a]}")"
  echo "address host-local gave pod b: $(jq -r '.ips[0].address' <<<"${RESULT[b]}")"
  echo "gateway in the ADD result: $(jq -r '.ips[0].gateway' <<<"${RESULT[a]}")"
  echo "interfaces in the ADD result for pod a: $(jq -r '[.interfaces[] | if .sandbox then "\(.name) (in the pod)" else (if .name == "cfs-cni0" then .name else "a veth (in the node)" end) end] | join(", ")' <<<"${RESULT[a]}")"
  local addrs
  addrs=$(in_pod a ip -o -4 addr show dev cfs-eth0)
  echo "pod a's cfs-eth0 holds that address: $(common::yes_no grep -qF "inet $(jq -r '.ips[0].address' <<<"${RESULT[a]}") " <<<"$addrs")"
  local lo
  lo=$(in_pod a ip -o link show lo)
  echo "lo in pod a is up after the loopback plugin: $(common::yes_no grep -qE '<([A-Z_-]+,)*UP[,>]' <<<"$lo")"
  echo "host-local state files: $(ipam_files)"
  echo "container ID host-local recorded for 10.250.30.2: $(head -n1 "$TMP/ipam/$NET/10.250.30.2")"
  echo "ports on the node's bridge cfs-cni0: $(bridge_ports)"
  echo "nat chains CNI-… in the node (ipMasq): $(cni_chains)"

  log::info "two containers of pod a: the app listens on 127.0.0.1:8080, the sidecar connects to it"
  # shellcheck disable=SC2016 # $SOCAT_PEERADDR is for the shell socat starts
  nsenter --net="/proc/${PAUSE[a]}/ns/net" socat TCP-LISTEN:8080,bind=127.0.0.1,reuseaddr,fork 'SYSTEM:echo "cfs-pn-app answered $SOCAT_PEERADDR"' &
  local app=$!
  cleanup::push "kill $app 2>/dev/null; wait $app 2>/dev/null || true"
  common::wait_until 5 "the app in pod a" "in_pod a ss -Hltn 'sport = :8080' | grep -q ."
  echo "the app shares the pause process's network namespace: $(common::yes_no test "$(readlink "/proc/$app/ns/net")" = "$(readlink "/proc/${PAUSE[a]}/ns/net")")"
  echo "sidecar in pod a -> 127.0.0.1:8080: $(in_pod a socat -T 5 -t 5 - TCP:127.0.0.1:8080,connect-timeout=2 </dev/null 2>/dev/null || echo none)"
  echo "pod b -> 10.250.30.2:8080 (the app listens on 127.0.0.1 only): $(in_pod b socat -T 5 -t 5 - TCP:10.250.30.2:8080,connect-timeout=2 </dev/null 2>/dev/null || echo none)"
  echo "pod b -> pod a 10.250.30.2 (ping over cfs-cni0): $(in_pod b ping -c1 -W2 10.250.30.2 >/dev/null 2>&1 && echo works || echo fails)"

  log::info "CNI_COMMAND=DEL for both pods (the config with prevResult on stdin)"
  local status_a=0 status_b=0
  pod_del a || status_a=$?
  pod_del b || status_b=$?
  echo "exit status of CNI DEL, pod a and pod b: $status_a $status_b"
  echo "after DEL, host-local state files: $(ipam_files)"
  echo "after DEL, nat chains CNI-… in the node: $(cni_chains)"
  echo "after DEL, POSTROUTING rules commented name: \"$NET\": $(cni_jumps)"
  echo "after DEL, ports on cfs-cni0: $(bridge_ports)"
  echo "after DEL, the bridge cfs-cni0 is still in the node: $(common::yes_no has_bridge)"
  log::info "to diagnose 'no network' in a pod: nsenter -t <pause PID> -n ip addr; ip route; then the node's bridge (bridge link), its host-local state (/var/lib/cni/networks/<net>) and the CNI-… chains (iptables -t nat -S)"
}
main "$@"
