# shellcheck shell=bash
# host-state.sh: print a snapshot of the host state a lab could leak, one "section: line" per
# fact, sorted, so two snapshots diff cleanly and a leak names its section.
#   host_state::snapshot [MARKER]   MARKER: an environment marker whose carriers count as leaks

# The sysctls labs may touch. A lab that writes another one adds it here.
HOST_STATE_SYSCTLS=(
  net.ipv4.ip_forward
  net.ipv4.conf.all.forwarding
  net.ipv6.conf.all.forwarding
  net.bridge.bridge-nf-call-iptables
  net.ipv4.ping_group_range
  kernel.unprivileged_userns_clone
  kernel.apparmor_restrict_unprivileged_userns
  user.max_user_namespaces
  vm.overcommit_memory
  kernel.pid_max
)

host_state::_mounts() {
  # Drop the mount and parent IDs (fields 1-2): they change on every remount.
  cut -d' ' -f3- /proc/self/mountinfo
}

host_state::_processes() {
  local marker=${1:-} pid cmd argv envs e
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    # Builtins only (no tr/grep per process): a fork costs ~40 ms under emulation.
    { mapfile -d '' -t argv <"/proc/$pid/cmdline"; } 2>/dev/null || continue
    cmd=
    ((${#argv[@]})) && printf -v cmd '%s ' "${argv[@]}"
    # The harness's own lock (flock …/cfs-labs.lock) is not a lab's leftover.
    [[ $cmd == *cfs-labs.lock* ]] && continue
    if [[ $cmd == *cfs-* ]]; then
      printf '%s\n' "$cmd"
    elif [[ -n $marker ]] && { mapfile -d '' -t envs <"/proc/$pid/environ"; } 2>/dev/null; then
      for e in "${envs[@]}"; do
        [[ $e == "$marker" ]] && { printf 'carries %s: %s\n' "$marker" "$cmd"; break; }
      done
    fi
  done
}

host_state::_cgroups() {
  find /sys/fs/cgroup -mindepth 1 -maxdepth 6 -type d -name 'cfs-*' 2>/dev/null
}

host_state::_sysctls() {
  local key value
  for key in "${HOST_STATE_SYSCTLS[@]}"; do
    IFS= read -r value <"/proc/sys/${key//.//}" 2>/dev/null && printf '%s = %s\n' "$key" "$value"
  done
  return 0
}

host_state::_section() {
  local name=$1
  shift
  "$@" 2>/dev/null | LC_ALL=C sort | sed "s|^|$name: |"
}

host_state::snapshot() {
  local marker=${1:-}
  host_state::_section mount host_state::_mounts
  host_state::_section netns ip netns list
  host_state::_section link sh -c "ip -o link show | sed -E 's/^[0-9]+: //'"
  host_state::_section addr sh -c "ip -o addr show | sed -E 's/^[0-9]+: //; s/valid_lft.*//'"
  host_state::_section route ip route show table all
  host_state::_section rule ip rule show
  host_state::_section iptables sh -c "iptables-save 2>/dev/null | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//'"
  host_state::_section ip6tables sh -c "ip6tables-save 2>/dev/null | grep -v '^#' | sed -E 's/\[[0-9]+:[0-9]+\]//'"
  host_state::_section nft sh -c "nft list ruleset 2>/dev/null | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'"
  host_state::_section sysctl host_state::_sysctls
  host_state::_section cgroup host_state::_cgroups
  host_state::_section process host_state::_processes "$marker"
  host_state::_section tmp find /tmp /var/tmp /run -maxdepth 1 -name 'cfs-*'
  host_state::_section loop sh -c "losetup -l -n -O NAME,BACK-FILE 2>/dev/null"
  host_state::_section user sh -c "cut -d: -f1,3,4 /etc/passwd /etc/group; cat /etc/subuid /etc/subgid 2>/dev/null"
  return 0
}
