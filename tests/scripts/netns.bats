#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# shellcheck disable=SC2016 # the snippets given to in_lab are expanded by the lab's shell
# scripts/netns.sh: namespaces, veth pairs, bridges, addresses, routes and the lab's own iptables
# chains. Each test runs a snippet as a script of a scratch lab (labs/cfstest/<test>/, scripts/
# linked in), so that state::dir and lab::sysctl work as in a real lab, and checks that what it
# made is gone when the snippet's cleanup stack has run, or after cleanup::lab. Real objects are
# named cfs-nstest…, and teardown removes them whatever happened.

load ../helpers

# Real cfs- objects on the host: never while a lab or another library test runs.
setup_file() { lab::lock; }

setup() {
  TREE=$BATS_TEST_TMPDIR/tree
  LABDIR=$TREE/labs/cfstest/netns$BATS_TEST_NUMBER
  mkdir -p "$LABDIR"
  ln -s "$REPO_ROOT/scripts" "$TREE/scripts"
  STATE=/run/cfs-state.cfstest.netns$BATS_TEST_NUMBER
  printf '%s\n' "netns: cfs-nstest-a cfs-nstest-b" "links: cfs-nstest-h" "chains: nat:CFS-NSTEST" >"$LABDIR/lab.manifest"
}

teardown() {
  ((EUID == 0)) || return 0
  in_lab "cleanup::lab '$LABDIR'; netns::undo_host_tables '$STATE'" || true
  rm -rf -- "$STATE"
}

# Run bash code as a script of the scratch lab ($0 in its folder), with lab.sh sourced.
in_lab() {
  printf '%s\n' '#!/usr/bin/env bash' 'set -Eeuo pipefail' \
    "source '$TREE/scripts/common.sh'" "source '$TREE/scripts/lab.sh'" "$1" >"$LABDIR/snippet.sh"
  run --separate-stderr bash "$LABDIR/snippet.sh"
}

@test "netns::ipt_backend says what iptables -V says: nf_tables or legacy" {
  run --separate-stderr bash -c "source '$REPO_ROOT/scripts/common.sh'; source '$REPO_ROOT/scripts/netns.sh'; netns::ipt_backend"
  assert_success
  local version
  version=$(iptables -V)
  [[ $version == *"($output)"* ]] || fail "netns::ipt_backend said '$output', iptables -V says '$version'"
}

@test "netns::veth, bridge, attach, addr and route join two namespaces, and nothing is left after the cleanup stack" {
  requires root
  host_state::snapshot >"$BATS_TEST_TMPDIR/before"
  in_lab '
    netns::add cfs-nstest-a; netns::add cfs-nstest-b
    netns::bridge cfs-nstest-a cfs-nstest-br
    netns::veth cfs-nstest-p cfs-nstest-a cfs-nstest-q cfs-nstest-b
    netns::attach cfs-nstest-a cfs-nstest-p cfs-nstest-br
    netns::addr cfs-nstest-a cfs-nstest-br 10.251.0.1/24
    netns::addr cfs-nstest-b cfs-nstest-q 10.251.0.2/24
    netns::addr cfs-nstest-b lo 10.251.9.9/32
    netns::route cfs-nstest-a 10.251.9.9/32 10.251.0.2
    netns::exec cfs-nstest-a ping -c1 -W2 10.251.9.9 >/dev/null && echo "ping over the route: works"
    echo "master of cfs-nstest-p: $(ip -n cfs-nstest-a -o link show cfs-nstest-p | grep -o "master [^ ]*")"
    echo "stp_state: $(ip -n cfs-nstest-a -d -o link show cfs-nstest-br | grep -o "stp_state [0-9]")"'
  assert_success
  assert_output $'ping over the route: works\nmaster of cfs-nstest-p: master cfs-nstest-br\nstp_state: stp_state 0'
  host_state::snapshot >"$BATS_TEST_TMPDIR/after"
  diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "the cleanup stack left something behind"
}

@test "netns::veth with one end in the host's namespace: the host end is removed by the cleanup stack" {
  requires root
  host_state::snapshot >"$BATS_TEST_TMPDIR/before"
  in_lab 'netns::add cfs-nstest-a; netns::veth cfs-nstest-h - cfs-nstest-n cfs-nstest-a
    ip -o link show cfs-nstest-h >/dev/null && echo "host end: present"
    netns::exec cfs-nstest-a ip -o link show cfs-nstest-n >/dev/null && echo "inside end: present"'
  assert_success
  assert_output $'host end: present\ninside end: present'
  host_state::snapshot >"$BATS_TEST_TMPDIR/after"
  diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "the cleanup stack left something behind"
}

@test "netns::require_absent refuses, naming the object, when a cfs- netns or link already exists" {
  requires root
  in_lab 'netns::add cfs-nstest-a; (netns::require_absent netns cfs-nstest-a) || echo "status: $?"'
  assert_success
  assert_output "status: 1"
  [[ $stderr == *"network namespace cfs-nstest-a already exists"*"cleanup.sh"* ]] || fail "stderr: $stderr"
}

@test "netns::rule and netns::jump tag every rule with cfs-<lab> and refuse chains not named CFS-" {
  requires root
  in_lab 'netns::add cfs-nstest-a
    netns::chain cfs-nstest-a nat CFS-NSTEST
    netns::rule cfs-nstest-a nat CFS-NSTEST nstest -p tcp --dport 9 -j DNAT --to-destination 10.251.0.2:9
    netns::jump cfs-nstest-a nat PREROUTING CFS-NSTEST nstest -p tcp
    netns::exec cfs-nstest-a iptables -t nat -S | grep -E "^-A"
    (netns::rule cfs-nstest-a nat PREROUTING nstest -j ACCEPT) || echo "a rule in a chain the lab does not own: status $?"
    (netns::chain cfs-nstest-a nat NSTEST) || echo "a chain not named CFS-: status $?"'
  assert_success
  assert_output '-A PREROUTING -p tcp -m comment --comment cfs-nstest -j CFS-NSTEST
-A CFS-NSTEST -p tcp -m tcp --dport 9 -m comment --comment cfs-nstest -j DNAT --to-destination 10.251.0.2:9
a rule in a chain the lab does not own: status 1
a chain not named CFS-: status 1'
}

