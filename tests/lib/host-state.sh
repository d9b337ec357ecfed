# shellcheck shell=bash
# host-state.sh: print a snapshot of the host state a lab could leak, one "section: line" per
# fact, sorted, so two snapshots diff cleanly and a leak names its section.
#   host_state::snapshot [MARKER]   MARKER: an environment marker whose carriers count as leaks
#   host_state::missing             print "tool (package)" for each tool a section needs and this
#                                   host lacks: a snapshot without it would see nothing there
# A section whose tool is missing says "unavailable: TOOL", never nothing.
# Forks are few on purpose (one per tool, one sort): under emulation in the CI VM a fork+exec
# costs 30-80 ms, and every check takes two snapshots. Everything else is bash builtins.

# The tools the sections run, with their Debian/Ubuntu packages.
HOST_STATE_TOOLS=(ip=iproute2 iptables-save=iptables ip6tables-save=iptables nft=nftables
  losetup=mount sort=coreutils)

# The sysctls watched: every one a lab's manifest declares (sysctls:), and a few that decide
# what a host lets through or lets users do, watched whether or not a lab declares them.
HOST_STATE_SYSCTLS=(
  net.ipv4.ip_forward
  net.ipv4.conf.all.forwarding
  net.ipv6.conf.all.forwarding
  net.ipv4.conf.all.route_localnet
  net.bridge.bridge-nf-call-iptables
  kernel.unprivileged_userns_clone
  kernel.apparmor_restrict_unprivileged_userns
  user.max_user_namespaces
)

host_state::_manifest_sysctls() {
  local file line words
  for file in "$(dirname "${BASH_SOURCE[0]}")"/../../labs/*/*/lab.manifest; do
    [[ -f $file ]] || continue
    while IFS= read -r line; do
      [[ $line =~ ^sysctls:([^#]*) ]] || continue
      read -ra words <<<"${BASH_REMATCH[1]}"
      HOST_STATE_SYSCTLS+=("${words[@]}")
    done <"$file"
  done
}
host_state::_manifest_sysctls

host_state::missing() {
  local pair
  for pair in "${HOST_STATE_TOOLS[@]}"; do
    command -v "${pair%%=*}" >/dev/null 2>&1 || printf '%s (%s)\n' "${pair%%=*}" "${pair#*=}"
  done
}

_HOST_STATE=()

# Add the lines of a command's output to section $1 (after the filter function $2, or as they
# are when $2 is "-"), or "unavailable: TOOL" when the tool is missing.
host_state::_add_cmd() {
  local name=$1 filter=$2 _L
  shift 2
  if ! command -v "$1" >/dev/null 2>&1; then
    _HOST_STATE+=("$name: unavailable: $1")
    return 0
  fi
  while IFS= read -r _L; do
    [[ $filter == - ]] || "$filter" || continue
    _HOST_STATE+=("$name: $_L")
  done < <("$@" 2>/dev/null)
}

# Filters: rewrite the line in $_L, or return 1 to drop it. Interface indexes, rule counters and
# address lifetimes change by themselves.
shopt -s extglob
host_state::_f_index() { _L=${_L#+([0-9]): }; }
host_state::_f_addr() { _L=${_L#+([0-9]): } && _L=${_L%%valid_lft*}; }
host_state::_f_iptables() { [[ $_L != '#'* ]] && _L=${_L//\[+([0-9]):+([0-9])\]/}; }
host_state::_f_nft() { _L=${_L//counter packets +([0-9]) bytes +([0-9])/counter}; }

host_state::_mounts() {
  local line
  # Drop the mount and parent IDs (fields 1-2): they change on every remount.
  while IFS= read -r line; do
    line=${line#* }
    _HOST_STATE+=("mount: ${line#* }")
  done </proc/self/mountinfo
}

host_state::_processes() {
  local marker=${1:-} pid cmd argv envs e
  for pid in /proc/[0-9]*; do
    pid=${pid#/proc/}
    [[ $pid == "$$" || $pid == "$BASHPID" ]] && continue
    { mapfile -d '' -t argv <"/proc/$pid/cmdline"; } 2>/dev/null || continue
    cmd=
    ((${#argv[@]})) && printf -v cmd '%s ' "${argv[@]}"
    # The harness's own lock (flock …/cfs-labs.lock) is not a lab's leftover.
    [[ $cmd == *cfs-labs.lock* ]] && continue
    if [[ $cmd == *cfs-* ]]; then
      _HOST_STATE+=("process: $cmd")
    elif [[ -n $marker ]] && { mapfile -d '' -t envs <"/proc/$pid/environ"; } 2>/dev/null; then
      for e in "${envs[@]}"; do
        if [[ $e == "$marker" ]]; then
          _HOST_STATE+=("process: carries $marker: $cmd")
          break
        fi
      done
    fi
  done
  return 0
}

host_state::_globs() {
  local name=$1 path
  shift
  for path in "$@"; do [[ -e $path ]] && _HOST_STATE+=("$name: $path"); done
  return 0
}

host_state::_sysctls() {
  local key value
  for key in "${HOST_STATE_SYSCTLS[@]}"; do
    { IFS= read -r value <"/proc/sys/${key//.//}"; } 2>/dev/null && _HOST_STATE+=("sysctl: $key = $value")
  done
  return 0
}

# cfs- AppArmor profiles, where AppArmor is on (securityfs lists every loaded profile).
host_state::_apparmor() {
  local line file=/sys/kernel/security/apparmor/profiles
  [[ -r $file ]] || return 0
  while IFS= read -r line; do
    [[ $line == cfs-* ]] && _HOST_STATE+=("apparmor: $line")
  done <"$file"
  return 0
}

host_state::_users() {
  local file line name id gid
  for file in /etc/passwd /etc/group; do
    while IFS=: read -r name _ id gid _; do _HOST_STATE+=("user: $file: $name:$id:$gid"); done <"$file"
  done
  for file in /etc/subuid /etc/subgid; do
    [[ -f $file ]] || continue
    while IFS= read -r line; do _HOST_STATE+=("user: $file: $line"); done <"$file"
  done
  return 0
}

host_state::snapshot() {
  local marker=${1:-} cg=/sys/fs/cgroup
  _HOST_STATE=()
  host_state::_mounts
  host_state::_add_cmd netns - ip netns list
  host_state::_add_cmd link host_state::_f_index ip -o link show
  host_state::_add_cmd addr host_state::_f_addr ip -o addr show
  host_state::_add_cmd route - ip route show table all
  host_state::_add_cmd rule - ip rule show
  host_state::_add_cmd iptables host_state::_f_iptables iptables-save
  host_state::_add_cmd ip6tables host_state::_f_iptables ip6tables-save
  host_state::_add_cmd nft host_state::_f_nft nft list ruleset
  host_state::_add_cmd loop - losetup -l -n -O NAME,BACK-FILE
  host_state::_sysctls
  # cfs-* cgroups up to six levels deep (v2: the root; v1: under each hierarchy).
  host_state::_globs cgroup $cg/cfs-* $cg/*/cfs-* $cg/*/*/cfs-* $cg/*/*/*/cfs-* $cg/*/*/*/*/cfs-* $cg/*/*/*/*/*/cfs-*
  host_state::_processes "$marker"
  host_state::_globs tmp /tmp/cfs-* /var/tmp/cfs-* /run/cfs-*
  host_state::_users
  host_state::_apparmor
  printf '%s\n' "${_HOST_STATE[@]}" | LC_ALL=C sort
}
