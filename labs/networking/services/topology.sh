# The topology of the Service labs (labs/networking/services and ipvs), sourced by their run.sh
# after scripts/common.sh and scripts/netns.sh: a "node" namespace with a bridge and two backend
# pods that answer their name on TCP port 80, and a client namespace on another link, routed to
# the Service range 10.96.0.0/12 through the node. Both labs declare these names in lab.manifest.
# shellcheck shell=bash

NODE=cfs-svc-node # bridge cfs-br0 10.250.50.1/24 (the pods), cfs-lan 10.250.51.1/24 (the client)
BE1=cfs-svc-be1   # backend pod 1: cfs-eth0 10.250.50.11/24, answers "backend 1"
BE2=cfs-svc-be2   # backend pod 2: cfs-eth0 10.250.50.12/24, answers "backend 2"
CLI=cfs-svc-cli   # client: cfs-eth0 10.250.51.2/24, a route to the service range via the node

# Answers of N connections from the client to ADDR:PORT, one a line ("none" when refused). socat's
# -t 5: after its stdin (/dev/null) ends, wait up to 5 s for the answer, not the default 0.5 s,
# which a loaded one-CPU VM can miss (an empty answer).
connect_n() {
  # shellcheck disable=SC2016 # $1 and $2 are the inner bash's arguments
  ip netns exec "$CLI" bash -c '
    for ((i = 0; i < $1; i++)); do
      socat -T 5 -t 5 - "TCP:$2:80,connect-timeout=2" </dev/null 2>/dev/null || echo none
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