@test "netns::chain and netns::jump on the host's nat table: the cleanup stack leaves iptables and nft exactly as before" {
  requires root
  host_state::snapshot >"$BATS_TEST_TMPDIR/before"
  in_lab 'netns::chain - nat CFS-NSTEST
    netns::rule - nat CFS-NSTEST nstest -d 127.0.0.1/32 -p tcp --dport 9 -j RETURN
    netns::jump - nat OUTPUT CFS-NSTEST nstest -d 127.0.0.1/32
    iptables -t nat -S OUTPUT | grep -c -- "-j CFS-NSTEST"'
  assert_success
  assert_output "1"
  host_state::snapshot >"$BATS_TEST_TMPDIR/after"
  diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "the host's tables are not as before"
}

@test "after a SIGKILL, cleanup::lab and netns::undo_host_tables leave the host's tables as before" {
  requires root
  host_state::snapshot >"$BATS_TEST_TMPDIR/before"
  in_lab 'netns::chain - nat CFS-NSTEST
    netns::jump - nat OUTPUT CFS-NSTEST nstest -d 127.0.0.1/32
    kill -KILL $$'
  iptables -t nat -S CFS-NSTEST >/dev/null || fail "the chain was not made: the test proves nothing"
  in_lab "cleanup::lab '$LABDIR'; netns::undo_host_tables '$STATE'"
  assert_success
  in_lab "cleanup::lab '$LABDIR'; netns::undo_host_tables '$STATE'"
  assert_success
  host_state::snapshot >"$BATS_TEST_TMPDIR/after"
  diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "the host's tables are not as before"
}

@test "netns::sysctl sets a lab namespace's own sysctl and refuses the host's" {
  requires root
  in_lab 'netns::add cfs-nstest-a
    netns::sysctl cfs-nstest-a net.ipv4.ip_forward 1
    echo "inside: $(netns::exec cfs-nstest-a cat /proc/sys/net/ipv4/ip_forward)"
    (netns::sysctl - net.ipv4.ip_forward 1) || echo "for the host: status $?"'
  assert_success
  assert_output $'inside: 1\nfor the host: status 1'
  [[ $stderr == *"lab::sysctl"* ]] || fail "stderr does not point at lab::sysctl: $stderr"
}

@test "netns::counters prints each rule's packet count and the rule without its comment, and netns::zero resets them (lab namespaces only)" {
  requires root
  in_lab 'netns::add cfs-nstest-a
    netns::exec cfs-nstest-a ip link set lo up
    netns::chain cfs-nstest-a filter CFS-NSTEST
    netns::rule cfs-nstest-a filter CFS-NSTEST nstest -p icmp --icmp-type echo-request
    netns::rule cfs-nstest-a filter CFS-NSTEST nstest -p tcp
    netns::jump cfs-nstest-a filter OUTPUT CFS-NSTEST nstest
    netns::exec cfs-nstest-a ping -c2 -W1 127.0.0.1 >/dev/null
    netns::counters cfs-nstest-a filter CFS-NSTEST
    netns::zero cfs-nstest-a filter
    netns::counters cfs-nstest-a filter CFS-NSTEST
    (netns::zero - filter) || echo "the host: status $?"'
  assert_success
  assert_output $'2 -p icmp -m icmp --icmp-type 8\n0 -p tcp\n0 -p icmp -m icmp --icmp-type 8\n0 -p tcp\nthe host: status 1'
}

@test "netns::vxlan joins two namespaces over a VXLAN tunnel, and nothing is left after the cleanup stack" {
  requires root
  [[ -e /sys/module/vxlan ]] || skip "this kernel has no vxlan (module vxlan)"
  host_state::snapshot >"$BATS_TEST_TMPDIR/before"
  in_lab 'netns::add cfs-nstest-a; netns::add cfs-nstest-b
    netns::veth cfs-nstest-p cfs-nstest-a cfs-nstest-q cfs-nstest-b
    netns::addr cfs-nstest-a cfs-nstest-p 10.251.0.1/24
    netns::addr cfs-nstest-b cfs-nstest-q 10.251.0.2/24
    netns::vxlan cfs-nstest-a cfs-nstest-vx 42 10.251.0.1 10.251.0.2 cfs-nstest-p
    netns::vxlan cfs-nstest-b cfs-nstest-vx 42 10.251.0.2 10.251.0.1 cfs-nstest-q
    netns::addr cfs-nstest-a cfs-nstest-vx 10.251.1.1/24
    netns::addr cfs-nstest-b cfs-nstest-vx 10.251.1.2/24
    netns::exec cfs-nstest-a ping -c1 -W2 10.251.1.2 >/dev/null && echo "ping over the tunnel: works"
    echo "vni: $(ip -n cfs-nstest-a -d -o link show cfs-nstest-vx | grep -o "vxlan id [0-9]*")"'
  assert_success
  assert_output $'ping over the tunnel: works\nvni: vxlan id 42'
  host_state::snapshot >"$BATS_TEST_TMPDIR/after"
  diff "$BATS_TEST_TMPDIR/before" "$BATS_TEST_TMPDIR/after" || fail "the cleanup stack left something behind"
}
