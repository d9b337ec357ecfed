#!/usr/bin/env bats
# shellcheck disable=SC2154 # $stderr is set by bats' `run --separate-stderr`
# labs/networking/ipvs on a kernel without IPVS: run.sh refuses before it creates anything, names
# what is missing, and never loads the module itself (ipvsadm would try modprobe). The lab itself
# is verified in the CI VM (verify: vm, features: ipvs); this is the part an IPVS-less host checks.

load ../helpers

setup_file() { lab::lock; }

LAB_RUN=labs/networking/ipvs/run.sh

# What the lab would make or change: its namespaces and links, and the loaded modules.
traces() {
  ip netns list 2>/dev/null | grep -o '^cfs-svc-[a-z0-9]*' || true
  ip -o link show | grep -o 'cfs-[a-z0-9-]*' || true
  grep -o '^ip_vs[a-z_]*' /proc/modules 2>/dev/null || true
}

@test "networking/ipvs: run.sh refuses naming ip_vs, and creates and loads nothing, on a kernel without IPVS" {
  requires root
  [[ ! -e /proc/net/ip_vs ]] || skip "this kernel has IPVS: the lab runs here (the harness checks it)"
  local before
  before=$(traces)
  run --separate-stderr "$REPO_ROOT/$LAB_RUN"
  assert_failure
  assert_output ""
  [[ $stderr == *"lacks IPVS (module ip_vs"* ]] || fail "stderr does not name ip_vs: $stderr"
  assert [ ! -e /proc/net/ip_vs ]
  assert_equal "$(traces)" "$before"
}
